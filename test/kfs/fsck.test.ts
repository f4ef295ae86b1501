// fsck against every kind of corruption we can inject, and the tool's refusal of malformed images
// (a one-line EUCLEAN error, never an exception), including randomly damaged ones.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { BLOCK_SIZE, DIRENT_SIZE, INODE_SIZE, TYPE_DIR, TYPE_FILE, encodeInode, writeU32 } from '../../tools/kfs/format.js';
import { KfsImage } from '../../tools/kfs/image.js';
import { formatImage } from '../../tools/kfs/mkfs.js';
import { fsck } from '../../tools/kfs/fsck.js';
import { kfs, tempDir } from './helpers.js';

/** A small image with a directory tree, a small file and a file using the double-indirect block. */
function sampleImage(): KfsImage {
  const image = formatImage(512);
  image.create('/dir', TYPE_DIR);
  image.create('/dir/sub', TYPE_DIR);
  image.write(image.create('/file', TYPE_FILE), 0, new Uint8Array(3000).fill(0x41));
  image.write(image.create('/dir/big', TYPE_FILE), 0, new Uint8Array(300 * 1024).fill(0x42));
  return image;
}

/** Byte offset of inode ino in the image. */
function inodeAt(image: KfsImage, ino: number): number {
  return image.sb.inodeStart * BLOCK_SIZE + ino * INODE_SIZE;
}

/** Byte offset of slot of directory ino (its first block). */
function slotAt(image: KfsImage, dir: number, slot: number): number {
  return image.inode(dir).direct[0]! * BLOCK_SIZE + slot * DIRENT_SIZE;
}

type Corruption = (image: KfsImage) => void;

const corruptions: [string, Corruption, RegExp][] = [
  ['bad magic', (im) => { im.bytes[0] ^= 0xff; }, /superblock: bad magic/],
  ['superblock checksum', (im) => { im.bytes[12] ^= 1; }, /superblock checksum mismatch/],
  ['block pointer outside the image', (im) => { writeU32(im.bytes, inodeAt(im, im.lookup('/file')) + 8, 999_999); }, /block pointer 999999 outside the data area/],
  ['block pointer into the inode table', (im) => { writeU32(im.bytes, inodeAt(im, im.lookup('/file')) + 8, im.sb.inodeStart); }, /outside the data area/],
  ['block used twice', (im) => {
    const first = im.inode(im.lookup('/dir/big')).direct[0]!;
    writeU32(im.bytes, inodeAt(im, im.lookup('/file')) + 12, first);
  }, /block \d+ used by inode \d+ and inode \d+/],
  ['used block marked free', (im) => { im.setBlockUsed(im.inode(im.lookup('/file')).direct[0]!, false); }, /is used by inode \d+ but marked free/],
  ['free block marked used', (im) => { im.setBlockUsed(im.sb.totalBlocks - 1, true); }, /marked in use but nothing uses it/],
  ['metadata block marked free', (im) => { im.setBlockUsed(1, false); }, /metadata block 1 marked free/],
  ['name without a NUL', (im) => { im.bytes.fill(0x41, slotAt(im, 1, 2) + 4, slotAt(im, 1, 2) + 64); }, /not NUL-terminated/],
  ['name with a slash', (im) => { im.bytes[slotAt(im, 1, 2) + 5] = 0x2f; }, /contains '\/'/],
  ['entry naming a free inode', (im) => { writeU32(im.bytes, slotAt(im, 1, 2), im.sb.inodeCount - 1); }, /free or broken/],
  ['entry naming an inode out of range', (im) => { writeU32(im.bytes, slotAt(im, 1, 2), 70_000); }, /out of range/],
  ['wrong link count', (im) => { im.bytes[inodeAt(im, im.lookup('/file')) + 2] = 5; }, /link count 5, but 1 entries name it/],
  ['unreachable inode', (im) => { im.bytes.set(encodeInode({ type: TYPE_FILE, links: 1, size: 0, direct: [], indirect: 0, doubleIndirect: 0 }), inodeAt(im, im.sb.inodeCount - 1)); }, /in use but unreachable/],
  ['directory cycle', (im) => {
    const sub = im.lookup('/dir/sub');
    im.addEntry(sub, 'loop', im.lookup('/dir'));
  }, /reachable twice/],
  ['bad ".."', (im) => { writeU32(im.bytes, slotAt(im, im.lookup('/dir/sub'), 1), 1); }, /'\.\.' names inode 1, not/],
  ['bad inode type', (im) => { im.bytes[inodeAt(im, im.lookup('/file'))] = 9; }, /bad type 9/],
  ['file too large', (im) => { writeU32(im.bytes, inodeAt(im, im.lookup('/file')) + 4, 0xffffff00); }, /too large/],
  ['directory size not whole entries', (im) => { writeU32(im.bytes, inodeAt(im, im.lookup('/dir')) + 4, 200); }, /not a whole number of entries/],
  ['bytes past the end of a file', (im) => { im.bytes[im.inode(im.lookup('/file')).direct[2]!  * BLOCK_SIZE + 1000] = 1; }, /bytes past the end of the file are not zero/],
  ['block mapped past the end', (im) => { writeU32(im.bytes, inodeAt(im, im.lookup('/file')) + 4, 1000); }, /mapped past the end of the file/],
  ['duplicate name', (im) => { im.bytes.copyWithin(slotAt(im, 1, 3) + 4, slotAt(im, 1, 2) + 4, slotAt(im, 1, 2) + 64); }, /duplicate name/],
  ['directory with a hole', (im) => {
    const dir = im.lookup('/dir');
    const inode = im.inode(dir);
    inode.size = 2 * BLOCK_SIZE;
    im.writeInode(dir, inode);
  }, /directory has a hole at block 1/],
  ['indirect block pointing outside', (im) => {
    const ind = im.inode(im.lookup('/dir/big')).indirect;
    writeU32(im.bytes, ind * BLOCK_SIZE + 8, 123_456);
  }, /block pointer 123456 outside/],
  ['reserved inode 0 in use', (im) => { im.bytes[inodeAt(im, 0)] = 1; }, /inode 0 \(reserved\) is not zero/],
];

test('a clean image passes fsck', () => {
  assert.deepEqual(fsck(sampleImage().bytes), []);
});

for (const [name, corrupt, expected] of corruptions) {
  test(`fsck finds: ${name}`, () => {
    const image = sampleImage();
    corrupt(image);
    const problems = fsck(image.bytes);
    assert.ok(problems.some((p) => expected.test(p)), `expected ${expected} in:\n${problems.join('\n')}`);
  });
}

test('the CLI: fsck exits 1 with one line per problem; other commands refuse a corrupt image with exit 2', () => {
  const dir = tempDir('kfs-fsck-');
  try {
    const image = sampleImage();
    const ino = image.lookup('/file');
    writeU32(image.bytes, inodeAt(image, ino) + 8, 999_999);
    image.bytes[inodeAt(image, image.lookup('/dir'))] = 7;
    const path = join(dir.path, 'bad.img');
    writeFileSync(path, image.bytes);
    const check = kfs('fsck', path);
    assert.equal(check.status, 1);
    const lines = check.stdout.trimEnd().split('\n');
    assert.ok(lines.length >= 2 && lines.every((l) => l.length > 0 && !l.includes('\n')), check.stdout);
    for (const args of [['get', path, '/file'], ['ls', path, '/dir'], ['rm', path, '/file'], ['put', path, path, '/dir/x']]) {
      const result = kfs(...args);
      assert.equal(result.status, 2, `${args.join(' ')}: ${result.stderr}`);
      assert.match(result.stderr, /^kfs: EUCLEAN: corrupt image: [^\n]+\n$/);
    }
  } finally {
    dir.cleanup();
  }
});

/** A tiny deterministic generator for the damage below. */
function xorshift(seed: number): () => number {
  let x = seed >>> 0 || 1;
  return () => { x ^= x << 13; x >>>= 0; x ^= x >>> 17; x ^= x << 5; x >>>= 0; return x; };
}

test('randomly damaged metadata never makes fsck throw, nor the image operations throw anything but KfsError', () => {
  const base = sampleImage();
  const metadataBytes = base.sb.dataStart * BLOCK_SIZE;
  const root = base.inode(1).direct[0]!;
  const next = xorshift(12345);
  for (let round = 0; round < 300; round++) {
    const image = KfsImage.open(base.bytes.slice());
    for (let k = 0; k < 1 + (next() % 4); k++) {
      // Damage the inode table, the bitmap or the root directory, where checks matter most.
      const area = next() % 3;
      const at = area === 0 ? BLOCK_SIZE + (next() % (metadataBytes - BLOCK_SIZE)) : area === 1 ? root * BLOCK_SIZE + (next() % BLOCK_SIZE) : inodeAt(image, 1 + (next() % 8)) + (next() % INODE_SIZE);
      image.bytes[at] ^= 1 << (next() % 8);
    }
    const problems = fsck(image.bytes); // must not throw
    let reopened: KfsImage;
    try {
      reopened = KfsImage.open(image.bytes);
    } catch {
      continue;
    }
    // Every operation either works or fails with a KfsError, never anything else.
    for (const op of [() => reopened.list(reopened.lookup('/')), () => reopened.readAll(reopened.lookup('/dir/big')),
      () => reopened.list(reopened.lookup('/dir/sub/../sub')), () => reopened.rename('/dir', '/dir/sub/x'), () => reopened.unlink('/file'),
      () => reopened.create('/new', TYPE_DIR)]) {
      try {
        op();
      } catch (error) {
        assert.equal((error as Error).name, 'KfsError', `round ${round}: ${(error as Error).stack}`);
      }
    }
    assert.ok(problems.every((p) => typeof p === 'string' && p.length > 0));
  }
});
