// mkfs: a fresh KFS image, optionally filled from a host directory. Reproducible: names are added
// in byte order, depth first, with no timestamps, so the same tree gives the same bytes.

import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import {
  BLOCK_SIZE, INODES_PER_BLOCK, MIN_BLOCKS, ROOT_INODE, TYPE_DIR, TYPE_FILE,
  concatBytes, encodeDirent, encodeInode, encodeSuperblock, layoutSuperblock, nameProblem, type Inode,
} from './format.js';
import { KfsError } from './errors.js';
import { KfsImage } from './image.js';

export const MAX_IMAGE_KIB = 1024 * 1024; // 1 GiB: the tool holds the image in memory

/** The default inode count for an image of sizeKib: one per 4 KiB, in whole inode-table blocks. */
export function defaultInodeCount(sizeKib: number): number {
  return Math.max(INODES_PER_BLOCK, Math.ceil(sizeKib / 4 / INODES_PER_BLOCK) * INODES_PER_BLOCK);
}

/** An empty image of sizeKib KiB with inodeCount inodes: superblock, bitmap, inode table, root. */
export function formatImage(sizeKib: number, inodeCount = defaultInodeCount(sizeKib)): KfsImage {
  if (!Number.isInteger(sizeKib) || sizeKib < MIN_BLOCKS || sizeKib > MAX_IMAGE_KIB) {
    throw new KfsError('EINVAL', `image size must be a whole number of KiB from ${MIN_BLOCKS} to ${MAX_IMAGE_KIB}`);
  }
  if (!Number.isInteger(inodeCount) || inodeCount < INODES_PER_BLOCK) {
    throw new KfsError('EINVAL', `inode count must be at least ${INODES_PER_BLOCK}`);
  }
  inodeCount = Math.ceil(inodeCount / INODES_PER_BLOCK) * INODES_PER_BLOCK;
  const totalBlocks = sizeKib * 1024 / BLOCK_SIZE;
  const sb = layoutSuperblock(totalBlocks, inodeCount);
  if (sb.dataStart + 1 > totalBlocks) throw new KfsError('EINVAL', 'too many inodes for the image size');
  const bytes = new Uint8Array(totalBlocks * BLOCK_SIZE);
  bytes.set(encodeSuperblock(sb), 0);
  const image = KfsImage.open(bytes);
  for (let b = 0; b < sb.dataStart; b++) image.setBlockUsed(b, true);
  const rootBlock = image.allocBlock();
  image.block(rootBlock).set(concatBytes(encodeDirent(ROOT_INODE, '.'), encodeDirent(ROOT_INODE, '..')));
  const root: Inode = { type: TYPE_DIR, links: 2, size: 128, direct: [rootBlock, ...new Array<number>(11).fill(0)], indirect: 0, doubleIndirect: 0 };
  bytes.set(encodeInode(root), sb.inodeStart * BLOCK_SIZE + ROOT_INODE * 64);
  return image;
}

/** Copies the tree under hostDir into directory path of image (sorted, depth first). */
export function addTree(image: KfsImage, hostDir: string, path = '/'): void {
  const names = readdirSync(hostDir).sort((a, b) => (a < b ? -1 : a > b ? 1 : 0)); // ASCII: code-unit order is byte order
  for (const name of names) {
    const problem = nameProblem(name);
    if (problem !== null) throw new KfsError('EINVAL', `${join(hostDir, name)}: ${problem}`);
    const hostPath = join(hostDir, name);
    const target = path === '/' ? `/${name}` : `${path}/${name}`;
    const stat = statSync(hostPath);
    if (stat.isDirectory()) {
      image.create(target, TYPE_DIR);
      addTree(image, hostPath, target);
    } else if (stat.isFile()) {
      const ino = image.create(target, TYPE_FILE);
      image.write(ino, 0, new Uint8Array(readFileSync(hostPath)));
    } else {
      throw new KfsError('EINVAL', `${hostPath}: not a regular file or directory`);
    }
  }
}
