// fsck: every rule of docs/kfs.md checked over a whole image, one message per problem found.
// Unlike image.ts it never stops at the first problem and never throws on a corrupt image.

import {
  BLOCK_SIZE, DIRECT_BLOCKS, DIRENT_SIZE, INODE_SIZE, MAX_FILE_BLOCKS, POINTERS_PER_BLOCK, ROOT_INODE,
  SUPERBLOCK_BYTES, TYPE_DIR, TYPE_FREE, decodeDirent, decodeInode, decodeSuperblock, latin1Encode, parseNameField,
  readU32, superblockProblem, type Inode, type Superblock,
} from './format.js';
import { inodeProblem } from './image.js';

const MAX_PROBLEMS = 1000; // a wrecked image would otherwise print one line per block

class Checker {
  readonly problems: string[] = [];
  /** Which inode uses each block (for blocks used twice and the bitmap). */
  private readonly owner = new Map<number, number>();
  /** Directory entries naming each inode (for link counts). */
  private readonly references = new Map<number, number>();
  /** Inodes that passed inodeProblem, with the file block -> block map of the good pointers. */
  private readonly good = new Map<number, { inode: Inode; blocks: Map<number, number> }>();

  constructor(private readonly bytes: Uint8Array, private readonly sb: Superblock) {}

  report(message: string): void {
    if (this.problems.length < MAX_PROBLEMS) this.problems.push(message);
  }

  private block(b: number): Uint8Array {
    return this.bytes.subarray(b * BLOCK_SIZE, (b + 1) * BLOCK_SIZE);
  }

  private bit(b: number): boolean {
    return (this.bytes[this.sb.bitmapStart * BLOCK_SIZE + (b >>> 3)]! & (1 << (b & 7))) !== 0;
  }

  private inodeBytes(ino: number): Uint8Array {
    const at = this.sb.inodeStart * BLOCK_SIZE + ino * INODE_SIZE;
    return this.bytes.subarray(at, at + INODE_SIZE);
  }

  run(): void {
    this.checkMetadataBits();
    if (this.inodeBytes(0).some((byte) => byte !== 0)) this.report('inode 0 (reserved) is not zero');
    for (let ino = 1; ino < this.sb.inodeCount; ino++) this.checkInode(ino);
    this.walkTree();
    this.checkBitmap();
  }

  /** Blocks before the data area are marked used; bits past the end are clear. */
  private checkMetadataBits(): void {
    for (let b = 0; b < this.sb.dataStart; b++) if (!this.bit(b)) this.report(`bitmap: metadata block ${b} marked free`);
    for (let b = this.sb.totalBlocks; b < this.sb.bitmapBlocks * BLOCK_SIZE * 8; b++) {
      if (this.bit(b)) { this.report(`bitmap: bit ${b} past the end of the filesystem is set`); break; }
    }
  }

  /** One inode: its type and size, then every block pointer it holds. */
  private checkInode(ino: number): void {
    const raw = this.inodeBytes(ino);
    const inode = decodeInode(raw);
    if (inode.type === TYPE_FREE) {
      if (raw.some((byte) => byte !== 0)) this.report(`inode ${ino}: free but not zero`);
      return;
    }
    const problem = inodeProblem(inode);
    if (problem !== null) { this.report(`inode ${ino}: ${problem}`); return; }
    const nblocks = Math.ceil(inode.size / BLOCK_SIZE);
    const blocks = new Map<number, number>();
    for (let i = 0; i < DIRECT_BLOCKS; i++) this.pointer(ino, inode.direct[i]!, i, nblocks, 0, blocks);
    this.pointer(ino, inode.indirect, DIRECT_BLOCKS, nblocks, 1, blocks);
    this.pointer(ino, inode.doubleIndirect, DIRECT_BLOCKS + POINTERS_PER_BLOCK, nblocks, 2, blocks);
    if (inode.size % BLOCK_SIZE !== 0) {
      const last = blocks.get(nblocks - 1);
      if (last !== undefined && this.block(last).subarray(inode.size % BLOCK_SIZE).some((byte) => byte !== 0)) {
        this.report(`inode ${ino}: bytes past the end of the file are not zero`);
      }
    }
    if (inode.type === TYPE_DIR) {
      for (let i = 0; i < nblocks; i++) if (!blocks.has(i)) this.report(`inode ${ino}: directory has a hole at block ${i}`);
    }
    this.good.set(ino, { inode, blocks });
  }

  /** A pointer of depth (0 data, 1 indirect, 2 double indirect) covering file blocks from first. */
  private pointer(ino: number, b: number, first: number, nblocks: number, depth: number, blocks: Map<number, number>): void {
    if (b === 0) return;
    if (b < this.sb.dataStart || b >= this.sb.totalBlocks) {
      this.report(`inode ${ino}: block pointer ${b} outside the data area`);
      return;
    }
    if (first >= nblocks || first >= MAX_FILE_BLOCKS) this.report(`inode ${ino}: block ${b} mapped past the end of the file`);
    const previous = this.owner.get(b);
    if (previous !== undefined) {
      this.report(`block ${b} used by inode ${previous} and inode ${ino}`);
      return;
    }
    this.owner.set(b, ino);
    if (depth === 0) { blocks.set(first, b); return; }
    const span = depth === 1 ? 1 : POINTERS_PER_BLOCK;
    const data = this.block(b);
    for (let i = 0; i < POINTERS_PER_BLOCK; i++) {
      this.pointer(ino, readU32(data, i * 4), first + i * span, nblocks, depth - 1, blocks);
    }
  }

  /** The contents of a good inode, through its checked block map. */
  private contents(ino: number): Uint8Array {
    const { inode, blocks } = this.good.get(ino)!;
    const out = new Uint8Array(inode.size);
    for (const [fileBlock, b] of blocks) {
      const start = fileBlock * BLOCK_SIZE;
      if (start < inode.size) out.set(this.block(b).subarray(0, Math.min(BLOCK_SIZE, inode.size - start)), start);
    }
    return out;
  }

  /** Walks the tree from the root: entries, "." and "..", cycles, link counts, unreachable inodes. */
  private walkTree(): void {
    const root = this.good.get(ROOT_INODE);
    if (root === undefined || root.inode.type !== TYPE_DIR) { this.report('inode 1 (the root) is not a good directory'); return; }
    const reached = new Set<number>([ROOT_INODE]);
    const queue: { dir: number; parent: number }[] = [{ dir: ROOT_INODE, parent: ROOT_INODE }];
    while (queue.length > 0) {
      const { dir, parent } = queue.shift()!;
      for (const child of this.checkDirectory(dir, parent)) {
        if (reached.has(child)) {
          if (this.good.get(child)?.inode.type === TYPE_DIR) this.report(`directory ${child} is reachable twice (a cycle or a hard link)`);
          continue;
        }
        reached.add(child);
        if (this.good.get(child)?.inode.type === TYPE_DIR) queue.push({ dir: child, parent: dir });
      }
    }
    for (const [ino, { inode }] of this.good) {
      if (!reached.has(ino)) { this.report(`inode ${ino} is in use but unreachable`); continue; }
      const refs = this.references.get(ino) ?? 0;
      if (refs !== inode.links) this.report(`inode ${ino}: link count ${inode.links}, but ${refs} entries name it`);
    }
  }

  /** The entries of one directory, checked; returns the good inodes it names (not "." or ".."). */
  private checkDirectory(dir: number, parent: number): number[] {
    const data = this.contents(dir);
    const children: number[] = [];
    const names = new Set<string>();
    for (let slot = 0; slot * DIRENT_SIZE < data.length; slot++) {
      const d = decodeDirent(data.subarray(slot * DIRENT_SIZE, (slot + 1) * DIRENT_SIZE));
      const where = `directory ${dir} entry ${slot}`;
      if (slot < 2) {
        const expectedName = slot === 0 ? '.' : '..';
        const expectedIno = slot === 0 ? dir : parent;
        if (!isExactName(d.nameField, expectedName)) this.report(`${where}: should be '${expectedName}'`);
        if (d.ino !== expectedIno) this.report(`${where}: '${expectedName}' names inode ${d.ino}, not ${expectedIno}`);
        else this.countReference(d.ino);
        continue;
      }
      if (d.ino === 0) {
        if (d.nameField.some((byte) => byte !== 0)) this.report(`${where}: empty slot is not zero`);
        continue;
      }
      const parsed = parseNameField(d.nameField);
      if ('problem' in parsed) { this.report(`${where}: ${parsed.problem}`); continue; }
      if (parsed.name === '.' || parsed.name === '..') { this.report(`${where}: extra '${parsed.name}'`); continue; }
      if (names.has(parsed.name)) { this.report(`${where}: duplicate name '${parsed.name}'`); continue; }
      names.add(parsed.name);
      if (d.ino >= this.sb.inodeCount) { this.report(`${where}: inode ${d.ino} out of range`); continue; }
      if (!this.good.has(d.ino)) { this.report(`${where}: '${parsed.name}' names inode ${d.ino}, which is free or broken`); continue; }
      this.countReference(d.ino);
      children.push(d.ino);
    }
    return children;
  }

  private countReference(ino: number): void {
    this.references.set(ino, (this.references.get(ino) ?? 0) + 1);
  }

  /** The bitmap against the blocks actually used. */
  private checkBitmap(): void {
    for (let b = this.sb.dataStart; b < this.sb.totalBlocks; b++) {
      const used = this.owner.has(b);
      if (used && !this.bit(b)) this.report(`bitmap: block ${b} is used by inode ${this.owner.get(b)} but marked free`);
      else if (!used && this.bit(b)) this.report(`bitmap: block ${b} is marked in use but nothing uses it`);
    }
  }
}

/** Whether a raw name field holds exactly name, NUL-padded. */
function isExactName(field: Uint8Array, name: string): boolean {
  const expected = new Uint8Array(field.length);
  expected.set(latin1Encode(name));
  return expected.every((byte, i) => field[i] === byte);
}

/** Every problem fsck finds in an image (an empty list for a clean one). */
export function fsck(bytes: Uint8Array): string[] {
  if (bytes.length < BLOCK_SIZE) return [`image too small (${bytes.length} bytes)`];
  const problems: string[] = [];
  if (bytes.length % BLOCK_SIZE !== 0) problems.push(`image size ${bytes.length} is not a whole number of blocks`);
  const sbBytes = bytes.subarray(0, SUPERBLOCK_BYTES);
  const sb = decodeSuperblock(sbBytes);
  const problem = superblockProblem(sb, sbBytes, Math.floor(bytes.length / BLOCK_SIZE));
  if (problem !== null) return [...problems, `superblock: ${problem}`];
  if (bytes.subarray(SUPERBLOCK_BYTES, BLOCK_SIZE).some((byte) => byte !== 0)) problems.push('superblock: the rest of block 0 is not zero');
  const checker = new Checker(bytes, sb);
  checker.run();
  return [...problems, ...checker.problems];
}
