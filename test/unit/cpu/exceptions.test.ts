// Exception and interrupt delivery (SDM Vol. 3A chapter 6): double-fault classes (Table 6-4/6-5), #DF and
// triple fault, IDT limit and gate checks, IF with interrupt vs trap gates, selector error codes (§6.13), and the
// identification and model-specific instructions (CPUID, RDTSC, RDMSR/WRMSR) and x87 escapes without an FPU.

import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { faultClass, isDoubleFault, FaultClass, Vector } from '../../../src/machine/cpu/fault.js';
import { CR0_EM, CR0_MP, CR0_PG, CR0_TS, CR4_PAE, CR4_PGE, CR4_PSE, FLAG_IF, FLAG_TF } from '../../../src/machine/cpu/eflags.js';
import { EAX, EBX, ECX, EDX, ESP, ESI, CS, DS, ES, FS, GS, SS } from '../../../src/machine/cpu/registers.js';
import { ATTR_DB, ATTR_DPL_SHIFT, ATTR_G, ATTR_P, ATTR_S, TYPE_ACCESSED, TYPE_CODE, TYPE_CODE_READABLE, TYPE_DATA_WRITABLE } from '../../../src/machine/cpu/segments.js';
import { CPUID_BRAND, CPUID_VENDOR } from '../../../src/machine/cpu/exec/system.js';
import type { InterruptController } from '../../../src/machine/bus/irq.js';
import {
  makeBench, loadCode, runSnippet, runToHalt, catchFault, writeDescriptor, gateDescriptor, hex, deliveredEvent, haltedInVector,
  CODE_BASE, DATA_BASE, IDT_BASE, SEL_CODE0, SEL_CODE3, SEL_DATA3, SEL_NOT_PRESENT, SEL_SYSTEM, SEL_DATA0, GATE_INT32, GATE_TRAP32, handlerAddress, StopReason, type Bench,
} from './harness.js';

const BENIGN = [Vector.DB, Vector.NMI, Vector.BP, Vector.OF, Vector.BR, Vector.UD, Vector.NM, 9, Vector.MF, Vector.AC, Vector.MC, Vector.XM];
const CONTRIBUTORY = [Vector.DE, Vector.TS, Vector.NP, Vector.SS, Vector.GP];
const PAGE_FAULTS = [Vector.PF];

/** An interrupt controller with one request pending for `vector`. */
class OneInterrupt implements InterruptController {
  acknowledged = 0;
  constructor(readonly vector: number) {}
  hasInterrupt(): boolean { return this.acknowledged === 0; }
  acknowledge(): number { this.acknowledged++; return this.vector; }
}

function markNotPresent(bench: Bench, vector: number): void {
  writeDescriptor(bench.mem, IDT_BASE + vector * 8, gateDescriptor(SEL_CODE0, handlerAddress(vector), GATE_INT32, 0, false));
}

/** mov ax, selector; mov <sreg>, ax. */
function loadSelectorCode(selector: number, sreg = 3): number[] {
  return [0x66, 0xb8, selector & 0xff, selector >> 8, 0x8e, 0xc0 | (sreg << 3)];
}

describe('double-fault classes (SDM Vol. 3A Tables 6-4 and 6-5)', () => {
  test('faultClass: benign, contributory and page-fault vectors', () => {
    for (const v of BENIGN) assert.equal(faultClass(v), FaultClass.Benign, `vector ${v}`);
    for (const v of CONTRIBUTORY) assert.equal(faultClass(v), FaultClass.Contributory, `vector ${v}`);
    assert.equal(faultClass(Vector.PF), FaultClass.PageFault);
    // External interrupts and software vectors are benign.
    for (const v of [32, 0x80, 255]) assert.equal(faultClass(v), FaultClass.Benign);
  });

  test('isDoubleFault for every (first, second) pair of the three classes', () => {
    const classes = [['benign', BENIGN], ['contributory', CONTRIBUTORY], ['page fault', PAGE_FAULTS]] as const;
    // Table 6-5: rows are the first exception, columns the second.
    const table: Record<string, Record<string, boolean>> = {
      benign: { benign: false, contributory: false, 'page fault': false },
      contributory: { benign: false, contributory: true, 'page fault': false },
      'page fault': { benign: false, contributory: true, 'page fault': true },
    };
    const bad: string[] = [];
    for (const [firstName, firsts] of classes) {
      for (const [secondName, seconds] of classes) {
        for (const first of firsts) {
          for (const second of seconds) {
            if (isDoubleFault(first, second) !== table[firstName]![secondName]) bad.push(`${first} then ${second}`);
          }
        }
      }
    }
    assert.deepEqual(bad, []);
  });
});

describe('fault delivery', () => {
  test('#GP through a not-present IDT gate becomes #DF with error code 0 and EIP at the faulting instruction', () => {
    const bench = makeBench();
    markNotPresent(bench, Vector.GP);
    const ev = runSnippet(bench, loadSelectorCode(0x1000));
    assert.ok(ev);
    assert.deepEqual({ vector: ev.vector, errorCode: ev.errorCode, eip: hex(ev.eip), cs: ev.cs }, { vector: Vector.DF, errorCode: 0, eip: hex(CODE_BASE + 4), cs: SEL_CODE0 });
  });

  test('a benign fault whose gate is not present is handled serially: #UD then #NP(6*8+2+EXT)', () => {
    const bench = makeBench();
    markNotPresent(bench, Vector.UD);
    const ev = runSnippet(bench, [0x0f, 0x0b]);
    assert.ok(ev);
    assert.deepEqual([ev.vector, ev.errorCode, hex(ev.eip)], [Vector.NP, Vector.UD * 8 + 2 + 1, hex(CODE_BASE)]);
  });

  test('a fault while delivering #DF is a triple fault: onTripleFault gets a message and the CPU stops', () => {
    const bench = makeBench();
    const { cpu } = bench;
    const messages: string[] = [];
    cpu.onTripleFault = (m) => messages.push(m);
    markNotPresent(bench, Vector.GP);
    markNotPresent(bench, Vector.DF);
    loadCode(bench, [...loadSelectorCode(0x1000), 0xf4]);
    const reason = runToHalt(bench, 1000);
    assert.notEqual(reason, StopReason.Budget);
    assert.equal(messages.length, 1);
    assert.match(messages[0]!, /triple fault/);
    assert.match(messages[0]!, /#DF/);
    assert.equal(cpu.halted, true);
  });

  test('#PF on a not-present stack: #PF, then #DF while pushing its frame, then a triple fault', () => {
    const bench = makeBench(16 * 1024 * 1024);
    const { cpu, mem } = bench;
    // Identity-map 0..4 MiB except the stack page 0x8000.
    const pd = 0x400000, ptab = 0x401000;
    for (let k = 0; k < 1024; k++) { mem.write32(pd + 4 * k, 0); mem.write32(ptab + 4 * k, (k << 12) | 3); }
    mem.write32(pd, ptab | 3);
    mem.write32(ptab + 4 * 8, 0);
    cpu.cr3 = pd;
    cpu.cr0 |= CR0_PG;
    cpu.flushTlb();
    const messages: string[] = [];
    cpu.onTripleFault = (m) => messages.push(m);
    loadCode(bench, [0x50, 0xf4]); // push eax
    cpu.r32[ESP] = 0x9000;
    runToHalt(bench, 100);
    assert.equal(messages.length, 1, 'one triple fault');
    assert.match(messages[0]!, /#PF while delivering #DF/);
    assert.equal(cpu.cr2 >>> 12, 0x8, 'CR2 points into the stack page');
  });

  test('INT n beyond the IDT limit raises #GP(n*8+2) with EIP at the INT instruction', () => {
    const bench = makeBench();
    bench.cpu.idtLimit = 0x40 * 8 - 1;
    let ev = runSnippet(bench, [0xcd, 0x50]);
    assert.ok(ev);
    assert.deepEqual([ev.vector, hex(ev.errorCode ?? -1, 4), hex(ev.eip)], [Vector.GP, hex(0x50 * 8 + 2, 4), hex(CODE_BASE)]);
    // A limit that covers only part of the 8-byte gate is still too short.
    bench.cpu.idtLimit = 0x50 * 8 + 6;
    ev = runSnippet(bench, [0xcd, 0x50]);
    assert.ok(ev);
    assert.deepEqual([ev.vector, ev.errorCode], [Vector.GP, 0x50 * 8 + 2]);
  });

  test('an external interrupt beyond the IDT limit raises #GP(vector*8+2+EXT) with EIP at the interrupted instruction', () => {
    const pic = new OneInterrupt(0x40);
    const bench = makeBench(8 * 1024 * 1024, pic);
    const { cpu } = bench;
    cpu.idtLimit = 0x20 * 8 - 1;
    loadCode(bench, [0x90, 0xf4]);
    cpu.setEflags(FLAG_IF | 2, 0xffffffff);
    runToHalt(bench, 10);
    const ev = deliveredEvent(bench);
    assert.equal(pic.acknowledged, 1);
    assert.deepEqual([ev.vector, ev.errorCode, hex(ev.eip)], [Vector.GP, 0x40 * 8 + 2 + 1, hex(CODE_BASE)]);
  });

  for (const [name, type, ifAfter] of [['interrupt gate clears IF', GATE_INT32, 0], ['trap gate keeps IF', GATE_TRAP32, FLAG_IF]] as const) {
    test(`INT n through an ${name}; both clear TF; the frame holds the EFLAGS and the EIP after INT`, () => {
      const bench = makeBench();
      const { cpu } = bench;
      writeDescriptor(bench.mem, IDT_BASE + 0x30 * 8, gateDescriptor(SEL_CODE0, handlerAddress(0x30), type, 0));
      loadCode(bench, [0xcd, 0x30, 0xf4]);
      cpu.setEflags(FLAG_IF | 2, 0xffffffff);
      runToHalt(bench, 10);
      const ev = deliveredEvent(bench);
      assert.equal(ev.vector, 0x30);
      assert.equal(ev.eip, CODE_BASE + 2);
      assert.equal(ev.eflags & FLAG_IF, FLAG_IF, 'pushed EFLAGS.IF');
      assert.equal(cpu.getEflags() & FLAG_IF, ifAfter, 'IF in the handler');
      assert.equal(cpu.getEflags() & FLAG_TF, 0);
      assert.equal(ev.errorCode, undefined, 'INT n pushes no error code');
    });
  }

  for (const compile of [true, false]) {
    test(`a fault in a hot loop reports the faulting instruction, with earlier instructions committed (${compile ? 'compiled blocks' : 'interpreter only'})`, () => {
      const bench = makeBench();
      const { cpu } = bench;
      // DS ends at DATA_BASE + 0xfff: the 1025th load faults with #GP(0).
      cpu.setSegmentCache(DS, SEL_DATA0, 0, DATA_BASE + 0xfff, cpu.segAttr[DS]!);
      // L: inc eax; mov ebx, [esi]; add esi, 4; dec ecx; jnz L; hlt
      loadCode(bench, [0x40, 0x8b, 0x1e, 0x83, 0xc6, 0x04, 0x49, 0x75, 0xf7, 0xf4]);
      cpu.compileBlocks = compile;
      cpu.r32[EAX] = 0; cpu.r32[ESI] = DATA_BASE; cpu.r32[ECX] = 5000;
      const retiredBefore = cpu.retired;
      runToHalt(bench, 100_000);
      const ev = deliveredEvent(bench);
      assert.deepEqual([ev.vector, ev.errorCode, hex(ev.eip)], [Vector.GP, 0, hex(CODE_BASE + 1)]);
      assert.deepEqual([cpu.r32[EAX], hex(cpu.r32[ESI]!), cpu.r32[ECX]], [1025, hex(DATA_BASE + 0x1000), 5000 - 1024]);
      // 1024 iterations of 5 instructions, the INC of the faulting iteration, and the handler's HLT.
      assert.equal(cpu.retired - retiredBefore, 1024 * 5 + 1 + 1);
    });
  }

  test('INT n to a vector that normally has an error code pushes none (SDM §6.13)', () => {
    const bench = makeBench();
    loadCode(bench, [0xcd, Vector.GP, 0xf4]);
    runToHalt(bench, 10);
    const ev = deliveredEvent(bench);
    assert.deepEqual([ev.vector, ev.errorCode, ev.eip], [Vector.GP, undefined, CODE_BASE + 2]);
  });
});

// ---------------------------------------------------------------- from ring 3 through the TSS stack

const TSS_BASE = 0x6000;
const RING0_STACK = 0x7000;
const RING3_STACK = 0x5000;

/** Drops the bench to CPL 3 (DPL-3 flat segments) with a 32-bit TSS whose SS0:ESP0 is SEL_DATA0:RING0_STACK. */
function enterRing3(bench: Bench): void {
  const { cpu, mem } = bench;
  mem.write32(TSS_BASE + 4, RING0_STACK);
  mem.write32(TSS_BASE + 8, SEL_DATA0);
  cpu.trSel = 0x38; cpu.trBase = TSS_BASE; cpu.trLimit = 0x67; cpu.trAttr = 0x8b;
  const dpl3 = 3 << ATTR_DPL_SHIFT;
  cpu.setSegmentCache(CS, SEL_CODE3, 0, 0xffffffff, ATTR_P | ATTR_S | TYPE_CODE | TYPE_CODE_READABLE | TYPE_ACCESSED | ATTR_DB | ATTR_G | dpl3);
  for (const seg of [DS, ES, FS, GS, SS]) cpu.setSegmentCache(seg, SEL_DATA3, 0, 0xffffffff, ATTR_P | ATTR_S | TYPE_DATA_WRITABLE | TYPE_ACCESSED | ATTR_DB | ATTR_G | dpl3);
  cpu.setCpl(3);
}

/** Runs `code` at CPL 3 and reads the inner-stack frame [error code], EIP, CS, EFLAGS, ESP, SS. */
function runInRing3(bench: Bench, code: number[]): { vector: number; errorCode: number | undefined; eip: number; cs: number; esp: number; ss: number } {
  const { cpu, mem } = bench;
  loadCode(bench, [...code, 0xf4]);
  enterRing3(bench);
  cpu.r32[ESP] = RING3_STACK;
  runToHalt(bench, 10);
  const depth = RING0_STACK - (cpu.r32[ESP]! >>> 0);
  assert.ok(depth === 20 || depth === 24, `inner stack depth ${depth}`);
  assert.equal(cpu.cpl, 0, 'the handler runs at CPL 0');
  assert.equal(cpu.sreg[SS], SEL_DATA0, 'SS from the TSS');
  const at = (k: number) => mem.read32(RING0_STACK - depth + 4 * k) >>> 0;
  const o = depth === 24 ? 1 : 0;
  return { vector: haltedInVector(bench), errorCode: o ? at(0) : undefined, eip: at(o), cs: at(o + 1), esp: at(o + 3), ss: at(o + 4) };
}

describe('delivery from CPL 3 to a ring-0 handler', () => {
  test('INT n through a gate with DPL 0 raises #GP(n*8+2) on the TSS ring-0 stack, EIP at the INT', () => {
    const bench = makeBench();
    const ev = runInRing3(bench, [0xcd, 0x30]);
    assert.deepEqual(ev, { vector: Vector.GP, errorCode: 0x30 * 8 + 2, eip: CODE_BASE, cs: SEL_CODE3, esp: RING3_STACK, ss: SEL_DATA3 });
  });

  test('INT n through a gate with DPL 3 reaches its handler with the outer SS:ESP saved', () => {
    const bench = makeBench();
    writeDescriptor(bench.mem, IDT_BASE + 0x31 * 8, gateDescriptor(SEL_CODE0, handlerAddress(0x31), GATE_INT32, 3));
    const ev = runInRing3(bench, [0xcd, 0x31]);
    assert.deepEqual(ev, { vector: 0x31, errorCode: undefined, eip: CODE_BASE + 2, cs: SEL_CODE3, esp: RING3_STACK, ss: SEL_DATA3 });
  });

  test('an exception ignores the gate DPL: #UD at CPL 3 through a DPL 0 gate is delivered', () => {
    const bench = makeBench();
    const ev = runInRing3(bench, [0x0f, 0x0b]);
    assert.deepEqual(ev, { vector: Vector.UD, errorCode: undefined, eip: CODE_BASE, cs: SEL_CODE3, esp: RING3_STACK, ss: SEL_DATA3 });
  });

  test('HLT at CPL 3 raises #GP(0)', () => {
    const bench = makeBench();
    const ev = runInRing3(bench, [0xf4]);
    assert.deepEqual([ev.vector, ev.errorCode, ev.eip], [Vector.GP, 0, CODE_BASE]);
  });
});

describe('selector error codes (SDM Vol. 3A §6.13, MOV Sreg)', () => {
  const cases: [string, number, number, number, number][] = [
    // [what, selector, sreg, vector, error code]
    ['beyond the GDT limit (RPL 3)', 0x1003, 3, Vector.GP, 0x1000],
    ['a system descriptor in DS', SEL_SYSTEM, 3, Vector.GP, SEL_SYSTEM],
    ['TI = 1 with no LDT', 0x000c, 3, Vector.GP, 0x000c],
    ['RPL 3 above a DPL 0 data segment', SEL_DATA0 | 3, 0, Vector.GP, SEL_DATA0],
    ['a not-present data segment', SEL_NOT_PRESENT, 4, Vector.NP, SEL_NOT_PRESENT],
    ['a null selector in SS', 0, 2, Vector.GP, 0],
    ['SS with RPL ≠ CPL', SEL_DATA0 | 1, 2, Vector.GP, SEL_DATA0],
    ['a not-present stack segment', SEL_NOT_PRESENT, 2, Vector.SS, SEL_NOT_PRESENT],
  ];
  for (const [what, selector, sreg, vector, code] of cases) {
    test(`${what}: vector ${vector}, error code ${hex(code, 4)}, EIP at the MOV`, () => {
      const bench = makeBench();
      const ev = runSnippet(bench, loadSelectorCode(selector, sreg));
      assert.ok(ev, 'no fault');
      assert.deepEqual([ev.vector, ev.errorCode === undefined ? 'none' : hex(ev.errorCode, 4), hex(ev.eip)], [vector, hex(code, 4), hex(CODE_BASE + 4)]);
    });
  }

  test('a null selector in DS is allowed and makes DS unusable: a later access is #GP(0)', () => {
    const bench = makeBench();
    const ev = runSnippet(bench, [...loadSelectorCode(0), 0x8b, 0x00]);
    assert.ok(ev);
    assert.deepEqual([ev.vector, ev.errorCode, hex(ev.eip)], [Vector.GP, 0, hex(CODE_BASE + 6)]);
  });
});

// ---------------------------------------------------------------- CPUID, MSRs, TSC, x87

function cpuid(bench: Bench, leaf: number): [number, number, number, number] {
  const { cpu } = bench;
  cpu.r32[EAX] = leaf;
  cpu.r32[ECX] = 0; // subleaf 0 of leaf 7
  loadCode(bench, [0x0f, 0xa2]);
  cpu.stepOne();
  return [cpu.r32[EAX]! >>> 0, cpu.r32[EBX]! >>> 0, cpu.r32[ECX]! >>> 0, cpu.r32[EDX]! >>> 0];
}

function ascii(...dwords: number[]): string {
  return dwords.map((d) => String.fromCharCode(d & 0xff, (d >>> 8) & 0xff, (d >>> 16) & 0xff, d >>> 24)).join('');
}

const EDX_FPU = 1 << 0, EDX_VME = 1 << 1, EDX_DE = 1 << 2, EDX_PSE = 1 << 3, EDX_TSC = 1 << 4, EDX_MSR = 1 << 5, EDX_PAE = 1 << 6;
const EDX_CX8 = 1 << 8, EDX_APIC = 1 << 9, EDX_SEP = 1 << 11, EDX_PGE = 1 << 13, EDX_CMOV = 1 << 15, EDX_PAT = 1 << 16, EDX_MMX = 1 << 23;
const EDX_FXSR = 1 << 24, EDX_SSE = 1 << 25, EDX_SSE2 = 1 << 26;

describe('CPUID', () => {
  test('leaf 0: the highest basic leaf and the vendor string in EBX, EDX, ECX', () => {
    const bench = makeBench();
    const [max, b, c, d] = cpuid(bench, 0);
    assert.ok(max >= 1, `max basic leaf ${max}`);
    const vendor = ascii(b, d, c);
    assert.equal(vendor, CPUID_VENDOR);
    assert.match(vendor, /^[\x20-\x7e]{12}$/);
  });

  test('leaf 1 EDX claims exactly DE, PSE, TSC, MSR, PAE, CX8, PGE, CMOV, PAT', () => {
    const bench = makeBench();
    const edx = cpuid(bench, 1)[3];
    assert.equal(hex(edx), hex(EDX_DE | EDX_PSE | EDX_TSC | EDX_MSR | EDX_PAE | EDX_CX8 | EDX_PGE | EDX_CMOV | EDX_PAT));
    for (const [name, bit] of [['FPU', EDX_FPU], ['VME', EDX_VME], ['APIC', EDX_APIC], ['SEP', EDX_SEP], ['MMX', EDX_MMX], ['FXSR', EDX_FXSR], ['SSE', EDX_SSE], ['SSE2', EDX_SSE2]] as const) {
      assert.equal(edx & bit, 0, `${name} must not be claimed`);
    }
  });

  test('leaves above the maximum return the highest basic leaf (as Intel processors do)', () => {
    const bench = makeBench();
    const [max] = cpuid(bench, 0);
    assert.deepEqual(cpuid(bench, max + 5), cpuid(bench, max));
  });

  test('leaf 7: SMEP (EBX bit 7) and SMAP (bit 20), nothing else', () => {
    const bench = makeBench();
    assert.deepEqual(cpuid(bench, 7).map(hex), [0, (1 << 7) | (1 << 20), 0, 0].map(hex));
  });

  test('extended leaves: 80000000h gives the range, 80000001h claims NX only (no LM/SYSCALL), 80000002h-4 the brand string, 80000008h 32-bit addresses', () => {
    const bench = makeBench();
    const [maxExt] = cpuid(bench, 0x80000000);
    assert.equal(hex(maxExt), hex(0x80000008));
    assert.equal(hex(cpuid(bench, 0x80000001)[3]), hex(1 << 20));
    assert.equal(hex(cpuid(bench, 0x80000008)[0]), hex(0x2020));
    const brand = [0x80000002, 0x80000003, 0x80000004].map((leaf) => ascii(...cpuid(bench, leaf))).join('').replace(/\0+$/, '');
    assert.equal(brand, CPUID_BRAND);
  });

  test('a leaf above the maximum extended leaf returns the highest basic leaf (SDM CPUID, "If a value entered … is higher")', () => {
    const bench = makeBench();
    const [max] = cpuid(bench, 0);
    const [maxExt] = cpuid(bench, 0x80000000);
    assert.deepEqual(cpuid(bench, maxExt + 4), cpuid(bench, max));
  });

  test('what CPUID claims is what CR4 accepts: DE PSE PAE PGE SMEP SMAP load, VME (bit 0) and OSFXSR (bit 9) are #GP(0)', () => {
    const bench = makeBench();
    const { cpu } = bench;
    for (const bits of [CR4_PSE, CR4_PGE, CR4_PSE | CR4_PGE, CR4_PAE, 1 << 3, 1 << 20, 1 << 21]) {
      cpu.r32[EAX] = bits;
      loadCode(bench, [0x0f, 0x22, 0xe0]); // mov cr4, eax
      cpu.stepOne();
      assert.equal(cpu.cr4, bits);
    }
    cpu.r32[EAX] = 1;
    loadCode(bench, [0x0f, 0x22, 0xe0]);
    assert.deepEqual(catchFault(() => cpu.stepOne()), { vector: Vector.GP, errorCode: 0, hasErrorCode: true });
    cpu.r32[EAX] = 1 << 9;
    loadCode(bench, [0x0f, 0x22, 0xe0]);
    assert.deepEqual(catchFault(() => cpu.stepOne()), { vector: Vector.GP, errorCode: 0, hasErrorCode: true });
  });
});

describe('RDTSC, RDMSR, WRMSR', () => {
  test('RDTSC increases from one execution to the next (two RDTSCs in one straight-line run of code)', () => {
    const bench = makeBench();
    const { cpu } = bench;
    // rdtsc; mov ebx, eax; mov esi, edx; nop; nop; rdtsc; hlt
    loadCode(bench, [0x0f, 0x31, 0x89, 0xc3, 0x89, 0xd6, 0x90, 0x90, 0x0f, 0x31, 0xf4]);
    runToHalt(bench, 100);
    const first = BigInt(cpu.r32[ESI]! >>> 0) * 2n ** 32n + BigInt(cpu.r32[EBX]! >>> 0);
    const second = BigInt(cpu.r32[EDX]! >>> 0) * 2n ** 32n + BigInt(cpu.r32[EAX]! >>> 0);
    assert.ok(second > first, `second RDTSC ${second} is not above the first ${first}`);
  });

  test('RDTSC increases between single-stepped executions', () => {
    const bench = makeBench();
    const { cpu } = bench;
    loadCode(bench, [0x0f, 0x31]);
    cpu.stepOne();
    const first = cpu.r32[EAX]! >>> 0;
    cpu.eip = CODE_BASE;
    cpu.stepOne();
    assert.ok((cpu.r32[EAX]! >>> 0) > first);
  });

  test('RDMSR of the TSC (MSR 10h) matches RDTSC; WRMSR to it sets the counter', () => {
    const bench = makeBench();
    const { cpu } = bench;
    cpu.r32[ECX] = 0x10; cpu.r32[EAX] = 0x1000; cpu.r32[EDX] = 2;
    loadCode(bench, [0x0f, 0x30]); // wrmsr
    cpu.stepOne();
    loadCode(bench, [0x0f, 0x32]); // rdmsr
    cpu.stepOne();
    assert.equal(cpu.r32[EDX], 2);
    assert.ok((cpu.r32[EAX]! >>> 0) >= 0x1000 && (cpu.r32[EAX]! >>> 0) < 0x1010, hex(cpu.r32[EAX]!));
  });

  for (const [name, code] of [['RDMSR', [0x0f, 0x32]], ['WRMSR', [0x0f, 0x30]]] as const) {
    // 0x1B is IA32_APIC_BASE: there is no local APIC. 0xC0000081 is STAR: no SYSCALL.
    for (const msr of [0x12345, 0xc0000081, 0x1b]) {
      test(`${name} of MSR ${hex(msr)}, which this CPU does not have, raises #GP(0) with EIP at the instruction`, () => {
        const bench = makeBench();
        loadCode(bench, [...code, 0xf4]);
        bench.cpu.r32[ECX] = msr;
        runToHalt(bench, 10);
        const ev = deliveredEvent(bench);
        assert.deepEqual([ev.vector, ev.errorCode, hex(ev.eip)], [Vector.GP, 0, hex(CODE_BASE)]);
      });
    }
  }

  test('RDMSR at CPL 3 raises #GP(0); RDTSC at CPL 3 raises #GP(0) only with CR4.TSD', () => {
    const bench = makeBench();
    const { cpu } = bench;
    cpu.r32[ECX] = 0x10;
    loadCode(bench, [0x0f, 0x32]);
    cpu.setCpl(3);
    assert.deepEqual(catchFault(() => cpu.stepOne()), { vector: Vector.GP, errorCode: 0, hasErrorCode: true });
    loadCode(bench, [0x0f, 0x31]);
    cpu.stepOne();
    cpu.cr4 |= 1 << 2;
    loadCode(bench, [0x0f, 0x31]);
    assert.deepEqual(catchFault(() => cpu.stepOne()), { vector: Vector.GP, errorCode: 0, hasErrorCode: true });
  });
});

describe('x87 escapes without an FPU', () => {
  const FLD = [0xd9, 0x00]; // fld dword [eax]
  const cases: [string, number, number][] = [
    ['CR0.EM = 1: #NM', CR0_EM, Vector.NM],
    ['CR0.EM = 0, TS = 0: #UD', 0, Vector.UD],
    ['CR0.TS = 1: #NM', CR0_TS, Vector.NM],
  ];
  for (const [what, cr0, vector] of cases) {
    test(`D9 /0 with ${what}, EIP at the instruction`, () => {
      const bench = makeBench();
      bench.cpu.cr0 = (bench.cpu.cr0 & ~(CR0_EM | CR0_TS | CR0_MP)) | cr0;
      const ev = runSnippet(bench, FLD);
      assert.ok(ev);
      assert.deepEqual([ev.vector, ev.errorCode, hex(ev.eip)], [vector, undefined, hex(CODE_BASE)]);
    });
  }

  test('every x87 escape D8-DF raises #NM with CR0.EM = 1 and #UD with EM = 0', () => {
    const bench = makeBench();
    const bad: string[] = [];
    for (let op = 0xd8; op <= 0xdf; op++) {
      for (const modrm of [0x00, 0xc0, 0xe9]) {
        for (const [em, want] of [[CR0_EM, Vector.NM], [0, Vector.UD]] as const) {
          bench.cpu.cr0 = (bench.cpu.cr0 & ~(CR0_EM | CR0_TS)) | em;
          const ev = runSnippet(bench, [op, modrm]);
          if (ev?.vector !== want || ev.eip !== CODE_BASE) bad.push(`${hex(op, 2)} ${hex(modrm, 2)} EM=${em ? 1 : 0}: ${ev ? `vector ${ev.vector}` : 'no fault'}`);
        }
      }
    }
    assert.deepEqual(bad, []);
  });

  test('WAIT raises #NM only when CR0.MP and CR0.TS are both set', () => {
    const bench = makeBench();
    for (const [bits, faults] of [[CR0_MP | CR0_TS, true], [CR0_TS, false], [CR0_MP, false], [0, false]] as const) {
      bench.cpu.cr0 = (bench.cpu.cr0 & ~(CR0_MP | CR0_TS | CR0_EM)) | bits;
      const ev = runSnippet(bench, [0x9b]);
      if (faults) { assert.ok(ev); assert.equal(ev.vector, Vector.NM); assert.equal(ev.eip, CODE_BASE); }
      else assert.equal(ev, undefined, `cr0 bits ${hex(bits)}`);
    }
  });
});

