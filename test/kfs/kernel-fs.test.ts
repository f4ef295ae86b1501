// The kernel's filesystem code (kernel/fs/*.c), compiled for the host with test/kfs/host/, against
// the TypeScript tool in both directions: images made by the tool read by the C code, and images
// written by the C code checked by the tool's fsck, ls and get. Also runs the in-kernel KTESTs of
// kernel/core/fs_tests.c on the host. Needs gcc; skipped (with a message) without it.

import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { TYPE_DIR, TYPE_FILE, writeU32, BLOCK_SIZE, INODE_SIZE } from '../../tools/kfs/format.js';
import { KfsImage } from '../../tools/kfs/image.js';
import { formatImage } from '../../tools/kfs/mkfs.js';
import { buildHostProgram, haveGcc, kfs, run, tempDir } from './helpers.js';

const skip = haveGcc() ? false : 'gcc is not installed: the kernel filesystem code cannot be built for the host';
const work = tempDir('kfs-host-');
let kfsh = '';
let ktestHost = '';

before(() => {
  if (skip) return;
  kfsh = buildHostProgram(work.path, 'kfsh');
  ktestHost = buildHostProgram(work.path, 'ktest_host');
});
after(() => work.cleanup());

function patternBytes(n: number, seed: number): Uint8Array {
  const out = new Uint8Array(n);
  let x = seed >>> 0 || 1;
  for (let i = 0; i < n; i++) { x = (Math.imul(x, 1103515245) + 12345) >>> 0; out[i] = x >>> 24; }
  return out;
}

/** Runs the host-built kernel code on image: kfsh IMAGE ...args. */
function c(image: string, ...args: string[]) {
  return run(kfsh, [image, ...args]);
}

function ok(result: { status: number | null; stdout: string; stderr: string }): string {
  assert.equal(result.status, 0, `${result.stdout}${result.stderr}`);
  return result.stdout;
}

test('the kernel code reads images made by the tool', { skip }, () => {
  const root = join(work.path, 'tree');
  mkdirSync(join(root, 'bin'), { recursive: true });
  mkdirSync(join(root, 'etc', 'deep', 'er'), { recursive: true });
  writeFileSync(join(root, 'etc', 'motd'), 'hello from the host\n');
  const big = patternBytes(1_500_000, 1);
  writeFileSync(join(root, 'bin', 'big'), big);
  writeFileSync(join(root, 'etc', 'deep', 'er', 'leaf'), 'leaf');
  const image = join(work.path, 'tool.img');
  ok(kfs('mkfs', image, '--size-kib', '4096', '--from', root));
  assert.equal(ok(c(image, 'ls', '/')), ok(kfs('ls', image, '/')));
  assert.equal(ok(c(image, 'ls', '/etc')), ok(kfs('ls', image, '/etc')));
  assert.equal(ok(c(image, 'cat', '/etc/motd')), 'hello from the host\n');
  assert.equal(ok(c(image, 'cat', '/etc/deep/er/../er/leaf')), 'leaf');
  const out = join(work.path, 'big.out');
  writeFileSync(out, ok(c(image, 'cat', '/bin/big')), 'latin1');
  assert.deepEqual(new Uint8Array(readFileSync(out)), big);
  assert.match(ok(c(image, 'stat', '/etc')), /^ino \d+ type 2 size 256 links 3\n$/);
  assert.equal(ok(c(image, 'scan')), 'scan: 0 errors\n');
});

test('images written by the kernel code pass the tool\'s fsck and read back through it', { skip }, () => {
  const image = join(work.path, 'kernel.img');
  ok(kfs('mkfs', image, '--size-kib', '8192'));
  const host = join(work.path, 'data');
  const data = patternBytes(3_000_000, 2); // into the double-indirect blocks
  writeFileSync(host, data);
  ok(c(image, 'mkdir', '/d'));
  ok(c(image, 'mkdir', '/d/e'));
  ok(c(image, 'put', host, '/d/e/data'));
  ok(c(image, 'mkdir', '/tmp'));
  writeFileSync(host, 'short');
  ok(c(image, 'put', host, '/tmp/x'));
  ok(c(image, 'mv', '/d/e', '/tmp/e'));
  assert.equal(kfs('fsck', image).stdout, '');
  ok(kfs('fsck', image));
  assert.equal(ok(kfs('ls', image, '/tmp')), '- 5 x\nd 192 e\n');
  const out = join(work.path, 'data.out');
  ok(kfs('get', image, '/tmp/e/data', out));
  assert.deepEqual(new Uint8Array(readFileSync(out)), data);
  // Shrinking and removing free exactly what was used.
  ok(c(image, 'put', host, '/tmp/e/data'));
  ok(c(image, 'rm', '/tmp/x'));
  ok(kfs('fsck', image));
  assert.equal(c(image, 'rm', '/tmp').stdout, 'kfsh: error 39\n'); // ENOTEMPTY
  assert.equal(c(image, 'mv', '/tmp', '/tmp/e/inside').stdout, 'kfsh: error 22\n'); // EINVAL
  ok(c(image, 'rm', '/tmp/e/data'));
  ok(c(image, 'rm', '/tmp/e'));
  ok(kfs('fsck', image));
  assert.equal(ok(c(image, 'usage')), `${8192 - 2 - 128 - 3} free of ${8192 - 2 - 128}\n`); // root, /d, /tmp keep a block each
});

test('the kernel code and the tool lay out the same operations byte for byte', { skip }, () => {
  const byKernel = join(work.path, 'same-k.img');
  const byTool = join(work.path, 'same-t.img');
  ok(kfs('mkfs', byKernel, '--size-kib', '1024'));
  ok(kfs('mkfs', byTool, '--size-kib', '1024'));
  const host = join(work.path, 'same-data');
  writeFileSync(host, patternBytes(400_000, 3));
  for (const [cmd, ...args] of [['mkdir', '/a'], ['put', host, '/a/f'], ['mkdir', '/b'], ['mv', '/a/f', '/b/g'], ['rm', '/a'], ['put', host, '/c']]) {
    ok(c(byKernel, cmd!, ...args));
    ok(kfs(cmd!, byTool, ...args));
  }
  assert.deepEqual(new Uint8Array(readFileSync(byKernel)), new Uint8Array(readFileSync(byTool)), 'images differ');
});

test('the kernel code fills a disk to ENOSPC and leaves it clean', { skip }, () => {
  const image = join(work.path, 'full.img');
  ok(kfs('mkfs', image, '--size-kib', '600'));
  assert.match(ok(c(image, 'fill', '/f')), /^filled \d+ bytes, then error 28, size \d+\n$/);
  ok(kfs('fsck', image));
  assert.equal(c(image, 'mkdir', '/d').stdout, 'kfsh: error 28\n');
  ok(c(image, 'rm', '/f'));
  ok(kfs('fsck', image));
});

/** Byte offset of inode ino. */
function inodeAt(image: KfsImage, ino: number): number {
  return image.sb.inodeStart * BLOCK_SIZE + ino * INODE_SIZE;
}

test('the kernel code answers EUCLEAN on corrupt images, with one message line, and never crashes', { skip }, () => {
  const base = formatImage(512);
  base.create('/dir', TYPE_DIR);
  base.write(base.create('/dir/file', TYPE_FILE), 0, patternBytes(20_000, 4));
  const damage: [string, (im: KfsImage) => void, string[]?][] = [
    ['magic', (im) => { im.bytes[0] ^= 1; }],
    ['checksum', (im) => { im.bytes[20] ^= 1; }],
    ['pointer', (im) => { writeU32(im.bytes, inodeAt(im, im.lookup('/dir/file')) + 8, 77_777); }],
    ['indirect pointer', (im) => { writeU32(im.bytes, inodeAt(im, im.lookup('/dir/file')) + 56, 3); }],
    ['type', (im) => { im.bytes[inodeAt(im, im.lookup('/dir'))] = 5; }],
    ['dir size', (im) => { writeU32(im.bytes, inodeAt(im, im.lookup('/dir')) + 4, 100); }],
    ['name', (im) => { im.bytes.fill(0x61, im.inode(1).direct[0]! * BLOCK_SIZE + 2 * 64 + 4, im.inode(1).direct[0]! * BLOCK_SIZE + 3 * 64); }],
    ['entry inode', (im) => { writeU32(im.bytes, im.inode(1).direct[0]! * BLOCK_SIZE + 2 * 64, 1 << 30); }],
    ['dotdot', (im) => { writeU32(im.bytes, im.inode(im.lookup('/dir')).direct[0]! * BLOCK_SIZE + 64, 0); }, ['ls', '/dir/..']],
    ['dotdot cycle', (im) => { writeU32(im.bytes, im.inode(im.lookup('/dir')).direct[0]! * BLOCK_SIZE + 64, im.lookup('/dir/file')); }, ['ls', '/dir/..']],
  ];
  for (const [name, corrupt, command] of damage) {
    const image = KfsImage.open(base.bytes.slice());
    corrupt(image);
    const path = join(work.path, `bad-${name}.img`);
    writeFileSync(path, image.bytes);
    const result = c(path, ...(command ?? ['scan']));
    assert.equal(result.status, 3, `${name}: ${result.stdout}${result.stderr}`);
    assert.match(result.stdout, /error 117/, name);
    const messages = result.stderr.split('\n').filter((l) => l.length > 0);
    assert.ok(messages.length >= 1 && messages.every((l) => /^kfs: corrupt image: /.test(l)), `${name}: ${result.stderr}`);
  }
});

test('the in-kernel filesystem KTESTs pass on the host', { skip }, () => {
  const result = run(ktestHost, []);
  assert.equal(result.status, 0, result.stdout);
  assert.match(result.stdout, /^7 passed, 0 failed$/m);
  assert.doesNotMatch(result.stdout, /KTEST FAIL/);
});
