// Compiled blocks drop the flag work of a rotate only when no one can observe it: the same code must give the
// same registers and EFLAGS compiled eagerly as interpreted.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { Machine } from '../../../src/machine/index.js';
import { flagsDeadAfter } from '../../../src/machine/cpu/jit/templates.js';
import { Insn } from '../../../src/machine/cpu/decode/insn.js';
import { decodeInstruction } from '../../../src/machine/cpu/decode/decoder.js';

const CODE = 0x100000;

/** Runs `body` in a 3-times loop (so that it is compiled on its first pass with jit 'eager'), then HLT. */
function run(body: number[], jit: 'eager' | 'off'): Record<string, number> {
  const m = new Machine({ memoryMiB: 4, rtcTime: new Date(0), jit });
  // mov ecx, 3; mov eax, 0x81234567; mov ebx, 0x0f0f0f0f; loop: <body>; dec ecx; jnz loop; hlt
  const prologue = [0xb9, 3, 0, 0, 0, 0xb8, 0x67, 0x45, 0x23, 0x81, 0xbb, 0x0f, 0x0f, 0x0f, 0x0f];
  const loop = [...body, 0x49, 0x75, (-(body.length + 3)) & 0xff];
  m.memory.u8.set([...prologue, ...loop, 0xf4], CODE);
  m.cpu.setSegmentCache(1, 0x08, 0, 0xffffffff, 0xc09b);
  m.cpu.cr0 |= 1;
  m.cpu.eip = CODE;
  m.step(1000);
  return m.cpu.snapshot();
}

const BODIES: [string, number[]][] = [
  ['ror eax, 7; xor eax, ebx (flags dead)', [0xc1, 0xc8, 0x07, 0x31, 0xd8]],
  ['rol eax, 1; adc eax, ebx (CF read)', [0xd1, 0xc0, 0x11, 0xd8]],
  ['ror eax, 13; mov edx, eax; setc dl (CF read after a move)', [0xc1, 0xc8, 0x0d, 0x89, 0xc2, 0x0f, 0x92, 0xc2]],
  ['rol eax, 31 at the end of the body (flags live into dec/jnz)', [0xc1, 0xc0, 0x1f]],
];

describe('dead flags in compiled blocks', () => {
  for (const [name, body] of BODIES) {
    test(`${name}: compiled and interpreted agree`, () => {
      assert.deepEqual(run(body, 'eager'), run(body, 'off'));
    });
  }

  test('flagsDeadAfter: dead only when a pure all-flags writer comes before any reader or fault', () => {
    const m = new Machine({ memoryMiB: 4, rtcTime: new Date(0) });
    m.cpu.setSegmentCache(1, 0x08, 0, 0xffffffff, 0xc09b);
    const decode = (bytes: number[]): Insn => {
      m.memory.u8.set([...bytes, 0x90, 0x90, 0x90], 0x1000);
      const insn = new Insn();
      decodeInstruction(m.cpu, 0x1000, 0x1000, true, insn);
      return insn;
    };
    const ror = decode([0xc1, 0xc8, 0x07]);
    assert.equal(flagsDeadAfter([ror, decode([0x31, 0xd8])], 0), true, 'xor eax, ebx overwrites them');
    assert.equal(flagsDeadAfter([ror, decode([0x89, 0xc2]), decode([0x01, 0xd8])], 0), true, 'a move in between is fine');
    assert.equal(flagsDeadAfter([ror, decode([0x11, 0xd8])], 0), false, 'adc reads CF');
    assert.equal(flagsDeadAfter([ror, decode([0x8b, 0x03]), decode([0x31, 0xd8])], 0), false, 'a load may fault and expose EFLAGS');
    assert.equal(flagsDeadAfter([ror], 0), false, 'live at the end of the block');
  });
});
