// Hardware task switches (SDM Vol. 3A chapter 7): far JMP/CALL to a TSS and through task gates, IRET with NT = 1,
// exceptions and interrupts through IDT task gates, the saved and loaded state, busy bits, NT and the back link
// (Table 7-2), CR0.TS and CR3, 16-bit TSSes, and the checks of Table 7-1 with the task each fault belongs to.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import {
  makeBench, loadCode, stepAt, runToHalt, catchFault, writeDescriptor, segmentDescriptor, gateDescriptor, haltedInVector, stackDword,
  CODE_BASE, GDT_BASE, IDT_BASE, STACK_TOP, SEL_CODE0, SEL_CODE3, SEL_DATA0, SEL_DATA3, type Bench,
} from './harness.js';
import { Vector } from '../../../src/machine/cpu/fault.js';
import { CR0_PG, CR0_TS, CR4_PSE, FLAG_IF, FLAG_NT } from '../../../src/machine/cpu/eflags.js';
import { EAX, ECX, EDX, EBX, ESP, EBP, ESI, EDI, CS, SS, DS, ES, FS, GS } from '../../../src/machine/cpu/registers.js';
import { ATTR_DB, ATTR_DPL_SHIFT, ATTR_G, ATTR_P, ATTR_S, TYPE_ACCESSED, TYPE_CODE, TYPE_CODE_READABLE, TYPE_DATA_WRITABLE } from '../../../src/machine/cpu/segments.js';

// GDT slots after the harness's seven.
const TSS_A = 0x38;      // the task running at the start (TR), busy
const TSS_B = 0x40;      // an available 32-bit TSS
const GATE_B = 0x48;     // a DPL-3 task gate to TSS_B
const TSS_16 = 0x50;     // an available 16-bit TSS
const LDT_SEL = 0x58;    // an LDT with one data segment
const TSS_SHORT = 0x60;  // a 32-bit TSS with limit 0x66
const TSS_ABSENT = 0x68; // a 32-bit TSS with P = 0
const TSS_H = 0x70;      // a handler task for faults in another task
const GDT_LIMIT = 0x78 - 1;

const A_BASE = 0x6000, B_BASE = 0x6100, T16_BASE = 0x6200, LDT_BASE = 0x6400;
const B_EIP = 0x8000, B_STACK = 0x7800;
const H_BASE = 0x6300, H_EIP = 0x8200, H_STACK = 0x7c00;
const LDT_DATA = 0x04 | 0; // LDT entry 0, TI = 1: data segment with base 0x20000
const TSS_AVAILABLE32 = 0x89, TSS_BUSY32 = 0x8b, TSS_AVAILABLE16 = 0x81;

interface TssState {
  eip: number; eflags: number; regs: number[]; segs: number[]; ldt?: number; cr3?: number; link?: number;
}

/** A 32-bit TSS at `base` (SDM Vol. 3A Figure 7-2). */
function writeTss32(bench: Bench, base: number, s: TssState): void {
  const { mem } = bench;
  for (let k = 0; k < 0x68; k += 4) mem.write32(base + k, 0);
  mem.write32(base + 0x00, s.link ?? 0);
  mem.write32(base + 0x1c, s.cr3 ?? 0);
  mem.write32(base + 0x20, s.eip);
  mem.write32(base + 0x24, s.eflags);
  s.regs.forEach((v, k) => mem.write32(base + 0x28 + 4 * k, v));
  s.segs.forEach((v, k) => mem.write32(base + 0x48 + 4 * k, v));
  mem.write32(base + 0x60, s.ldt ?? 0);
}

/** A 16-bit TSS at `base` (SDM Vol. 3A §7.6): IP, FLAGS, 8 words of registers, ES CS SS DS, LDT. */
function writeTss16(bench: Bench, base: number, s: TssState): void {
  const { mem } = bench;
  const w = (off: number, v: number) => { mem.write8(base + off, v & 0xff); mem.write8(base + off + 1, (v >>> 8) & 0xff); };
  for (let k = 0; k < 0x2c; k += 2) w(k, 0);
  w(0x0e, s.eip);
  w(0x10, s.eflags);
  s.regs.forEach((v, k) => w(0x12 + 2 * k, v));
  s.segs.slice(0, 4).forEach((v, k) => w(0x22 + 2 * k, v));
  w(0x2a, s.ldt ?? 0);
}

const B_REGS = [0x11111111, 0x22222222, 0x33333333, 0x44444444, B_STACK, 0x66666666, 0x77777777, 0x88888888];
const FLAT0 = [SEL_DATA0, SEL_CODE0, SEL_DATA0, SEL_DATA0, SEL_DATA0, SEL_DATA0];

/** The harness bench plus TSS A (current, busy), TSS B, a task gate, a 16-bit TSS, an LDT and two broken TSSes. */
function taskBench(): Bench {
  const bench = makeBench();
  const { cpu, mem } = bench;
  writeDescriptor(mem, GDT_BASE + TSS_A, segmentDescriptor(A_BASE, 0x67, TSS_BUSY32, 0));
  writeDescriptor(mem, GDT_BASE + TSS_B, segmentDescriptor(B_BASE, 0x67, TSS_AVAILABLE32, 0));
  writeDescriptor(mem, GDT_BASE + GATE_B, gateDescriptor(TSS_B, 0, 0x5, 3));
  writeDescriptor(mem, GDT_BASE + TSS_16, segmentDescriptor(T16_BASE, 0x2b, TSS_AVAILABLE16, 0));
  writeDescriptor(mem, GDT_BASE + LDT_SEL, segmentDescriptor(LDT_BASE, 0x7, 0x82, 0));
  writeDescriptor(mem, GDT_BASE + TSS_SHORT, segmentDescriptor(B_BASE, 0x66, TSS_AVAILABLE32, 0));
  writeDescriptor(mem, GDT_BASE + TSS_ABSENT, segmentDescriptor(B_BASE, 0x67, TSS_AVAILABLE32 & 0x7f, 0));
  writeDescriptor(mem, LDT_BASE, segmentDescriptor(0x20000, 0xffff, 0x92, 0x4));
  cpu.gdtLimit = GDT_LIMIT;
  writeTss32(bench, A_BASE, { eip: 0, eflags: 2, regs: [0, 0, 0, 0, 0, 0, 0, 0], segs: FLAT0 });
  writeTss32(bench, B_BASE, { eip: B_EIP, eflags: 0x2 | FLAG_IF, regs: B_REGS, segs: FLAT0 });
  writeDescriptor(mem, GDT_BASE + TSS_H, segmentDescriptor(H_BASE, 0x67, TSS_AVAILABLE32, 0));
  writeTss32(bench, H_BASE, { eip: H_EIP, eflags: 2, regs: [0, 0, 0, 0, H_STACK, 0, 0, 0], segs: FLAT0 });
  mem.write8(H_EIP, 0xf4);
  cpu.trSel = TSS_A; cpu.trBase = A_BASE; cpu.trLimit = 0x67; cpu.trAttr = TSS_BUSY32;
  mem.write8(B_EIP, 0xf4);
  return bench;
}

const far = (op: number, selector: number) => [op, 0, 0, 0, 0, selector & 0xff, selector >> 8];
const typeOf = (bench: Bench, sel: number) => (bench.mem.read32(GDT_BASE + (sel & ~7) + 4) >>> 8) & 0xf;
const tss32 = (bench: Bench, base: number, off: number) => bench.mem.read32(base + off) >>> 0;

/** Sets every general register of the running task to a recognisable value. */
function setOldRegisters(bench: Bench): void {
  const { cpu } = bench;
  [EAX, ECX, EDX, EBX, EBP, ESI, EDI].forEach((r, k) => { cpu.r32[r] = 0xa0a0a000 + k; });
}

describe('task switch: far JMP and CALL', () => {
  test('JMP to an available TSS: old state saved, new state loaded, busy bits moved, no back link, CR0.TS set', () => {
    const bench = taskBench();
    const { cpu } = bench;
    loadCode(bench, far(0xea, TSS_B));
    setOldRegisters(bench);
    cpu.stepOne();
    assert.equal(cpu.trSel, TSS_B);
    assert.equal(cpu.trBase, B_BASE);
    assert.equal(cpu.trAttr & 0xf, 0xb, 'TR caches the busy descriptor');
    assert.equal(cpu.eip >>> 0, B_EIP);
    assert.deepEqual([...cpu.r32].map((v) => v >>> 0), B_REGS);
    assert.equal(cpu.getEflags() & (FLAG_IF | FLAG_NT), FLAG_IF, 'EFLAGS from the TSS, NT as stored (0)');
    assert.equal(cpu.sreg[CS], SEL_CODE0);
    assert.equal(cpu.cpl, 0);
    assert.ok(cpu.cr0 & CR0_TS);
    assert.equal(typeOf(bench, TSS_A), 0x9, 'JMP clears the old busy bit');
    assert.equal(typeOf(bench, TSS_B), 0xb, 'and sets the new one');
    assert.equal(tss32(bench, B_BASE, 0), 0, 'JMP leaves the back link alone');
    assert.equal(tss32(bench, A_BASE, 0x20), CODE_BASE + 7, 'saved EIP: the instruction after the JMP');
    assert.equal(tss32(bench, A_BASE, 0x24), 0x2);
    assert.equal(tss32(bench, A_BASE, 0x28 + 4 * ESP), STACK_TOP);
    assert.equal(tss32(bench, A_BASE, 0x28 + 4 * ESI), 0xa0a0a005);
    assert.equal(tss32(bench, A_BASE, 0x48 + 4 * CS) & 0xffff, SEL_CODE0);
    assert.equal(tss32(bench, A_BASE, 0x48 + 4 * GS) & 0xffff, SEL_DATA0);
  });

  test('JMP keeps NT as the old task had it in the saved image (SDM §7.3 step 7: only IRET clears it)', () => {
    const bench = taskBench();
    const { cpu } = bench;
    loadCode(bench, far(0xea, TSS_B));
    cpu.setEflags(0x2 | FLAG_NT, 0xffffffff);
    cpu.stepOne();
    assert.equal(tss32(bench, A_BASE, 0x24) & FLAG_NT, FLAG_NT);
    assert.equal(cpu.getEflags() & FLAG_NT, 0);
  });

  test('CALL through a task gate, then IRET: NT and the back link, busy bits, NT cleared in the saved image', () => {
    const bench = taskBench();
    const { cpu, mem } = bench;
    mem.write8(B_EIP, 0xcf); // iretd
    mem.write8(B_EIP + 1, 0xf4);
    loadCode(bench, [...far(0x9a, GATE_B), 0xf4]);
    cpu.stepOne();
    assert.equal(cpu.trSel, TSS_B);
    assert.equal(cpu.getEflags() & FLAG_NT, FLAG_NT, 'CALL sets NT in the new task');
    assert.equal(tss32(bench, B_BASE, 0) & 0xffff, TSS_A, 'back link = old TSS');
    assert.equal(typeOf(bench, TSS_A), 0xb, 'CALL leaves the old task busy');
    assert.equal(typeOf(bench, TSS_B), 0xb);
    cpu.r32[EAX] = 0x5555;
    cpu.stepOne(); // iretd
    assert.equal(cpu.trSel, TSS_A);
    assert.equal(cpu.eip >>> 0, CODE_BASE + 7, 'back after the CALL');
    assert.equal(cpu.r32[ESP]! >>> 0, STACK_TOP, 'nothing was pushed on the caller stack');
    assert.equal(cpu.getEflags() & FLAG_NT, 0, 'NT of the caller as it was');
    assert.equal(typeOf(bench, TSS_B), 0x9, 'IRET clears the busy bit of the task it leaves');
    assert.equal(typeOf(bench, TSS_A), 0xb, 'and leaves the returned-to task busy');
    assert.equal(tss32(bench, B_BASE, 0x24) & FLAG_NT, 0, 'NT cleared in the image saved by IRET');
    assert.equal(tss32(bench, B_BASE, 0x20), B_EIP + 1, 'saved EIP: after the IRET');
    assert.equal(tss32(bench, B_BASE, 0x28), 0x5555);
  });

  test('JMP or CALL to a busy TSS raises #GP(TSS selector); the old task is untouched', () => {
    const bench = taskBench();
    for (const op of [0xea, 0x9a]) {
      const f = catchFault(() => stepAt(bench, far(op, TSS_A)));
      assert.deepEqual([f.vector, f.errorCode], [Vector.GP, TSS_A]);
      assert.equal(bench.cpu.trSel, TSS_A);
    }
  });

  test('TSS limit below 0x67 → #TS(TSS selector); not present → #NP(TSS selector); in the LDT (TI = 1) → #GP', () => {
    const bench = taskBench();
    let f = catchFault(() => stepAt(bench, far(0xea, TSS_SHORT)));
    assert.deepEqual([f.vector, f.errorCode], [Vector.TS, TSS_SHORT]);
    f = catchFault(() => stepAt(bench, far(0xea, TSS_ABSENT)));
    assert.deepEqual([f.vector, f.errorCode], [Vector.NP, TSS_ABSENT]);
    // An LDT whose entry 0 is a TSS descriptor: TSS descriptors count only in the GDT.
    writeDescriptor(bench.mem, LDT_BASE, segmentDescriptor(B_BASE, 0x67, TSS_AVAILABLE32, 0));
    bench.cpu.ldtSel = LDT_SEL; bench.cpu.ldtBase = LDT_BASE; bench.cpu.ldtLimit = 7;
    f = catchFault(() => stepAt(bench, far(0xea, 0x04)));
    assert.deepEqual([f.vector, f.errorCode], [Vector.GP, 0x04]);
    assert.equal(bench.cpu.trSel, TSS_A);
    assert.equal(typeOf(bench, TSS_A), 0xb, 'no busy bit changed');
  });

  test('DPL: CPL 3 may not JMP to a DPL-0 TSS (#GP), but may use a DPL-3 task gate to it', () => {
    const bench = taskBench();
    const { cpu } = bench;
    const enterRing3 = (code: number[]) => {
      loadCode(bench, code);
      const dpl3 = 3 << ATTR_DPL_SHIFT;
      cpu.setSegmentCache(CS, SEL_CODE3, 0, 0xffffffff, ATTR_P | ATTR_S | TYPE_CODE | TYPE_CODE_READABLE | TYPE_ACCESSED | ATTR_DB | ATTR_G | dpl3);
      for (const seg of [DS, ES, FS, GS, SS]) cpu.setSegmentCache(seg, SEL_DATA3, 0, 0xffffffff, ATTR_P | ATTR_S | TYPE_DATA_WRITABLE | TYPE_ACCESSED | ATTR_DB | ATTR_G | dpl3);
      cpu.setCpl(3);
    };
    enterRing3(far(0xea, TSS_B | 3));
    const f = catchFault(() => cpu.stepOne());
    assert.deepEqual([f.vector, f.errorCode], [Vector.GP, TSS_B]);
    enterRing3(far(0xea, GATE_B | 3));
    cpu.stepOne();
    assert.equal(cpu.trSel, TSS_B);
    assert.equal(cpu.cpl, 0, 'the new CPL comes from the new CS');
    assert.equal(tss32(bench, A_BASE, 0x48 + 4 * CS) & 0xffff, SEL_CODE3);
  });

  test('IRET with NT = 1 to a link that is not a busy TSS raises #TS(link)', () => {
    const bench = taskBench();
    const { cpu, mem } = bench;
    mem.write32(A_BASE, TSS_B); // B is available, not busy
    loadCode(bench, [0xcf]);
    cpu.setEflags(0x2 | FLAG_NT, 0xffffffff);
    const f = catchFault(() => cpu.stepOne());
    assert.deepEqual([f.vector, f.errorCode], [Vector.TS, TSS_B]);
  });
});

describe('task switch: the new task state', () => {
  test('LDTR is loaded before the segment registers, so they may name LDT descriptors', () => {
    const bench = taskBench();
    const { cpu } = bench;
    writeTss32(bench, B_BASE, { eip: B_EIP, eflags: 2, regs: B_REGS, segs: [SEL_DATA0, SEL_CODE0, SEL_DATA0, LDT_DATA, SEL_DATA0, 0], ldt: LDT_SEL });
    stepAt(bench, far(0xea, TSS_B));
    assert.equal(cpu.ldtSel, LDT_SEL);
    assert.equal(cpu.ldtBase, LDT_BASE);
    assert.equal(cpu.sreg[DS], LDT_DATA);
    assert.equal(cpu.segBase[DS], 0x20000);
    assert.equal(cpu.segAccess[GS], 0, 'a null GS is unusable');
    assert.equal(bench.mem.read8(LDT_BASE + 5) & 1, 1, 'accessed bit set');
  });

  test('CR3 is loaded from a 32-bit TSS only with paging on', () => {
    const bench = taskBench();
    const { cpu, mem } = bench;
    for (const pd of [0x100000, 0x101000]) mem.write32(pd, 0x83); // one identity 4 MiB page
    writeTss32(bench, B_BASE, { eip: B_EIP, eflags: 2, regs: B_REGS, segs: FLAT0, cr3: 0x101000 });
    cpu.cr3 = 0x100000;
    stepAt(bench, far(0xea, TSS_B));
    assert.equal(cpu.cr3, 0x100000, 'paging off: CR3 unchanged');

    const again = taskBench();
    again.mem.write32(0x100000, 0x83);
    again.mem.write32(0x101000, 0x83);
    writeTss32(again, B_BASE, { eip: B_EIP, eflags: 2, regs: B_REGS, segs: FLAT0, cr3: 0x101000 });
    again.cpu.cr4 = CR4_PSE;
    again.cpu.cr3 = 0x100000;
    again.cpu.cr0 |= CR0_PG;
    again.cpu.flushTlb();
    stepAt(again, far(0xea, TSS_B));
    assert.equal(again.cpu.cr3, 0x101000);
    assert.equal(again.cpu.eip >>> 0, B_EIP);
  });

  test('a 16-bit TSS: IP, FLAGS and the low register halves loaded, FS/GS null; its state saved as words on the way out', () => {
    const bench = taskBench();
    const { cpu, mem } = bench;
    writeTss16(bench, T16_BASE, { eip: 0x8100, eflags: 0x0202, regs: [0x1001, 0x1002, 0x1003, 0x1004, 0x7000, 0x1006, 0x1007, 0x1008], segs: FLAT0 });
    mem.writeBytes(0x8100, Uint8Array.from([0xb8, 0x34, 0x12, 0x00, 0x00, ...far(0xea, TSS_A)])); // mov eax, 0x1234; jmp TSS_A
    loadCode(bench, far(0xea, TSS_16));
    cpu.r32[EBX] = 0xdead0000;
    cpu.stepOne();
    assert.equal(cpu.trSel, TSS_16);
    assert.equal(cpu.eip >>> 0, 0x8100);
    assert.equal(cpu.r32[EBX]! >>> 0, 0xdead1004, 'upper half kept');
    assert.equal(cpu.r16[ESP * 2], 0x7000);
    assert.equal(cpu.getEflags() & FLAG_IF, FLAG_IF);
    assert.deepEqual([cpu.sreg[FS], cpu.sreg[GS]], [0, 0]);
    cpu.stepOne(); // mov eax
    cpu.stepOne(); // jmp back to A
    assert.equal(cpu.trSel, TSS_A);
    assert.equal(cpu.eip >>> 0, CODE_BASE + 7);
    const word = (off: number) => mem.read8(T16_BASE + off) | (mem.read8(T16_BASE + off + 1) << 8);
    assert.equal(word(0x0e), 0x810c, 'saved IP');
    assert.equal(word(0x12), 0x1234, 'saved AX');
    assert.equal(word(0x24), SEL_CODE0, 'saved CS');
    assert.equal(typeOf(bench, TSS_16), 0x1, 'busy cleared');
  });

  test('a bad DS selector in the new TSS: #TS(DS) in the new task, delivered on its stack with its CS:EIP', () => {
    const bench = taskBench();
    const { cpu } = bench;
    writeTss32(bench, B_BASE, { eip: B_EIP, eflags: 2, regs: B_REGS, segs: [SEL_DATA0, SEL_CODE0, SEL_DATA0, 0x1238, SEL_DATA0, SEL_DATA0] });
    loadCode(bench, far(0xea, TSS_B));
    runToHalt(bench, 10);
    assert.equal(haltedInVector(bench), Vector.TS);
    assert.equal(cpu.trSel, TSS_B, 'the switch completed');
    assert.equal(cpu.r32[ESP]! >>> 0, B_STACK - 16, 'frame on the new task stack');
    assert.deepEqual([stackDword(bench, 0), stackDword(bench, 1), stackDword(bench, 2) & 0xffff], [0x1238, B_EIP, SEL_CODE0]);
    assert.equal(typeOf(bench, TSS_A), 0x9);
  });

  test('new SS not present → #SS(SS); CS not present → #NP(CS); null SS → #TS(0); LDT not present → #TS(LDT)', () => {
    // [TSS slot (6 = LDT), selector, expected vector]; 0x28 is a not-present data segment (a code one for CS).
    const cases: [number, number, number][] = [[SS, 0x28, Vector.SS], [CS, 0x28, Vector.NP], [SS, 0, Vector.TS], [6, 0x28, Vector.TS]];
    for (const [slot, sel, vector] of cases) {
      const bench = taskBench();
      const { cpu, mem } = bench;
      const segs = [...FLAT0];
      if (slot < 6) segs[slot] = sel;
      writeTss32(bench, B_BASE, { eip: B_EIP, eflags: 2, regs: B_REGS, segs, ldt: slot === 6 ? sel : 0 });
      if (slot === CS) writeDescriptor(mem, GDT_BASE + 0x28, segmentDescriptor(0, 0xfffff, 0x1b, 0xc));
      if (slot === 6) writeDescriptor(mem, GDT_BASE + 0x28, segmentDescriptor(LDT_BASE, 7, 0x02, 0));
      // The fault belongs to B, whose segments are unusable: only a task gate can take it.
      writeDescriptor(mem, IDT_BASE + vector * 8, gateDescriptor(TSS_H, 0, 0x5, 0));
      loadCode(bench, far(0xea, TSS_B));
      runToHalt(bench, 10);
      const label = `slot ${slot}`;
      assert.equal(cpu.trSel, TSS_H, label);
      assert.equal(cpu.eip >>> 0, H_EIP + 1, label);
      assert.equal(mem.read32(H_STACK - 4), sel & 0xfffc, `${label}: error code`);
      assert.equal(tss32(bench, H_BASE, 0) & 0xffff, TSS_B, `${label}: the fault was taken in task B`);
      assert.equal(tss32(bench, B_BASE, 0x20), B_EIP, `${label}: B saved before its first instruction`);
    }
  });
});

describe('task switch: interrupts and exceptions through IDT task gates', () => {
  test('#GP through a task gate: error code pushed on the new stack, NT and back link set, old EIP = the faulting instruction', () => {
    const bench = taskBench();
    const { cpu, mem } = bench;
    writeDescriptor(mem, IDT_BASE + Vector.GP * 8, gateDescriptor(TSS_B, 0, 0x5, 0));
    loadCode(bench, [0x66, 0xb8, 0x38, 0x12, 0x8e, 0xd8]); // mov ax, 0x1238; mov ds, ax → #GP(0x1238)
    runToHalt(bench, 10);
    assert.equal(cpu.trSel, TSS_B);
    assert.equal(cpu.eip >>> 0, B_EIP + 1, 'the task ran to its HLT');
    assert.equal(cpu.r32[ESP]! >>> 0, B_STACK - 4);
    assert.equal(mem.read32(B_STACK - 4), 0x1238, 'error code on the new stack');
    assert.equal(cpu.getEflags() & FLAG_NT, FLAG_NT);
    assert.equal(tss32(bench, B_BASE, 0) & 0xffff, TSS_A);
    assert.equal(tss32(bench, A_BASE, 0x20), CODE_BASE + 4, 'saved EIP: the MOV DS that faulted');
    assert.equal(typeOf(bench, TSS_A), 0xb);
  });

  test('INT n through a task gate saves the EIP after INT; a busy target TSS is #GP(TSS selector) for INT n, with EXT for an exception', () => {
    const bench = taskBench();
    const { cpu, mem } = bench;
    writeDescriptor(mem, IDT_BASE + 0x40 * 8, gateDescriptor(TSS_B, 0, 0x5, 0));
    loadCode(bench, [0xcd, 0x40]);
    runToHalt(bench, 10);
    assert.equal(cpu.trSel, TSS_B);
    assert.equal(cpu.r32[ESP]! >>> 0, B_STACK, 'no error code for INT n');
    assert.equal(tss32(bench, A_BASE, 0x20), CODE_BASE + 2);

    const busy = taskBench();
    writeDescriptor(busy.mem, IDT_BASE + 0x40 * 8, gateDescriptor(TSS_A, 0, 0x5, 0));
    writeDescriptor(busy.mem, IDT_BASE + Vector.UD * 8, gateDescriptor(TSS_A, 0, 0x5, 0));
    loadCode(busy, [0xcd, 0x40]);
    runToHalt(busy, 10);
    assert.equal(haltedInVector(busy), Vector.GP);
    assert.equal(stackDword(busy, 0), TSS_A, 'INT n: EXT = 0');
    assert.equal(stackDword(busy, 1), CODE_BASE, 'EIP of the INT');
    loadCode(busy, [0x0f, 0x0b]); // ud2
    runToHalt(busy, 10);
    assert.equal(haltedInVector(busy), Vector.GP);
    assert.equal(stackDword(busy, 0), TSS_A | 1, 'exception: EXT = 1');
  });

  test('the classic #DF task: a fault with an unusable stack escalates to #DF, which a task gate handles on a fresh stack', () => {
    const bench = taskBench();
    const { cpu, mem } = bench;
    writeDescriptor(mem, IDT_BASE + Vector.DF * 8, gateDescriptor(TSS_B, 0, 0x5, 0));
    // #NP while delivering #GP (a contributory pair) is a double fault; the #DF task does not use the old stack.
    writeDescriptor(mem, IDT_BASE + Vector.GP * 8, gateDescriptor(SEL_CODE0, 0x3000, 0xe, 0, false));
    loadCode(bench, [0x66, 0xb8, 0x38, 0x12, 0x8e, 0xd8]);
    runToHalt(bench, 10);
    assert.equal(cpu.trSel, TSS_B);
    assert.equal(cpu.eip >>> 0, B_EIP + 1);
    assert.equal(mem.read32(B_STACK - 4), 0, '#DF pushes error code 0');
    assert.equal(tss32(bench, B_BASE, 0) & 0xffff, TSS_A);
  });

  test('an exception at CPL 3 through a task gate reaches a DPL-0 TSS: no DPL check for interrupts; CPL 0 in the new task', () => {
    const bench = taskBench();
    const { cpu, mem } = bench;
    writeDescriptor(mem, IDT_BASE + Vector.UD * 8, gateDescriptor(TSS_B, 0, 0x5, 0));
    loadCode(bench, [0x0f, 0x0b]); // ud2 at CPL 3
    const dpl3 = 3 << ATTR_DPL_SHIFT;
    cpu.setSegmentCache(CS, SEL_CODE3, 0, 0xffffffff, ATTR_P | ATTR_S | TYPE_CODE | TYPE_CODE_READABLE | TYPE_ACCESSED | ATTR_DB | ATTR_G | dpl3);
    for (const seg of [DS, ES, FS, GS, SS]) cpu.setSegmentCache(seg, SEL_DATA3, 0, 0xffffffff, ATTR_P | ATTR_S | TYPE_DATA_WRITABLE | TYPE_ACCESSED | ATTR_DB | ATTR_G | dpl3);
    cpu.setCpl(3);
    runToHalt(bench, 10);
    assert.equal(cpu.trSel, TSS_B);
    assert.equal(cpu.cpl, 0);
    assert.equal(cpu.eip >>> 0, B_EIP + 1);
    assert.equal(cpu.r32[ESP]! >>> 0, B_STACK, '#UD has no error code');
    assert.equal(tss32(bench, A_BASE, 0x48 + 4 * CS) & 0xffff, SEL_CODE3, 'the ring-3 selectors saved');
    assert.equal(tss32(bench, A_BASE, 0x48 + 4 * SS) & 0xffff, SEL_DATA3);
  });

  test('a fault in the new task of an exception-driven switch carries EXT', () => {
    const bench = taskBench();
    const { cpu, mem } = bench;
    writeTss32(bench, B_BASE, { eip: B_EIP, eflags: 2, regs: B_REGS, segs: [SEL_DATA0, SEL_CODE0, SEL_DATA0, 0x1238, SEL_DATA0, SEL_DATA0] });
    writeDescriptor(mem, IDT_BASE + Vector.UD * 8, gateDescriptor(TSS_B, 0, 0x5, 0));
    loadCode(bench, [0x0f, 0x0b]);
    runToHalt(bench, 10);
    assert.equal(haltedInVector(bench), Vector.TS);
    assert.equal(cpu.trSel, TSS_B);
    assert.equal(stackDword(bench, 0), 0x1238 | 1);
    assert.equal(stackDword(bench, 1), B_EIP);
  });
});
