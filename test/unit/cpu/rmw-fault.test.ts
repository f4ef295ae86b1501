// A read-modify-write instruction whose store faults must leave no trace: not in memory, registers or flags
// (SDM Vol. 3A §6.5: a fault is reported with the state before the instruction).
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { makeBench, stepAt, catchFault, DATA_BASE } from './harness.js';
import { DS, EAX, EBX, ECX } from '../../../src/machine/cpu/registers.js';

/** DS becomes a present, read-only data segment (type 1): reads work, stores raise #GP(0). */
const READ_ONLY_DATA_ATTR = 0xc091;

const CASES: [string, number[]][] = [
  ['add [eax], ebx', [0x01, 0x18]],
  ['sub byte [eax], 5', [0x80, 0x28, 0x05]],
  ['xor dword [eax], 0x11', [0x83, 0x30, 0x11]],
  ['shl dword [eax], 3', [0xc1, 0x20, 0x03]],
  ['rol word [eax], cl', [0x66, 0xd3, 0x00]],
  ['shld [eax], ebx, 4', [0x0f, 0xa4, 0x18, 0x04]],
  ['bts [eax], ebx', [0x0f, 0xab, 0x18]],
  ['cmpxchg [eax], ebx', [0x0f, 0xb1, 0x18]],
  ['neg dword [eax]', [0xf7, 0x18]],
];

describe('read-modify-write with a faulting store', () => {
  for (const [name, bytes] of CASES) {
    test(`${name}: #GP(0), memory, registers and EFLAGS unchanged`, () => {
      const bench = makeBench();
      const { cpu, mem } = bench;
      mem.write32(DATA_BASE, 0x80000001);
      cpu.r32[EAX] = DATA_BASE;
      cpu.r32[EBX] = 0x7fffffff;
      cpu.r32[ECX] = 5;
      cpu.setEflags(0x8d5, 0xffffffff); // OF SF AF PF CF set, ZF clear
      cpu.setSegmentCache(DS, 0x10, 0, 0xffffffff, READ_ONLY_DATA_ATTR);
      const before = cpu.getEflags();
      const fault = catchFault(() => stepAt(bench, bytes));
      assert.deepEqual([fault.vector, fault.errorCode], [13, 0]);
      assert.equal(cpu.getEflags(), before, 'EFLAGS');
      assert.equal(mem.read32(DATA_BASE) >>> 0, 0x80000001, 'memory');
      assert.deepEqual([cpu.r32[EAX], cpu.r32[EBX], cpu.r32[ECX]], [DATA_BASE, 0x7fffffff, 5]);
    });
  }
});
