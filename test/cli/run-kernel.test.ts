// End-to-end runs of kernelist on a small kernel (fixtures/probe.asm, assembled here with nasm and linked with ld):
// exit statuses, serial input and output, the screen, the disk, and the Multiboot information as the guest sees it.

import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { CLI_PATH, runCli, tempDir } from './cli-runner.js';

const SOURCE = fileURLToPath(new URL('../../../test/cli/fixtures/probe.asm', import.meta.url));

function tool(command: string, args: string[]): void {
  const r = spawnSync(command, args, { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`${command} ${args.join(' ')} failed: ${r.error?.message ?? r.stderr}`);
}

describe('kernelist run on a real kernel', () => {
  let dir: { path: string; cleanup: () => void };
  let elf: string;
  let flat: string;
  const at = (name: string): string => join(dir.path, name);

  before(() => {
    dir = tempDir('kernelist-run-');
    elf = at('probe.elf');
    flat = at('probe.bin');
    tool('nasm', ['-f', 'elf32', '-o', at('probe.o'), SOURCE]);
    tool('ld', ['-m', 'elf_i386', '-Ttext=0x100000', '-e', '_start', '-o', elf, at('probe.o')]);
    tool('nasm', ['-f', 'bin', '-D', 'FLAT', '-o', flat, SOURCE]);
    writeFileSync(at('ma.bin'), 'ABCDxyz');
    writeFileSync(at('mb.bin'), 'WXYZ');
  });
  after(() => dir.cleanup());

  test('no mode: prints hello and exits through debug-exit with value 0, which is status 1', () => {
    const r = runCli(['run', '--kernel', elf]);
    assert.equal(r.stderr, '');
    assert.equal(r.stdout, 'hello\n');
    assert.equal(r.status, 1);
  });

  test('debug-exit value 0x21 gives status (0x21 << 1) | 1 = 67, with the anchor harness spelling', () => {
    const r = runCli(['run', elf, '--cmdline', 'mode=x']);
    assert.equal(r.stdout, 'EXIT\n');
    assert.equal(r.status, 67);
  });

  test('the a.out-kludge build runs the same way', () => {
    const r = runCli(['run', flat, '--append', 'mode=x']);
    assert.equal(r.stdout, 'EXIT\n');
    assert.equal(r.status, 67);
  });

  test('cli; hlt ends the run with status 0', () => {
    const r = runCli(['run', elf, '--append', 'mode=h']);
    assert.equal(r.stdout, 'HALT\n');
    assert.equal(r.status, 0);
  });

  test('the Bochs shutdown port ends the run with status 0', () => {
    const r = runCli(['run', elf, '--append', 'mode=s']);
    assert.equal(r.stdout, 'SHUTDOWN\n');
    assert.equal(r.status, 0);
  });

  test('a triple fault gives status 4 and one line saying so', () => {
    const r = runCli(['run', elf, '--append', 'mode=t']);
    assert.equal(r.stdout, 'TRIPLE\n');
    assert.equal(r.status, 4);
    assert.match(r.stderr, /^kernelist: triple fault: [^\n]+\n$/);
  });

  test('--timeout stops a guest that never ends: status 6', () => {
    const r = runCli(['run', elf, '--append', 'mode=l', '--timeout', '0.5']);
    assert.equal(r.stdout, 'LOOP\n');
    assert.equal(r.status, 6);
    assert.match(r.stderr, /^kernelist: timeout: the guest was still running after 0\.5 s\n$/);
  });

  test('--screen prints the VGA text screen after the serial output', () => {
    const r = runCli(['run', elf, '--append', 'mode=v', '--screen']);
    assert.equal(r.status, 0);
    assert.match(r.stdout, /^VGA\nVGA OK/);
  });

  test('piped stdin goes to COM1 byte for byte, Ctrl-A included', () => {
    const r = runCli(['run', elf, '--append', 'mode=e'], { input: 'ab\x01xc q-not-read' });
    assert.equal(r.stdout, 'READY\nab\x01xc \nBYE\n');
    assert.equal(r.status, 1);
  });

  test('an open stdin does not keep the run alive once the guest has exited', async () => {
    const child = spawn(process.execPath, [CLI_PATH, 'run', elf, '--append', 'mode=x'], { stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    child.stdout.on('data', (chunk: Buffer) => { stdout += chunk.toString('latin1'); });
    const status = await new Promise<number | null>((done) => child.on('close', (code) => done(code)));
    child.stdin.destroy();
    assert.equal(stdout, 'EXIT\n');
    assert.equal(status, 67);
  });

  test('--serial file:PATH writes COM1 to the file and nothing to stdout; --serial none drops it', () => {
    const out = at('serial.txt');
    const r = runCli(['run', elf, '--append', 'mode=x', '--serial', `file:${out}`]);
    assert.equal(r.status, 67);
    assert.equal(r.stdout, '');
    assert.equal(readFileSync(out, 'latin1'), 'EXIT\n');
    const none = runCli(['run', elf, '--append', 'mode=x', '--serial', 'none']);
    assert.equal(none.status, 67);
    assert.equal(none.stdout, '');
  });

  test('the guest sees the Multiboot information QEMU would give, with our memory map and name', () => {
    const r = runCli(['run', elf, '--append', 'mode=i', '--mem', '32', '--initrd', `${at('ma.bin')} one two,${at('mb.bin')}`]);
    assert.equal(r.status, 1, r.stderr);
    assert.equal(r.stdout, [
      'magic 2badb002',
      'flags 0000024d',
      'mem_lower 0000027f',
      'mem_upper 00007b80',
      `cmdline ${elf} mode=i`,
      'loader kernelist',
      `module 00104000 00104007 aligned ${at('ma.bin')} one two data ABCD`,
      `module 00105000 00105004 aligned ${at('mb.bin')} data WXYZ`,
      'mmap 00000000 0009fc00 00000001',
      'mmap 0009fc00 00000400 00000002',
      'mmap 000f0000 00010000 00000002',
      'mmap 00100000 01ee0000 00000001',
      'mmap 01fe0000 00020000 00000002',
      '',
    ].join('\n'));
  });

  test('disk writes reach the image file only with --disk-write-back', () => {
    const image = at('disk.img');
    writeFileSync(image, new Uint8Array(64 * 1024));
    const kept = runCli(['run', elf, '--append', 'mode=w', '--disk', image]);
    assert.equal(kept.stdout, 'WRITTEN\n', kept.stderr);
    assert.equal(readFileSync(image).subarray(0, 9).toString('latin1'), '\0'.repeat(9));
    const saved = runCli(['run', elf, '--append', 'mode=w', '--disk', image, '--disk-write-back']);
    assert.equal(saved.status, 1, saved.stderr);
    const bytes = readFileSync(image);
    assert.equal(bytes.subarray(0, 9).toString('latin1'), 'KERNELIST');
    assert.equal(bytes[511], 0x55);
    assert.equal(bytes[512], 0);
    assert.equal(bytes.length, 64 * 1024);
  });
});
