// The kfs tool end to end: mkfs from a tree, reproducibility, put/get/ls/mkdir/rm/mv round trips,
// large files through the indirect blocks, a full disk, and bad input.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { kfs, tempDir } from './helpers.js';

/** Deterministic pseudo-random bytes (so failures can be reproduced). */
function patternBytes(n: number, seed: number): Uint8Array {
  const out = new Uint8Array(n);
  let x = seed >>> 0 || 1;
  for (let i = 0; i < n; i++) {
    x ^= x << 13; x >>>= 0; x ^= x >>> 17; x ^= x << 5; x >>>= 0;
    out[i] = x & 0xff;
  }
  return out;
}

function ok(result: { status: number | null; stderr: string }): void {
  assert.equal(result.status, 0, result.stderr);
}

test('mkfs --from copies a tree that ls and get give back, and fsck finds clean', () => {
  const dir = tempDir('kfs-tool-');
  try {
    const root = join(dir.path, 'root');
    mkdirSync(join(root, 'bin'), { recursive: true });
    mkdirSync(join(root, 'etc'));
    mkdirSync(join(root, 'tmp'));
    writeFileSync(join(root, 'etc', 'motd'), 'welcome\n');
    const big = patternBytes(300_000, 1);
    writeFileSync(join(root, 'bin', 'big'), big);
    writeFileSync(join(root, 'bin', 'empty'), '');
    const image = join(dir.path, 'a.img');
    ok(kfs('mkfs', image, '--size-kib', '4096', '--from', root));
    assert.equal(readFileSync(image).length, 4096 * 1024);
    ok(kfs('fsck', image));
    assert.equal(kfs('ls', image).stdout, 'd 256 bin\nd 192 etc\nd 128 tmp\n');
    assert.equal(kfs('ls', image, '/bin').stdout, '- 300000 big\n- 0 empty\n');
    assert.equal(kfs('ls', image, '/etc/motd').stdout, '- 8 /etc/motd\n');
    assert.equal(kfs('get', image, '/etc/motd').stdout, 'welcome\n');
    const out = join(dir.path, 'big.out');
    ok(kfs('get', image, '/bin/big', out));
    assert.deepEqual(new Uint8Array(readFileSync(out)), big);
    // Reproducible: the same tree gives the same bytes.
    const again = join(dir.path, 'b.img');
    ok(kfs('mkfs', again, '--size-kib', '4096', '--from', root));
    assert.deepEqual(readFileSync(again), readFileSync(image));
  } finally {
    dir.cleanup();
  }
});

test('put, mkdir, mv and rm change the image and keep it clean', () => {
  const dir = tempDir('kfs-tool-');
  try {
    const image = join(dir.path, 'a.img');
    ok(kfs('mkfs', image, '--size-kib', '512'));
    const host = join(dir.path, 'f');
    writeFileSync(host, 'first version');
    ok(kfs('mkdir', image, '/d'));
    ok(kfs('mkdir', image, '/d/e'));
    ok(kfs('put', image, host, '/d/e/f'));
    writeFileSync(host, 'v2');
    ok(kfs('put', image, host, '/d/e/f')); // replaces, shorter
    assert.equal(kfs('get', image, '/d/e/f').stdout, 'v2');
    ok(kfs('mv', image, '/d/e', '/e'));
    assert.equal(kfs('get', image, '/e/f').stdout, 'v2');
    assert.equal(kfs('ls', image, '/d').stdout, '');
    ok(kfs('fsck', image));
    assert.equal(kfs('rm', image, '/e').status, 2); // not empty
    ok(kfs('rm', image, '/e/f'));
    ok(kfs('rm', image, '/e'));
    ok(kfs('mv', image, '/d', '/renamed'));
    assert.equal(kfs('ls', image).stdout, 'd 192 renamed\n'); // directories never shrink
    const moveInto = kfs('mv', image, '/renamed', '/renamed/x');
    assert.equal(moveInto.status, 2);
    assert.match(moveInto.stderr, /^kfs: EINVAL: .*\n$/);
    ok(kfs('fsck', image));
  } finally {
    dir.cleanup();
  }
});

test('large files go through the single and double indirect blocks and come back intact', () => {
  const dir = tempDir('kfs-tool-');
  try {
    const image = join(dir.path, 'a.img');
    ok(kfs('mkfs', image, '--size-kib', '16384'));
    for (const [size, seed] of [[12 * 1024, 2], [12 * 1024 + 1, 3], [268 * 1024, 4], [268 * 1024 + 5, 5], [9_000_000, 6]] as const) {
      const data = patternBytes(size, seed);
      const host = join(dir.path, `in-${size}`);
      writeFileSync(host, data);
      ok(kfs('put', image, host, `/f${size}`));
      const out = join(dir.path, `out-${size}`);
      ok(kfs('get', image, `/f${size}`, out));
      assert.deepEqual(new Uint8Array(readFileSync(out)), data, `size ${size}`);
    }
    ok(kfs('fsck', image));
    ok(kfs('rm', image, '/f9000000'));
    ok(kfs('fsck', image));
  } finally {
    dir.cleanup();
  }
});

test('a full disk gives ENOSPC, leaves the image clean, and frees up again', () => {
  const dir = tempDir('kfs-tool-');
  try {
    const image = join(dir.path, 'a.img');
    ok(kfs('mkfs', image, '--size-kib', '256'));
    const host = join(dir.path, 'big');
    writeFileSync(host, patternBytes(300_000, 7));
    const full = kfs('put', image, host, '/big');
    assert.equal(full.status, 2);
    assert.match(full.stderr, /^kfs: ENOSPC: /);
    ok(kfs('fsck', image));
    writeFileSync(host, patternBytes(200_000, 8));
    ok(kfs('put', image, host, '/big'));
    ok(kfs('fsck', image));
    // The inode table fills too: 64 inodes in a 256 KiB image, minus inode 0, the root and /big.
    // Empty files need no data block, so only the inodes run out.
    const empty = join(dir.path, 'empty');
    writeFileSync(empty, '');
    for (let i = 0; i < 61; i++) ok(kfs('put', image, empty, `/e${i}`));
    const noInode = kfs('put', image, empty, '/one-more');
    assert.equal(noInode.status, 2);
    assert.match(noInode.stderr, /^kfs: ENOSPC: no free inodes\n$/);
    ok(kfs('fsck', image));
  } finally {
    dir.cleanup();
  }
});

test('bad input gives one line on stderr and exit status 2', () => {
  const dir = tempDir('kfs-tool-');
  try {
    const image = join(dir.path, 'a.img');
    ok(kfs('mkfs', image, '--size-kib', '64'));
    writeFileSync(join(dir.path, 'junk'), patternBytes(8192, 9));
    const cases: string[][] = [
      [], ['frobnicate'], ['mkfs', image], ['mkfs', image, '--size-kib', 'ten'], ['mkfs', image, '--size-kib', '3'],
      ['ls', join(dir.path, 'missing.img')], ['ls', join(dir.path, 'junk')], ['ls', image, '/nope'], ['ls', image, 'relative'],
      ['get', image, '/'], ['put', image, join(dir.path, 'missing'), '/x'], ['mkdir', image, '/'], ['mkdir', image, '/a/b'],
      ['rm', image, '/'], ['mv', image, '/x', '/y'], ['mkdir', image, `/${'n'.repeat(60)}`], ['mkdir', image, '/bad\u0001'],
      ['mkfs', join(dir.path, 'x.img'), '--size-kib', '64', '--from', join(dir.path, 'missing-dir')],
    ];
    for (const args of cases) {
      const result = kfs(...args);
      assert.equal(result.status, 2, `kfs ${args.join(' ')}: ${result.stderr}`);
      assert.match(result.stderr, /^kfs: [^\n]+\n$/, `kfs ${args.join(' ')}`);
      assert.doesNotMatch(result.stderr, /internal error/);
    }
  } finally {
    dir.cleanup();
  }
});
