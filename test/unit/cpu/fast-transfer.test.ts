// The fast paths of protection/fast-transfer.ts (call gate inward, INT n inward, RETF and IRET outward) against
// the general path: a ring-3 loop that calls a ring-0 routine through an LDT call gate (2 parameters, RETF 8)
// and INT 0x80 through a DPL-3 trap gate (IRET), where a ring-0 store changes one descriptor (GDT, LDT, IDT)
// or the TSS in the middle of the loop. With fastTransfers on and off, the run must end in the same state:
// registers, segment caches, CPL, memory and event counters, whatever fault the change causes. The fast paths
// read descriptors afresh on every transition, so a store to a descriptor table is seen by the next one.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { makeBench, loadCode, writeDescriptor, gateDescriptor, segmentDescriptor, GDT_BASE, IDT_BASE, SEL_CODE0, SEL_CODE3, SEL_DATA0, SEL_DATA3, GATE_TRAP32, type Bench } from './harness.js';
import { Cpu } from '../../../src/machine/cpu/cpu.js';
import { CS, DS, ES, FS, GS, SS, ESP, EBX, ECX, EDX, ESI, EDI, EBP } from '../../../src/machine/cpu/registers.js';
import { ATTR_DB, ATTR_DPL_SHIFT, ATTR_G, ATTR_P, ATTR_S, TYPE_ACCESSED, TYPE_CODE, TYPE_CODE_READABLE, TYPE_DATA_WRITABLE } from '../../../src/machine/cpu/segments.js';

const LDT_BASE = 0x1800, SEL_LDT = 0x38, SEL_TSS = 0x40, TSS_BASE = 0x6000, RING0_STACK = 0x7000, RING3_STACK = 0x5000;
const GATE_ROUTINE = 0x8000, INT_HANDLER = 0x8100;
const SEL_GATE = 0x07; // LDT entry 0, RPL 3
const CALL_GATE_32 = 0xc;
const ITERATIONS = 6;

// loop: push ecx; push esi; call 0x07:0; int 0x80; dec ecx; jnz loop; hlt (a #GP at CPL 3 ends the run)
const RING3_LOOP = [0x51, 0x56, 0x9a, 0x00, 0x00, 0x00, 0x00, 0x07, 0x00, 0xcd, 0x80, 0x49, 0x75, 0xf2, 0xf4];
// cmp ecx, edi; jne +2; mov [ebx], dl; mov eax, [esp+8]; add eax, [esp+12]; retf 8
const GATE_CODE = [0x39, 0xf9, 0x75, 0x02, 0x88, 0x13, 0x8b, 0x44, 0x24, 0x08, 0x03, 0x44, 0x24, 0x0c, 0xca, 0x08, 0x00];
// cmp ecx, ebp; jne +2; mov [ebx], dl; add eax, ecx; iret
const INT_CODE = [0x39, 0xe9, 0x75, 0x02, 0x88, 0x13, 0x01, 0xc8, 0xcf];

/** A change made by a ring-0 store when ECX reaches `at`, in the call-gate routine or the INT 0x80 handler. */
interface Change { name: string; where: 'gate' | 'int'; address: number; value: number }

const byte5 = (tableBase: number, selector: number) => tableBase + (selector & ~7) + 5;
const CHANGES: Change[] = [
  { name: 'nothing changes', where: 'gate', address: 0x20000, value: 0 },
  { name: 'LDT call gate not present (#NP)', where: 'gate', address: byte5(LDT_BASE, SEL_GATE), value: 0x6c },
  { name: 'LDT call gate DPL 0 (#GP)', where: 'int', address: byte5(LDT_BASE, SEL_GATE), value: 0x8c },
  { name: 'LDT entry becomes a 16-bit call gate', where: 'gate', address: byte5(LDT_BASE, SEL_GATE), value: 0xe4 },
  { name: 'ring-0 code not present (#NP)', where: 'int', address: byte5(GDT_BASE, SEL_CODE0), value: 0x1b },
  { name: 'ring-0 code accessed bit clear (the general path sets it)', where: 'gate', address: byte5(GDT_BASE, SEL_CODE0), value: 0x9a },
  { name: 'ring-0 code becomes conforming', where: 'gate', address: byte5(GDT_BASE, SEL_CODE0), value: 0x9f },
  { name: 'ring-0 stack not present (#SS)', where: 'int', address: byte5(GDT_BASE, SEL_DATA0), value: 0x13 },
  { name: 'ring-0 stack DPL 3 (#TS)', where: 'gate', address: byte5(GDT_BASE, SEL_DATA0), value: 0xf3 },
  { name: 'ring-0 stack accessed bit clear', where: 'int', address: byte5(GDT_BASE, SEL_DATA0), value: 0x92 },
  { name: 'ring-0 stack becomes expand-down', where: 'gate', address: byte5(GDT_BASE, SEL_DATA0), value: 0x97 },
  { name: 'ring-0 stack limit changes (G cleared)', where: 'gate', address: GDT_BASE + SEL_DATA0 + 6, value: 0xc0 },
  { name: 'TSS ESP0 moves down a page', where: 'int', address: TSS_BASE + 5, value: 0x60 },
  { name: 'TSS ESP0 becomes 0x00007003 (unaligned)', where: 'gate', address: TSS_BASE + 4, value: 0x03 },
  { name: 'TSS SS0 becomes the ring-3 data selector (#TS)', where: 'int', address: TSS_BASE + 8, value: SEL_DATA3 },
  { name: 'ring-3 code not present (RETF/IRET #NP)', where: 'gate', address: byte5(GDT_BASE, SEL_CODE3), value: 0x7b },
  { name: 'ring-3 code DPL 0 (#GP)', where: 'int', address: byte5(GDT_BASE, SEL_CODE3), value: 0x9b },
  { name: 'ring-3 stack read-only (#GP on return)', where: 'gate', address: byte5(GDT_BASE, SEL_DATA3), value: 0xf1 },
  { name: 'ring-3 stack accessed bit clear', where: 'int', address: byte5(GDT_BASE, SEL_DATA3), value: 0xf2 },
  { name: 'INT 0x80 gate DPL 0 (#GP)', where: 'gate', address: IDT_BASE + 0x80 * 8 + 5, value: 0x8f },
  { name: 'INT 0x80 becomes an interrupt gate (IF cleared)', where: 'gate', address: IDT_BASE + 0x80 * 8 + 5, value: 0xee },
  { name: 'INT 0x80 gate not present (#NP)', where: 'int', address: IDT_BASE + 0x80 * 8 + 5, value: 0x6f },
  { name: 'INT 0x80 becomes a 16-bit trap gate', where: 'gate', address: IDT_BASE + 0x80 * 8 + 5, value: 0xe7 },
  { name: 'the call gate names a selector beyond the GDT limit (#GP)', where: 'int', address: LDT_BASE + 2, value: 0x48 },
];

/** The bench of call-gate.test.ts plus an LDT with the gate, a trap gate at 0x80 and the ring-0 routines. */
function ringBench(fast: boolean, change: Change, at: number): Bench {
  const bench = makeBench();
  const { cpu, mem } = bench;
  cpu.fastTransfers = fast;
  const [gLow, gHigh] = gateDescriptor(SEL_CODE0, GATE_ROUTINE, CALL_GATE_32, 3);
  writeDescriptor(mem, LDT_BASE, [gLow, gHigh | 2]);
  writeDescriptor(mem, GDT_BASE + SEL_LDT, segmentDescriptor(LDT_BASE, 0x0f, 0x82, 0));
  writeDescriptor(mem, GDT_BASE + SEL_TSS, segmentDescriptor(TSS_BASE, 0x67, 0x8b, 0));
  cpu.gdtLimit = 0x48 - 1;
  cpu.ldtSel = SEL_LDT; cpu.ldtBase = LDT_BASE; cpu.ldtLimit = 0x0f; cpu.ldtAttr = 0x82;
  cpu.trSel = SEL_TSS; cpu.trBase = TSS_BASE; cpu.trLimit = 0x67; cpu.trAttr = 0x8b;
  mem.write32(TSS_BASE + 4, RING0_STACK);
  mem.write32(TSS_BASE + 8, SEL_DATA0);
  writeDescriptor(mem, IDT_BASE + 0x80 * 8, gateDescriptor(SEL_CODE0, INT_HANDLER, GATE_TRAP32, 3));
  mem.writeBytes(GATE_ROUTINE, Uint8Array.from(GATE_CODE));
  mem.writeBytes(INT_HANDLER, Uint8Array.from(INT_CODE));
  loadCode(bench, RING3_LOOP);
  const dpl3 = 3 << ATTR_DPL_SHIFT;
  cpu.setSegmentCache(CS, SEL_CODE3, 0, 0xffffffff, ATTR_P | ATTR_S | TYPE_CODE | TYPE_CODE_READABLE | TYPE_ACCESSED | ATTR_DB | ATTR_G | dpl3);
  for (const seg of [DS, ES, FS, GS, SS]) cpu.setSegmentCache(seg, SEL_DATA3, 0, 0xffffffff, ATTR_P | ATTR_S | TYPE_DATA_WRITABLE | TYPE_ACCESSED | ATTR_DB | ATTR_G | dpl3);
  cpu.setCpl(3);
  cpu.r32[ESP] = RING3_STACK;
  cpu.r32[ECX] = ITERATIONS;
  cpu.r32[ESI] = 0x1234;
  cpu.r32[EBX] = change.address;
  cpu.r32[EDX] = change.value;
  cpu.r32[EDI] = change.where === 'gate' ? at : -1;
  cpu.r32[EBP] = change.where === 'int' ? at : -1;
  return bench;
}

/** Everything a transition can change, as one comparable record. */
function state(bench: Bench): Record<string, unknown> {
  const { cpu, mem } = bench;
  return {
    regs: cpu.snapshot(), cpl: cpu.cpl, halted: cpu.halted, retired: cpu.retired,
    sreg: Array.from(cpu.sreg), base: Array.from(cpu.segBase), attr: Array.from(cpu.segAttr),
    low: Array.from(cpu.segLow), high: Array.from(cpu.segHigh), access: Array.from(cpu.segAccess),
    counters: cpu.events.counters(cpu.retired),
    memory: Buffer.from(mem.u8.subarray(0, 0x9000)).toString('base64'),
  };
}

function run(fast: boolean, change: Change, at: number, jit: boolean): Record<string, unknown> {
  const bench = ringBench(fast, change, at);
  bench.cpu.compileBlocks = jit;
  bench.cpu.compileThreshold = 1;
  let triple = '';
  bench.cpu.onTripleFault = (reason) => { triple = reason; };
  bench.cpu.run(2000);
  return { ...state(bench), triple };
}

describe('fast privilege transitions', () => {
  for (const change of CHANGES) {
    test(`${change.name}: the same end state with and without the fast paths`, () => {
      for (const at of [ITERATIONS, ITERATIONS - 2]) {
        for (const jit of [false, true]) {
          assert.deepEqual(run(true, change, at, jit), run(false, change, at, jit), `change at ECX=${at}, JIT ${jit ? 'on' : 'off'}`);
        }
      }
    });
  }

  test('the loop runs to its end at CPL 3 with the expected sum when nothing changes', () => {
    const bench = ringBench(true, CHANGES[0]!, -1);
    bench.cpu.run(2000);
    const { cpu } = bench;
    // The final HLT at CPL 3 raised #GP into the harness's HLT handler at ring 0: the loop completed.
    assert.equal(cpu.r32[ECX], 0);
    assert.equal(cpu.events.transitions[3 * 4 + 0], ITERATIONS * 2 + 1, 'ring 3 -> 0: a call and an INT per round, then the #GP');
    assert.equal(cpu.events.transitions[0 * 4 + 3], ITERATIONS * 2 + 1, 'ring 0 -> 3: the set-up, then a RETF and an IRET per round');
  });

  test('once the TLB holds the tables and stacks, transitions read no descriptor through the general path', () => {
    const reads = (fast: boolean): number => {
      const bench = ringBench(fast, CHANGES[0]!, -1);
      const cpu = bench.cpu;
      let count = 0;
      cpu.readSup32 = function (this: Cpu, lin: number): number { count++; return Cpu.prototype.readSup32.call(this, lin); };
      cpu.r32[ECX] = 40;
      cpu.run(5000);
      assert.equal(cpu.r32[ECX], 0);
      return count;
    };
    const general = reads(false), fast = reads(true);
    assert.ok(general >= 40 * 12, `the general path reads descriptors on every transition (${general})`);
    assert.ok(fast <= 24, `the fast paths read through the TLB after the first round (${fast} general reads)`);
  });
});
