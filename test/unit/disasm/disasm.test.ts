// The disassembler reads the same opcode table as the decoder; objdump (binutils, Intel syntax) is the reference.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Machine } from '../../../src/machine/index.js';
import { Insn } from '../../../src/machine/cpu/decode/insn.js';
import { decodeInstruction } from '../../../src/machine/cpu/decode/decoder.js';
import { disassemble } from '../../../src/machine/cpu/decode/disasm.js';

const SAMPLES: number[][] = [
  [0x01, 0xd8], [0x03, 0x43, 0x04], [0x8b, 0x84, 0xb3, 0x10, 0x00, 0x00, 0x00], [0x88, 0xe0], [0x66, 0x01, 0xd8],
  [0x83, 0xc4, 0xf0], [0x81, 0xe9, 0x78, 0x56, 0x34, 0x12], [0xc1, 0xe0, 0x04], [0xd3, 0xf8], [0xd1, 0xc9],
  [0x0f, 0xb6, 0x08], [0x0f, 0xbf, 0xc3], [0x8d, 0x74, 0x26, 0x00], [0x0f, 0xaf, 0xc2], [0x6b, 0xc0, 0x0c],
  [0xf7, 0xe3], [0xf6, 0xf9], [0x0f, 0xa4, 0xd0, 0x05], [0x0f, 0xc8], [0x87, 0xca], [0x0f, 0xc1, 0x0b],
  [0xb8, 0x44, 0x33, 0x22, 0x11], [0xb4, 0x7f], [0xc6, 0x05, 0x00, 0x10, 0x00, 0x00, 0x41], [0x26, 0x8b, 0x07],
  [0x67, 0x8b, 0x00], [0x0f, 0x94, 0xc0], [0x0f, 0x44, 0xc8], [0xa1, 0x00, 0x20, 0x00, 0x00], [0x50], [0x5f],
  [0x0f, 0xa3, 0xc8], [0x0f, 0xba, 0xe8, 0x03], [0x31, 0xc0], [0x85, 0xff], [0xa8, 0x20],
];

function decodeAll(): string[] {
  const m = new Machine({ memoryMiB: 4, rtcTime: new Date(0) });
  m.cpu.setSegmentCache(1, 0x08, 0, 0xffffffff, 0xc09b);
  m.cpu.cr0 |= 1;
  return SAMPLES.map((bytes) => {
    m.memory.u8.set([...bytes, 0x90, 0x90, 0x90, 0x90], 0x1000);
    const insn = new Insn();
    decodeInstruction(m.cpu, 0x1000, 0x1000, true, insn);
    assert.equal(insn.endDelta, bytes.length, `length of ${Buffer.from(bytes).toString('hex')}`);
    return disassemble(insn, 0x1000, insn.endDelta);
  });
}

function normalize(text: string): string {
  return text.toLowerCase().replace(/\s+/g, ' ').replace(/, /g, ',').replace(/ ptr ds:\[/g, ' ptr [').trim();
}

test('every sample decodes to its full length and disassembles as objdump does', (t) => {
  const ours = decodeAll();
  const objdump = spawnSync('objdump', ['--version'], { stdio: 'ignore' }).status === 0;
  if (!objdump) {
    // Without binutils the check is the decoder lengths above, plus a few fixed spellings.
    assert.equal(ours[0], 'add eax, ebx');
    t.diagnostic('objdump not found: only lengths and fixed spellings were checked');
    return;
  }
  const dir = mkdtempSync(join(tmpdir(), 'kernelist-disasm-'));
  for (let k = 0; k < SAMPLES.length; k++) {
    const file = join(dir, `s${k}.bin`);
    writeFileSync(file, Uint8Array.from(SAMPLES[k]!));
    const out = spawnSync('objdump', ['-D', '-b', 'binary', '-mi386', '-M', 'intel', `--adjust-vma=0x1000`, file], { encoding: 'utf8' }).stdout;
    const line = out.split('\n').find((l) => /^\s+1000:/.test(l))!;
    const text = line.split('\t').slice(2).join(' ').replace(/\s+#.*$/, '');
    assert.equal(normalize(ours[k]!), normalize(text), `bytes ${Buffer.from(SAMPLES[k]!).toString('hex')}`);
  }
});
