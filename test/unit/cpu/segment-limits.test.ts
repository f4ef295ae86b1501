// Base-0 segments whose limit is below 4 GiB (LOTRx86's ring-3 segments end at 0xBFFFFFFF) take a fast path
// that checks the limit alone; every access that reaches past the limit must still fault (SDM Vol. 3A §5.3).
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { makeBench, stepAt, loadCode, catchFault } from './harness.js';
import { DS, SS, EAX, ESP } from '../../../src/machine/cpu/registers.js';

/** Present, accessed, writable data, 32-bit, page-granular: the hidden cache of a base-0 segment ending at `limit`. */
const DATA_ATTR = 0xc093;
const LIMIT = 0xbfffffff;

function bench(seg: number) {
  const b = makeBench();
  b.cpu.setSegmentCache(seg, 0x10, 0, LIMIT, DATA_ATTR);
  return b;
}

const CASES: [string, number[], number, boolean][] = [
  ['mov eax, [eax] at limit-3', [0x8b, 0x00], LIMIT - 3, true],
  ['mov eax, [eax] at limit-2 (crosses)', [0x8b, 0x00], LIMIT - 2, false],
  ['mov [eax], eax at limit-3', [0x89, 0x00], LIMIT - 3, true],
  ['mov [eax], eax at limit-1 (crosses)', [0x89, 0x00], LIMIT - 1, false],
  ['mov al, [eax] at the limit', [0x8a, 0x00], LIMIT, true],
  ['mov [eax], al past the limit', [0x88, 0x00], LIMIT + 1, false],
  ['mov ax, [eax] at limit-1', [0x66, 0x8b, 0x00], LIMIT - 1, true],
  ['mov [eax], ax at the limit (crosses)', [0x66, 0x89, 0x00], LIMIT, false],
];

describe('limit checks on base-0 segments below 4 GiB', () => {
  for (const [name, bytes, address, ok] of CASES) {
    test(`${name}: ${ok ? 'allowed' : '#GP(0)'}`, () => {
      const b = bench(DS);
      b.cpu.r32[EAX] = address | 0;
      if (ok) { stepAt(b, bytes); return; }
      const fault = catchFault(() => stepAt(b, bytes));
      assert.deepEqual([fault.vector, fault.errorCode], [13, 0]);
    });
  }

  test('a push below a base-0 stack segment ending at 0xBFFFFFFF works at the top and faults #SS(0) past it', () => {
    const b = bench(SS);
    loadCode(b, [0x50]); // push eax (loadCode resets ESP, so set it after)
    b.cpu.r32[ESP] = (LIMIT + 1) | 0; // push writes 0xBFFFFFFC..0xBFFFFFFF
    b.cpu.stepOne();
    assert.equal(b.cpu.r32[ESP]! >>> 0, LIMIT - 3);
    loadCode(b, [0x50]);
    b.cpu.r32[ESP] = (LIMIT + 3) | 0; // push would write 0xBFFFFFFE..0xC0000001
    const fault = catchFault(() => b.cpu.stepOne());
    assert.deepEqual([fault.vector, fault.errorCode], [12, 0]);
    assert.equal(b.cpu.r32[ESP]! >>> 0, LIMIT + 3, 'ESP unchanged by the faulting push');
  });
});
