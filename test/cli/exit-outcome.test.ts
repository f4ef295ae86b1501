// Tests for the mapping from the machine's ExitReason to kernelist's exit status and stderr line.

import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { internalErrorOutcome, outcomeForExit, type RunContext } from '../../src/cli/exit-outcome.js';

const context: RunContext = { timeoutSeconds: 3, guestEip: () => 0x10002a };

describe('outcomeForExit', () => {
  test('debug-exit passes the machine status through, cut to 8 bits like a POSIX exit status', () => {
    assert.deepEqual(outcomeForExit({ kind: 'debug-exit', status: 1, value: 1 >>> 1 }, context), { code: 1 });
    assert.deepEqual(outcomeForExit({ kind: 'debug-exit', status: 0x43, value: 0x43 >>> 1 }, context), { code: 0x43 });
    assert.deepEqual(outcomeForExit({ kind: 'debug-exit', status: ((0x1234 << 1) | 1) >>> 0, value: 0x1234 }, context), { code: 0x69 });
  });

  test('halt, shutdown and reset are a clean 0 with nothing on stderr', () => {
    for (const kind of ['halt', 'shutdown', 'reset'] as const) assert.deepEqual(outcomeForExit({ kind }, context), { code: 0 });
  });

  test('triple fault: 4, with the reason once', () => {
    assert.deepEqual(outcomeForExit({ kind: 'triple-fault', message: 'triple fault: #GP while delivering #DF at 0008:001000d3' }, context),
      { code: 4, message: 'triple fault: #GP while delivering #DF at 0008:001000d3' });
    assert.deepEqual(outcomeForExit({ kind: 'triple-fault', message: '#PF in #DF\nsecond line' }, context), { code: 4, message: 'triple fault: #PF in #DF' });
  });

  test('timeout: 6', () => {
    assert.deepEqual(outcomeForExit({ kind: 'timeout' }, context), { code: 6, message: 'timeout: the guest was still running after 3 s' });
  });

  test('a machine error is an internal error, 8, with the guest location', () => {
    assert.deepEqual(outcomeForExit({ kind: 'error', message: 'internal error: not implemented: x at 001b:0012102b' }, context),
      { code: 8, message: 'internal error: not implemented: x at 001b:0012102b' });
    assert.deepEqual(outcomeForExit({ kind: 'error', message: 'oops' }, context), { code: 8, message: 'internal error: oops (guest EIP 0x0010002a)' });
  });
});

describe('internalErrorOutcome', () => {
  test('uses the first line of a thrown error and adds the EIP', () => {
    assert.deepEqual(internalErrorOutcome(new TypeError('x is undefined\n    at foo (bar.js:1:1)'), context),
      { code: 8, message: 'internal error: x is undefined (guest EIP 0x0010002a)' });
  });

  test('leaves the EIP out when the CPU cannot give it', () => {
    assert.deepEqual(internalErrorOutcome('broken', { guestEip: () => { throw new Error('no cpu'); } }), { code: 8, message: 'internal error: broken' });
  });
});
