// Far CALL/JMP through call gates (SDM Vol. 3A §5.8.3-§5.8.5): from CPL 3 into ring 0 with the TSS stack switch
// and the parameter copy, the RETF back, and the gate and target checks with their error codes.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import {
  makeBench, loadCode, runToHalt, writeDescriptor, gateDescriptor, haltedInVector, GDT_BASE, SEL_CODE0, SEL_CODE3, SEL_DATA0, SEL_DATA3, type Bench,
} from './harness.js';
import { CS, DS, ES, FS, GS, SS, ESP } from '../../../src/machine/cpu/registers.js';
import { ATTR_DB, ATTR_DPL_SHIFT, ATTR_G, ATTR_P, ATTR_S, TYPE_ACCESSED, TYPE_CODE, TYPE_CODE_READABLE, TYPE_DATA_WRITABLE } from '../../../src/machine/cpu/segments.js';

const TSS_BASE = 0x6000, RING0_STACK = 0x7000, RING3_STACK = 0x5000, TARGET = 0x8000;
const GATE_DPL3 = 0x38, GATE_DPL0 = 0x40, GATE_ABSENT = 0x48;
const CALL_GATE_32 = 0xc;

/** Gates at 0x38 (DPL 3, 2 parameters), 0x40 (DPL 0), 0x48 (DPL 3, not present), all to SEL_CODE0:TARGET. */
function benchWithGates(): Bench {
  const bench = makeBench();
  const { cpu, mem } = bench;
  const gate = (dpl: number, present: boolean, params: number): [number, number] => {
    const [low, high] = gateDescriptor(SEL_CODE0, TARGET, CALL_GATE_32, dpl, present);
    return [low, high | params];
  };
  writeDescriptor(mem, GDT_BASE + GATE_DPL3, gate(3, true, 2));
  writeDescriptor(mem, GDT_BASE + GATE_DPL0, gate(0, true, 0));
  writeDescriptor(mem, GDT_BASE + GATE_ABSENT, gate(3, false, 0));
  cpu.gdtLimit = 0x50 - 1;
  mem.write32(TSS_BASE + 4, RING0_STACK);
  mem.write32(TSS_BASE + 8, SEL_DATA0);
  cpu.trSel = 0x38; cpu.trBase = TSS_BASE; cpu.trLimit = 0x67; cpu.trAttr = 0x8b;
  mem.write8(TARGET, 0xf4);
  return bench;
}

function enterRing3(bench: Bench, code: number[]): void {
  const { cpu } = bench;
  loadCode(bench, [...code, 0xf4]);
  const dpl3 = 3 << ATTR_DPL_SHIFT;
  cpu.setSegmentCache(CS, SEL_CODE3, 0, 0xffffffff, ATTR_P | ATTR_S | TYPE_CODE | TYPE_CODE_READABLE | TYPE_ACCESSED | ATTR_DB | ATTR_G | dpl3);
  for (const seg of [DS, ES, FS, GS, SS]) cpu.setSegmentCache(seg, SEL_DATA3, 0, 0xffffffff, ATTR_P | ATTR_S | TYPE_DATA_WRITABLE | TYPE_ACCESSED | ATTR_DB | ATTR_G | dpl3);
  cpu.setCpl(3);
  cpu.r32[ESP] = RING3_STACK;
}

const far = (op: number, selector: number) => [op, 0, 0, 0, 0, selector & 0xff, selector >> 8];
const PUSHES = [0x68, 0x11, 0x11, 0x11, 0x11, 0x68, 0x22, 0x22, 0x22, 0x22]; // push 0x11111111; push 0x22222222

describe('call gates', () => {
  test('CALL from CPL 3 through a DPL-3 gate: ring 0 on the TSS stack, 2 parameters copied, CS:EIP and SS:ESP saved', () => {
    const bench = benchWithGates();
    const { cpu, mem } = bench;
    enterRing3(bench, [...PUSHES, ...far(0x9a, GATE_DPL3 | 3)]);
    runToHalt(bench, 20);
    assert.equal(cpu.eip >>> 0, TARGET + 1, 'stopped at the target HLT');
    assert.equal(cpu.cpl, 0);
    assert.equal(cpu.sreg[CS], SEL_CODE0, 'CS with RPL = new CPL');
    assert.equal(cpu.sreg[SS], SEL_DATA0, 'SS0 from the TSS');
    assert.equal(cpu.r32[ESP]! >>> 0, RING0_STACK - 24);
    const at = (k: number) => mem.read32(RING0_STACK - 24 + 4 * k) >>> 0;
    assert.deepEqual([at(0), at(1), at(2), at(3), at(4), at(5)],
      [0x10000 + 17, SEL_CODE3, 0x22222222, 0x11111111, RING3_STACK - 8, SEL_DATA3]);
  });

  test('RETF 8 from ring 0 returns to ring 3, releasing the parameters on both stacks', () => {
    const bench = benchWithGates();
    const { mem } = bench;
    mem.writeBytes(TARGET, Uint8Array.from([0xca, 0x08, 0x00])); // retf 8
    enterRing3(bench, [...PUSHES, ...far(0x9a, GATE_DPL3 | 3)]);
    runToHalt(bench, 20);
    // Back at CPL 3, the HLT after the call is privileged: its #GP(0) frame on the ring-0 stack shows the
    // state RETF left: EIP at the HLT, CS and SS of ring 3, ESP with both parameters released.
    assert.equal(haltedInVector(bench), 13);
    const at = (k: number) => mem.read32(RING0_STACK - 24 + 4 * k) >>> 0;
    assert.deepEqual([at(0), at(1), at(2), at(4), at(5)], [0, 0x10000 + 17, SEL_CODE3, RING3_STACK, SEL_DATA3]);
  });

  test('a gate with DPL 0 called from CPL 3 raises #GP(gate selector)', () => {
    const bench = benchWithGates();
    enterRing3(bench, far(0x9a, GATE_DPL0 | 3));
    runToHalt(bench, 10);
    assert.equal(haltedInVector(bench), 13);
    assert.equal(bench.mem.read32(RING0_STACK - 24) >>> 0, GATE_DPL0, 'error code');
  });

  test('a gate that is not present raises #NP(gate selector)', () => {
    const bench = benchWithGates();
    enterRing3(bench, far(0x9a, GATE_ABSENT | 3));
    runToHalt(bench, 10);
    assert.equal(haltedInVector(bench), 11);
    assert.equal(bench.mem.read32(RING0_STACK - 24) >>> 0, GATE_ABSENT);
  });

  test('JMP through a gate to a more privileged non-conforming segment raises #GP(target selector)', () => {
    const bench = benchWithGates();
    enterRing3(bench, far(0xea, GATE_DPL3 | 3));
    runToHalt(bench, 10);
    assert.equal(haltedInVector(bench), 13);
    assert.equal(bench.mem.read32(RING0_STACK - 24) >>> 0, SEL_CODE0);
  });

  test('CALL through a gate at CPL 0 to CPL 0 code pushes only CS:EIP on the current stack', () => {
    const bench = benchWithGates();
    const { cpu } = bench;
    loadCode(bench, [...far(0x9a, GATE_DPL0), 0xf4]);
    const esp = cpu.r32[ESP]! >>> 0;
    runToHalt(bench, 10);
    assert.equal(cpu.eip >>> 0, TARGET + 1);
    assert.equal(cpu.r32[ESP]! >>> 0, esp - 8, 'no parameters, no stack switch');
  });
});
