// The Nested Kernel's de-privileging scanner (tools/nk-scan): byte-offset matching, the .nk.* allowance, and
// the exit statuses of `node dist/tools/nk-scan/nk-scan.js` and `kernelist nk-scan`, on ELF files built here.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseElf32 } from '../../tools/nk-scan/elf32.js';
import { RULES, ruleAt, scanElf } from '../../tools/nk-scan/scan.js';

const root = fileURLToPath(new URL('../../../', import.meta.url));
const scanner = join(root, 'dist/tools/nk-scan/nk-scan.js');
const cli = join(root, 'dist/kernelist.mjs');

interface Section { name: string; addr: number; bytes: number[]; exec: boolean }
interface Sym { name: string; value: number; size: number }

/** A minimal ELF32 i386 relocatable-looking file: the given sections, .symtab, .strtab, .shstrtab. */
function buildElf(sections: Section[], symbols: Sym[]): Uint8Array {
  const shstr: number[] = [0];
  const nameOf = (n: string): number => { const o = shstr.length; shstr.push(...Buffer.from(n), 0); return o; };
  const str: number[] = [0];
  const symtab: number[] = new Array(16).fill(0); // the null symbol
  for (const s of symbols) {
    const o = str.length;
    str.push(...Buffer.from(s.name), 0);
    const e = Buffer.alloc(16);
    e.writeUInt32LE(o, 0); e.writeUInt32LE(s.value, 4); e.writeUInt32LE(s.size, 8); e[12] = 0x12; e.writeUInt16LE(1, 14);
    symtab.push(...e);
  }
  const all = [
    ...sections.map((s) => ({ name: nameOf(s.name), type: 1, flags: s.exec ? 6 : 2, addr: s.addr, data: s.bytes, link: 0, entsize: 0 })),
  ];
  const strIndex = all.length + 2;
  all.push({ name: nameOf('.symtab'), type: 2, flags: 0, addr: 0, data: symtab, link: strIndex, entsize: 16 });
  all.push({ name: nameOf('.strtab'), type: 3, flags: 0, addr: 0, data: str, link: 0, entsize: 0 });
  const shstrName = nameOf('.shstrtab');
  all.push({ name: shstrName, type: 3, flags: 0, addr: 0, data: shstr, link: 0, entsize: 0 });
  let offset = 52;
  const placed = all.map((s) => { const o = offset; offset += s.data.length; return { ...s, offset: o }; });
  const shoff = (offset + 3) & ~3;
  const file = Buffer.alloc(shoff + 40 * (placed.length + 1));
  file.set([0x7f, 0x45, 0x4c, 0x46, 1, 1, 1], 0);
  file.writeUInt16LE(2, 16); file.writeUInt16LE(3, 18); file.writeUInt32LE(1, 20);
  file.writeUInt32LE(shoff, 32); file.writeUInt16LE(52, 40); file.writeUInt16LE(40, 46);
  file.writeUInt16LE(placed.length + 1, 48); file.writeUInt16LE(placed.length, 50);
  placed.forEach((s, i) => {
    file.set(s.data, s.offset);
    const h = shoff + 40 * (i + 1);
    file.writeUInt32LE(s.name, h); file.writeUInt32LE(s.type, h + 4); file.writeUInt32LE(s.flags, h + 8);
    file.writeUInt32LE(s.addr, h + 12); file.writeUInt32LE(s.offset, h + 16); file.writeUInt32LE(s.data.length, h + 20);
    file.writeUInt32LE(s.link, h + 24); file.writeUInt32LE(s.entsize, h + 36);
  });
  return new Uint8Array(file);
}

// mov eax, 0x90C0220F: its immediate hides 0F 22 C0 = MOV CR0, EAX at offset 1 (a jump to +1 runs it).
const HIDDEN_MOV_CR0 = [0x55, 0xb8, 0x0f, 0x22, 0xc0, 0x90, 0x5d, 0xc3];
const NK_MOV_CR0 = [0x0f, 0x22, 0xc0, 0xc3]; // aligned, but inside .nk.text: allowed

function tempFile(name: string, bytes: Uint8Array): string {
  const path = join(mkdtempSync(join(tmpdir(), 'nk-scan-')), name);
  writeFileSync(path, bytes);
  return path;
}

const dirty = buildElf(
  [{ name: '.text', addr: 0xc0101000, bytes: HIDDEN_MOV_CR0, exec: true },
   { name: '.nk.text', addr: 0xc0102000, bytes: NK_MOV_CR0, exec: true },
   { name: '.rodata', addr: 0xc0103000, bytes: [0x0f, 0x30], exec: false }],
  [{ name: 'innocent_function', value: 0xc0101000, size: HIDDEN_MOV_CR0.length }, { name: 'nk_gate', value: 0xc0102000, size: 4 }]);
const clean = buildElf(
  [{ name: '.text', addr: 0xc0101000, bytes: [0x55, 0x89, 0xe5, 0x0f, 0x20, 0xc0, 0x5d, 0xc3], exec: true }, // mov eax, cr0 (a read)
   { name: '.nk.text', addr: 0xc0102000, bytes: NK_MOV_CR0, exec: true }],
  [{ name: 'reads_cr0', value: 0xc0101000, size: 8 }]);

test('the misaligned MOV CR0 hidden in an immediate is found, with its address and symbol', () => {
  const report = scanElf(parseElf32(dirty));
  assert.equal(report.violations.length, 1);
  const v = report.violations[0]!;
  assert.equal(v.address, 0xc0101002);
  assert.equal(v.symbol, 'innocent_function+0x2');
  assert.equal(v.rule.name, 'MOV CR0, r32');
  assert.match(v.bytes, /^0f 22 c0/);
  assert.equal(report.findings.filter((f) => f.allowed).length, 1, 'the .nk.text match is allowed');
  assert.deepEqual(report.outerSections, ['.text'], 'non-executable sections are not code');
});

test('every rule matches its encoding, and reads and neighbours do not', () => {
  const hits: [number[], string][] = [
    [[0x0f, 0x22, 0xd8], 'MOV CR3, r32'], [[0x0f, 0x22, 0xe0], 'MOV CR4, r32'], [[0x0f, 0x30], 'WRMSR'],
    [[0x0f, 0x01, 0x10], 'LGDT m'], [[0x0f, 0x01, 0x18], 'LIDT m'], [[0x0f, 0x01, 0xf0], 'LMSW r/m16'],
    [[0x0f, 0x00, 0xd0], 'LLDT r/m16'], [[0x0f, 0x00, 0x18], 'LTR r/m16'], [[0x0f, 0x06], 'CLTS'],
  ];
  for (const [bytes, name] of hits) assert.equal(ruleAt(new Uint8Array(bytes), 0)?.name, name, name);
  const misses = [[0x0f, 0x20, 0xc0], [0x0f, 0x22, 0xd0], [0x0f, 0x32], [0x0f, 0x01, 0xd0], [0x0f, 0x01, 0xca], [0x0f, 0x00, 0xc8], [0x0f, 0x22]];
  for (const bytes of misses) assert.equal(ruleAt(new Uint8Array(bytes), 0), undefined, bytes.join(' '));
  assert.equal(RULES.length, 10);
});

test('nk-scan exits 1 with the report, 0 when clean, 2 for a bad file', () => {
  const bad = spawnSync(process.execPath, [scanner, tempFile('dirty.elf', dirty)], { encoding: 'utf8' });
  assert.equal(bad.status, 1);
  assert.match(bad.stderr, /0xc0101002 innocent_function\+0x2 \(\.text\): 0f 22 c0 90 5d c3: MOV CR0, r32 \[0F 22 \/0\] outside the nested kernel/);
  const good = spawnSync(process.execPath, [scanner, tempFile('clean.elf', clean)], { encoding: 'utf8' });
  assert.equal(good.status, 0, good.stderr);
  assert.match(good.stdout, /clean: 8 bytes of outer-kernel code/);
  const junk = spawnSync(process.execPath, [scanner, tempFile('junk.elf', new Uint8Array([1, 2, 3]))], { encoding: 'utf8' });
  assert.equal(junk.status, 2);
  assert.equal(junk.stderr.trim().split('\n').length, 1);
  assert.match(junk.stderr, /not an ELF file/);
});

test('kernelist nk-scan is the same check', () => {
  const bad = spawnSync(process.execPath, [cli, 'nk-scan', tempFile('dirty.elf', dirty)], { encoding: 'utf8' });
  assert.equal(bad.status, 1);
  assert.match(bad.stderr, /innocent_function\+0x2/);
  assert.equal(spawnSync(process.execPath, [cli, 'nk-scan', tempFile('clean.elf', clean)]).status, 0);
  const missing = spawnSync(process.execPath, [cli, 'nk-scan', '/nonexistent/kernel.elf'], { encoding: 'utf8' });
  assert.equal(missing.status, 2);
  assert.match(missing.stderr, /cannot read/);
});

test('the built NK=1 kernel is clean (make fails otherwise)', { skip: !existsSync(join(root, 'kernel/build/kernelist.elf')) && 'kernel not built' }, () => {
  const out = execFileSync(process.execPath, [scanner, join(root, 'kernel/build/kernelist.elf')], { encoding: 'utf8' });
  assert.match(out, /clean: \d+ bytes of outer-kernel code \(\.text\)/);
  assert.match(out, /\.nk\.text/);
});
