// Compiled Jcc reads the flags of the instruction just before it directly from its operands. For every flag
// setter it fuses with, every condition and a grid of edge operands, compiled code must branch exactly as the
// interpreter does.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { Machine } from '../../../src/machine/index.js';

const CODE = 0x100000;
const EDGES = [0, 1, 2, 0x7fffffff, 0x80000000, 0x80000001, 0xfffffffe, 0xffffffff, 0x12345678];
/** op eax, ebx (or on eax alone) in its 32-bit encoding. */
const SETTERS: [string, number[]][] = [
  ['cmp', [0x39, 0xd8]], ['sub', [0x29, 0xd8]], ['add', [0x01, 0xd8]], ['and', [0x21, 0xd8]],
  ['xor', [0x31, 0xd8]], ['test', [0x85, 0xd8]], ['inc', [0x40]], ['dec', [0x48]], ['cmp imm', [0x83, 0xf8, 0x01]],
];

const machines = { eager: newMachine('eager'), off: newMachine('off') };

function newMachine(jit: 'eager' | 'off'): Machine {
  const m = new Machine({ memoryMiB: 4, rtcTime: new Date(0), jit });
  m.cpu.setSegmentCache(1, 0x08, 0, 0xffffffff, 0xc09b);
  m.cpu.cr0 |= 1;
  return m;
}

function branchTaken(setter: number[], cc: number, a: number, b: number, jit: 'eager' | 'off'): number {
  const m = machines[jit];
  const code = [
    0xb8, ...le(a), 0xbb, ...le(b), 0x31, 0xd2, // mov eax, a; mov ebx, b; xor edx, edx
    ...setter, 0x70 + cc, 0x01,                  // op; jcc over the next byte
    0x42,                                         // inc edx (not taken path)
    0xf4,
  ];
  m.memory.u8.set(code, CODE);
  m.cpu.invalidateAllCode();
  m.cpu.eip = CODE;
  m.cpu.halted = false;
  m.cpu.eventCheck = true;
  m.cpu.run(100);
  return m.cpu.r32[2]!;
}

function le(v: number): number[] {
  return [v & 0xff, (v >>> 8) & 0xff, (v >>> 16) & 0xff, v >>> 24];
}

describe('fused Jcc in compiled blocks', () => {
  for (const [name, setter] of SETTERS) {
    test(`${name} then each of the 16 conditions over edge operands`, () => {
      const wrong: string[] = [];
      for (let cc = 0; cc < 16; cc++) {
        for (const a of EDGES) for (const b of EDGES) {
          const compiled = branchTaken(setter, cc, a, b, 'eager');
          const interpreted = branchTaken(setter, cc, a, b, 'off');
          if (compiled !== interpreted) wrong.push(`cc=${cc} a=${a.toString(16)} b=${b.toString(16)}`);
        }
      }
      assert.deepEqual(wrong, []);
    });
  }
});
