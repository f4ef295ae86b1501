// The CLI's answer to bad input: exactly one `kernelist: …` line on stderr, nothing on stdout, exit status 2, no stack trace.

import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { chmodSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { runCli, tempDir } from './cli-runner.js';
import { buildElf, concat, multibootHeader, pattern, simpleKernel } from '../unit/boot/elf-builder.js';

function expectUsageError(args: string[], stderr: RegExp, cwd?: string): void {
  const r = runCli(args, cwd === undefined ? {} : { cwd });
  assert.equal(r.status, 2, `exit status for ${args.join(' ')}; stderr: ${r.stderr}`);
  assert.equal(r.stdout, '');
  const lines = r.stderr.split('\n');
  assert.equal(lines.length, 2, `one line on stderr, got: ${JSON.stringify(r.stderr)}`);
  assert.equal(lines[1], '');
  assert.match(lines[0]!, /^kernelist: /);
  assert.match(lines[0]!, stderr);
}

describe('kernelist: usage errors', () => {
  test('no command', () => expectUsageError([], /^kernelist: missing command \(try kernelist --help\)$/));
  test('unknown command', () => expectUsageError(['boot'], /^kernelist: unknown command 'boot'/));
  test('unknown option', () => expectUsageError(['run', 'k.elf', '--turbo'], /^kernelist: unknown option '--turbo' \(try kernelist run --help\)$/));
  test('missing option value', () => expectUsageError(['run', 'k.elf', '--append'], /^kernelist: option '--append' needs a value$/));
  test('no kernel', () => expectUsageError(['run'], /^kernelist: no kernel given/));
  test('bad --mem', () => {
    expectUsageError(['run', 'k.elf', '--mem', 'lots'], /^kernelist: --mem: 'lots' is not a RAM size from 2 to 3072 MiB$/);
    expectUsageError(['run', 'k.elf', '--mem', '0'], /^kernelist: --mem: '0' is not a RAM size/);
  });
  test('bad --serial', () => expectUsageError(['run', 'k.elf', '--serial', 'pty'], /^kernelist: --serial: 'pty' is not stdio, file:PATH or none$/));
});

describe('kernelist: help and version', () => {
  test('--help and run --help print usage on stdout and exit 0', () => {
    const main = runCli(['--help']);
    assert.equal(main.status, 0);
    assert.match(main.stdout, /^Usage: kernelist <command>/);
    const run = runCli(['run', '--help']);
    assert.equal(run.status, 0);
    assert.match(run.stdout, /^Usage: kernelist run --kernel FILE/);
    assert.match(run.stdout, /Ctrl-A X quits/);
    assert.equal(run.stderr, '');
  });

  test('--version prints the package version', () => {
    const r = runCli(['--version']);
    assert.equal(r.status, 0);
    assert.match(r.stdout, /^kernelist \d+\.\d+\.\d+\n$/);
  });
});

describe('kernelist run: bad input files', () => {
  let dir: { path: string; cleanup: () => void };
  const file = (name: string): string => join(dir.path, name);

  before(() => {
    dir = tempDir('kernelist-bad-input-');
    writeFileSync(file('good.elf'), simpleKernel());
    writeFileSync(file('empty.elf'), new Uint8Array(0));
    writeFileSync(file('no-header.elf'), buildElf({ entry: 0x100000, segments: [{ paddr: 0x100000, data: pattern(64) }] }));
    const badSum = multibootHeader(3);
    badSum[8]! ^= 0xff;
    writeFileSync(file('bad-checksum.elf'), buildElf({ entry: 0x100000, segments: [{ paddr: 0x100000, data: concat(badSum, pattern(8)) }] }));
    const truncated = simpleKernel();
    new DataView(truncated.buffer).setUint32(28, truncated.length - 8, true); // e_phoff near the end
    writeFileSync(file('truncated.elf'), truncated);
    const x64 = simpleKernel();
    x64[18] = 62;
    writeFileSync(file('x86-64.elf'), x64);
    writeFileSync(file('huge.elf'), buildElf({ entry: 0x100000, segments: [{ paddr: 0x100000, data: multibootHeader(3), memsz: 8 << 20 }] }));
    writeFileSync(file('mod.bin'), pattern(100));
    writeFileSync(file('big.bin'), new Uint8Array(3 << 20));
    writeFileSync(file('plain.txt'), 'not a directory');
    mkdirSync(file('a-directory'));
    writeFileSync(file('locked.elf'), simpleKernel());
    chmodSync(file('locked.elf'), 0o000);
  });
  after(() => dir.cleanup());

  test('missing kernel file', () => expectUsageError(['run', file('nope.elf')], /^kernelist: .*nope\.elf: no such file$/));

  test('the kernel is a directory', () => expectUsageError(['run', '--kernel', file('a-directory')], /a-directory: is a directory, not a file$/));

  test('an unreadable kernel', () => {
    // root reads any file, so there the unreadable path is one through a plain file instead
    const unreadable = process.getuid?.() === 0 ? join(file('plain.txt'), 'k.elf') : file('locked.elf');
    expectUsageError(['run', unreadable], /: (permission denied|a part of the path is not a directory)$/);
  });

  test('an empty file', () => expectUsageError(['run', file('empty.elf')], /empty\.elf: no Multiboot header in the first 8 KiB$/));

  test('no Multiboot header', () => {
    expectUsageError(['run', 'no-header.elf'], /^kernelist: no-header\.elf: no Multiboot header in the first 8 KiB$/, dir.path);
  });

  test('bad Multiboot checksum', () => expectUsageError(['run', file('bad-checksum.elf')], /bad-checksum\.elf: Multiboot header at offset 0x60 has a bad checksum/));

  test('truncated ELF', () => {
    expectUsageError(['run', file('truncated.elf')], /truncated\.elf: truncated ELF: program header table runs past the end of the file \(offset 0x/);
  });

  test('wrong machine', () => expectUsageError(['run', file('x86-64.elf')], /x86-64\.elf: ELF machine 62 \(x86-64\) is not i386/));

  test('a kernel larger than RAM', () => {
    expectUsageError(['run', file('huge.elf'), '--mem', '4'], /huge\.elf: kernel segment 0x100000-0x900000 does not fit in 4 MiB of RAM$/);
  });

  test('a missing module', () => {
    expectUsageError(['run', file('good.elf'), '--initrd', `${file('mod.bin')} arg,${file('gone.bin')} x`], /gone\.bin: no such file$/);
  });

  test('a module too big for RAM is named by its own file', () => {
    expectUsageError(['run', file('good.elf'), '--mem', '3', '--initrd', file('big.bin')], /big\.bin: module 1 \(3145728 bytes\) does not fit in 3 MiB of RAM/);
  });

  test('a missing disk image', () => expectUsageError(['run', file('good.elf'), '--disk', file('disk.img')], /disk\.img: no such file$/));

  test('a serial output file that cannot be created', () => {
    expectUsageError(['run', file('good.elf'), '--serial', `file:${join(file('no-such-dir'), 'out.txt')}`], /out\.txt: no such file$/);
  });
});
