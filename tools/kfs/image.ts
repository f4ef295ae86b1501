// A KFS image held in memory (a Uint8Array), read and written with the same rules and the same
// allocation order as the kernel (kernel/fs/), so that both build the same bytes. Every number read
// from the image is checked before use; a bad one throws KfsError('EUCLEAN').

import {
  BLOCK_SIZE, DIRECT_BLOCKS, DIRENT_SIZE, INODE_SIZE, INODES_PER_BLOCK, MAX_FILE_BLOCKS, MAX_FILE_SIZE,
  NAME_MAX, PATH_MAX, POINTERS_PER_BLOCK, ROOT_INODE, SUPERBLOCK_BYTES, TYPE_DIR, TYPE_FILE, TYPE_FREE,
  concatBytes, decodeDirent, decodeInode, decodeSuperblock, encodeDirent, encodeInode, emptyInode, latin1Decode,
  nameProblem, parseNameField, readU32, superblockProblem, writeU32,
  type Inode, type Superblock,
} from './format.js';
import { KfsError, corrupt } from './errors.js';

export interface DirEntry {
  slot: number; // index of the 64-byte slot in the directory
  ino: number;
  name: string;
}

export interface ListedEntry {
  name: string;
  ino: number;
  type: number;
  size: number;
}

export class KfsImage {
  readonly sb: Superblock;

  private constructor(readonly bytes: Uint8Array, sb: Superblock) {
    this.sb = sb;
  }

  /** Opens bytes as a KFS image after checking the superblock; throws EUCLEAN if it is not one. */
  static open(bytes: Uint8Array): KfsImage {
    if (bytes.length < BLOCK_SIZE) corrupt(`image too small (${bytes.length} bytes)`);
    const sbBytes = bytes.subarray(0, SUPERBLOCK_BYTES);
    const sb = decodeSuperblock(sbBytes);
    const problem = superblockProblem(sb, sbBytes, Math.floor(bytes.length / BLOCK_SIZE));
    if (problem !== null) corrupt(problem);
    return new KfsImage(bytes, sb);
  }

  // ---- blocks and the bitmap ----

  /** A view of block b (any block of the image). */
  block(b: number): Uint8Array {
    if (!Number.isInteger(b) || b < 0 || b >= this.sb.totalBlocks) throw new Error(`internal: block ${b} out of range`);
    return this.bytes.subarray(b * BLOCK_SIZE, (b + 1) * BLOCK_SIZE);
  }

  /** Checks a block pointer read from the image: 0 (a hole) or inside the data area. */
  checkPointer(b: number, where: string): number {
    if (b !== 0 && (b < this.sb.dataStart || b >= this.sb.totalBlocks)) corrupt(`${where}: block ${b} outside the data area`);
    return b;
  }

  isBlockUsed(b: number): boolean {
    const byte = this.bytes[this.sb.bitmapStart * BLOCK_SIZE + (b >>> 3)]!;
    return (byte & (1 << (b & 7))) !== 0;
  }

  setBlockUsed(b: number, used: boolean): void {
    const at = this.sb.bitmapStart * BLOCK_SIZE + (b >>> 3);
    const bit = 1 << (b & 7);
    this.bytes[at] = used ? this.bytes[at]! | bit : this.bytes[at]! & ~bit;
  }

  /** Allocates the lowest free data block, zeroed; throws ENOSPC when there is none. */
  allocBlock(): number {
    for (let b = this.sb.dataStart; b < this.sb.totalBlocks; b++) {
      if (!this.isBlockUsed(b)) {
        this.setBlockUsed(b, true);
        this.block(b).fill(0);
        return b;
      }
    }
    throw new KfsError('ENOSPC', 'no free blocks');
  }

  /** Frees data block b; freeing a block the bitmap already calls free means the image is corrupt. */
  freeBlock(b: number): void {
    if (!this.isBlockUsed(b)) corrupt(`block ${b} freed twice (the bitmap says it is free)`);
    this.setBlockUsed(b, false);
  }

  /** Free and total data blocks. */
  usage(): { free: number; total: number } {
    let free = 0;
    for (let b = this.sb.dataStart; b < this.sb.totalBlocks; b++) if (!this.isBlockUsed(b)) free++;
    return { free, total: this.sb.totalBlocks - this.sb.dataStart };
  }

  // ---- inodes ----

  private inodeBytes(ino: number): Uint8Array {
    const at = (this.sb.inodeStart + Math.floor(ino / INODES_PER_BLOCK)) * BLOCK_SIZE + (ino % INODES_PER_BLOCK) * INODE_SIZE;
    return this.bytes.subarray(at, at + INODE_SIZE);
  }

  /** The inode ino without checks beyond its number (fsck looks at free and broken ones too). */
  rawInode(ino: number): Inode {
    if (!Number.isInteger(ino) || ino <= 0 || ino >= this.sb.inodeCount) corrupt(`inode number ${ino} out of range`);
    return decodeInode(this.inodeBytes(ino));
  }

  /** The inode ino, checked to be a file or directory with a sane size. */
  inode(ino: number): Inode {
    const inode = this.rawInode(ino);
    const problem = inodeProblem(inode);
    if (problem !== null) corrupt(`inode ${ino}: ${problem}`);
    return inode;
  }

  writeInode(ino: number, inode: Inode): void {
    this.inodeBytes(ino).set(encodeInode(inode));
  }

  /** Allocates the lowest free inode as a new one of type; throws ENOSPC when the table is full. */
  allocInode(type: number): number {
    for (let ino = ROOT_INODE; ino < this.sb.inodeCount; ino++) {
      if (this.rawInode(ino).type === TYPE_FREE) {
        this.writeInode(ino, emptyInode(type, type === TYPE_DIR ? 2 : 1));
        return ino;
      }
    }
    throw new KfsError('ENOSPC', 'no free inodes');
  }

  freeInode(ino: number): void {
    this.inodeBytes(ino).fill(0);
  }

  // ---- the block map ----

  /** The block holding file block fileBlock of inode (0 for a hole), allocating it and any
   *  indirect blocks on the way when allocate is set (the inode is updated, not written back). */
  bmap(ino: number, inode: Inode, fileBlock: number, allocate: boolean): number {
    if (fileBlock >= MAX_FILE_BLOCKS) throw new KfsError('EFBIG', 'file too large');
    const where = `inode ${ino}`;
    if (fileBlock < DIRECT_BLOCKS) {
      let b = this.checkPointer(inode.direct[fileBlock]!, where);
      if (b === 0 && allocate) inode.direct[fileBlock] = b = this.allocBlock();
      return b;
    }
    let index = fileBlock - DIRECT_BLOCKS;
    if (index < POINTERS_PER_BLOCK) {
      let ind = this.checkPointer(inode.indirect, where);
      if (ind === 0) {
        if (!allocate) return 0;
        inode.indirect = ind = this.allocBlock();
      }
      return this.pointerIn(ind, index, allocate, where);
    }
    index -= POINTERS_PER_BLOCK;
    let dind = this.checkPointer(inode.doubleIndirect, where);
    if (dind === 0) {
      if (!allocate) return 0;
      inode.doubleIndirect = dind = this.allocBlock();
    }
    const ind = this.pointerIn(dind, Math.floor(index / POINTERS_PER_BLOCK), allocate, where);
    if (ind === 0) return 0;
    return this.pointerIn(ind, index % POINTERS_PER_BLOCK, allocate, where);
  }

  /** Entry index of pointer block pb, checked, allocated when zero and allocate is set. */
  private pointerIn(pb: number, index: number, allocate: boolean, where: string): number {
    const block = this.block(pb);
    let b = this.checkPointer(readU32(block, index * 4), where);
    if (b === 0 && allocate) {
      b = this.allocBlock();
      writeU32(block, index * 4, b);
    }
    return b;
  }

  // ---- file contents ----

  /** Up to n bytes of inode ino at offset (fewer at the end of the file). */
  read(ino: number, offset: number, n: number): Uint8Array {
    const inode = this.inode(ino);
    if (offset >= inode.size) return new Uint8Array(0);
    const end = Math.min(inode.size, offset + n);
    const out = new Uint8Array(end - offset);
    for (let pos = offset; pos < end;) {
      const fileBlock = Math.floor(pos / BLOCK_SIZE);
      const within = pos % BLOCK_SIZE;
      const chunk = Math.min(BLOCK_SIZE - within, end - pos);
      const b = this.bmap(ino, inode, fileBlock, false);
      if (b !== 0) out.set(this.block(b).subarray(within, within + chunk), pos - offset);
      pos += chunk;
    }
    return out;
  }

  /** The whole contents of inode ino. */
  readAll(ino: number): Uint8Array {
    return this.read(ino, 0, this.inode(ino).size);
  }

  /** Writes data at offset, growing the file; on ENOSPC the file is cut back to its old size. */
  write(ino: number, offset: number, data: Uint8Array): void {
    const inode = this.inode(ino);
    if (offset + data.length > MAX_FILE_SIZE) throw new KfsError('EFBIG', 'file too large');
    const oldSize = inode.size;
    try {
      for (let pos = offset; pos < offset + data.length;) {
        const within = pos % BLOCK_SIZE;
        const chunk = Math.min(BLOCK_SIZE - within, offset + data.length - pos);
        const b = this.bmap(ino, inode, Math.floor(pos / BLOCK_SIZE), true);
        this.block(b).set(data.subarray(pos - offset, pos - offset + chunk), within);
        pos += chunk;
      }
    } catch (error) {
      this.writeInode(ino, inode); // record what was allocated, so that truncate frees it
      if (error instanceof KfsError && error.code === 'ENOSPC') this.truncate(ino, oldSize);
      throw error;
    }
    inode.size = Math.max(inode.size, offset + data.length);
    this.writeInode(ino, inode);
  }

  /** Sets the size of inode ino: frees the blocks past the new end, zeroes the tail of the last one. */
  truncate(ino: number, size: number): void {
    const inode = this.inode(ino);
    if (size > MAX_FILE_SIZE) throw new KfsError('EFBIG', 'file too large');
    if (size <= inode.size) { // also when equal: a failed write may have left blocks past the end
      const keep = Math.ceil(size / BLOCK_SIZE);
      this.freeFrom(ino, inode, keep);
      if (size % BLOCK_SIZE !== 0) {
        const last = this.bmap(ino, inode, keep - 1, false);
        if (last !== 0) this.block(last).fill(0, size % BLOCK_SIZE);
      }
    }
    inode.size = size;
    this.writeInode(ino, inode);
  }

  /** Frees every block of inode for file blocks keep and up, and the pointer blocks left unused. */
  private freeFrom(ino: number, inode: Inode, keep: number): void {
    const where = `inode ${ino}`;
    for (let i = keep; i < DIRECT_BLOCKS; i++) {
      const b = this.checkPointer(inode.direct[i]!, where);
      if (b !== 0) this.freeBlock(b);
      inode.direct[i] = 0;
    }
    const indKeep = Math.max(0, keep - DIRECT_BLOCKS);
    inode.indirect = this.freePointerBlock(inode.indirect, indKeep, 1, where);
    const dindKeep = Math.max(0, keep - DIRECT_BLOCKS - POINTERS_PER_BLOCK);
    inode.doubleIndirect = this.freePointerBlock(inode.doubleIndirect, dindKeep, 2, where);
  }

  /** Frees the entries of a pointer block of the given depth (1 = indirect) from entry keep on, in
   *  units of data blocks, and the block itself when keep is 0. Returns the pointer to store. */
  private freePointerBlock(pb: number, keep: number, depth: number, where: string): number {
    this.checkPointer(pb, where);
    if (pb === 0) return 0;
    const per = depth === 1 ? 1 : POINTERS_PER_BLOCK; // data blocks under one entry
    const block = this.block(pb);
    for (let i = Math.floor(keep / per); i < POINTERS_PER_BLOCK; i++) {
      const child = this.checkPointer(readU32(block, i * 4), where);
      if (child === 0) continue;
      const childKeep = Math.max(0, keep - i * per);
      if (depth === 1) {
        this.freeBlock(child);
        writeU32(block, i * 4, 0);
      } else {
        writeU32(block, i * 4, this.freePointerBlock(child, childKeep, 1, where));
      }
    }
    if (keep > 0) return pb;
    this.freeBlock(pb);
    return 0;
  }

  // ---- directories ----

  /** The used entries of directory ino, in slot order, with "." and ".." (slots 0 and 1) checked. */
  entries(ino: number): DirEntry[] {
    const inode = this.inode(ino);
    if (inode.type !== TYPE_DIR) throw new KfsError('ENOTDIR', `inode ${ino} is not a directory`);
    const data = this.read(ino, 0, inode.size);
    const out: DirEntry[] = [];
    for (let slot = 0; slot * DIRENT_SIZE < data.length; slot++) {
      const d = decodeDirent(data.subarray(slot * DIRENT_SIZE, (slot + 1) * DIRENT_SIZE));
      const where = `directory ${ino} entry ${slot}`;
      if (slot < 2) {
        const expected = slot === 0 ? '.' : '..';
        const field = d.nameField;
        if (field.indexOf(0) !== expected.length || latin1Decode(field.subarray(0, expected.length)) !== expected
            || field.subarray(expected.length).some((byte) => byte !== 0)) corrupt(`${where}: not '${expected}'`);
        if (d.ino <= 0 || d.ino >= this.sb.inodeCount || (slot === 0 && d.ino !== ino)) corrupt(`${where}: bad inode ${d.ino}`);
        out.push({ slot, ino: d.ino, name: expected });
        continue;
      }
      if (d.ino === 0) {
        if (d.nameField.some((byte) => byte !== 0)) corrupt(`${where}: empty slot with a name`);
        continue;
      }
      if (d.ino >= this.sb.inodeCount) corrupt(`${where}: inode ${d.ino} out of range`);
      const parsed = parseNameField(d.nameField);
      if ('problem' in parsed) corrupt(`${where}: ${parsed.problem}`);
      if (parsed.name === '.' || parsed.name === '..') corrupt(`${where}: extra '${parsed.name}'`);
      out.push({ slot, ino: d.ino, name: parsed.name });
    }
    if (out.length < 2) corrupt(`directory ${ino}: missing '.' or '..'`);
    return out;
  }

  /** The entry called name in directory dir (not "." or ".."), or undefined. */
  findEntry(dir: number, name: string): DirEntry | undefined {
    return this.entries(dir).find((e) => e.slot >= 2 && e.name === name);
  }

  /** Adds an entry name -> ino to directory dir: the first empty slot, else a new one at the end. */
  addEntry(dir: number, name: string, ino: number): void {
    const inode = this.inode(dir);
    const used = new Set(this.entries(dir).map((e) => e.slot));
    let slot = 2;
    while (slot * DIRENT_SIZE < inode.size && used.has(slot)) slot++;
    this.write(dir, slot * DIRENT_SIZE, encodeDirent(ino, name));
  }

  /** Zeroes slot of directory dir. */
  clearSlot(dir: number, slot: number): void {
    this.write(dir, slot * DIRENT_SIZE, new Uint8Array(DIRENT_SIZE));
  }

  /** Points slot of directory dir at ino, keeping its name. */
  setSlotInode(dir: number, slot: number, ino: number): void {
    const word = new Uint8Array(4);
    writeU32(word, 0, ino);
    this.write(dir, slot * DIRENT_SIZE, word);
  }

  /** The listing of directory ino without "." and "..". */
  list(ino: number): ListedEntry[] {
    return this.entries(ino).filter((e) => e.slot >= 2).map((e) => {
      const inode = this.inode(e.ino);
      return { name: e.name, ino: e.ino, type: inode.type, size: inode.size };
    });
  }

  // ---- paths ----

  /** The inode number of an absolute path ("." and ".." resolved, repeated slashes allowed). */
  lookup(path: string): number {
    let ino = ROOT_INODE;
    for (const component of splitPath(path)) ino = this.step(ino, component);
    this.inode(ino);
    return ino;
  }

  /** One step of a lookup: component of directory ino. */
  private step(ino: number, component: string): number {
    if (this.inode(ino).type !== TYPE_DIR) throw new KfsError('ENOTDIR', 'not a directory');
    if (component === '.') return ino;
    if (component === '..') return this.entries(ino)[1]!.ino;
    const entry = this.findEntry(ino, component);
    if (entry === undefined) throw new KfsError('ENOENT', `no such file or directory: ${component}`);
    return entry.ino;
  }

  /** The parent directory of path and its last name (which must be a real name). */
  lookupParent(path: string): { dir: number; name: string } {
    const components = splitPath(path);
    const name = components.pop();
    if (name === undefined) throw new KfsError('EBUSY', 'the root has no parent');
    if (name === '.' || name === '..') throw new KfsError('EINVAL', `'${name}' cannot be created or removed`);
    const problem = nameProblem(name);
    if (problem !== null) throw new KfsError('EINVAL', problem);
    let dir = ROOT_INODE;
    for (const component of components) dir = this.step(dir, component);
    if (this.inode(dir).type !== TYPE_DIR) throw new KfsError('ENOTDIR', 'not a directory');
    return { dir, name };
  }

  /** Creates a file or directory at path and returns its inode. */
  create(path: string, type: number): number {
    const { dir, name } = this.lookupParent(path);
    if (this.findEntry(dir, name) !== undefined) throw new KfsError('EEXIST', `${path} exists`);
    const ino = this.allocInode(type);
    try {
      if (type === TYPE_DIR) this.fillNewDirectory(ino, dir);
      this.addEntry(dir, name, ino);
    } catch (error) {
      if (this.rawInode(ino).size > 0) this.truncate(ino, 0); // a directory whose first block failed has none
      this.freeInode(ino);
      throw error;
    }
    if (type === TYPE_DIR) this.adjustLinks(dir, +1);
    return ino;
  }

  /** Gives the fresh inode ino (size 0) its first block, holding "." and ".." (parent). */
  private fillNewDirectory(ino: number, parent: number): void {
    const inode = this.rawInode(ino);
    const b = this.allocBlock();
    this.block(b).set(concatBytes(encodeDirent(ino, '.'), encodeDirent(parent, '..')));
    inode.direct[0] = b;
    inode.size = 2 * DIRENT_SIZE;
    this.writeInode(ino, inode);
  }

  private adjustLinks(ino: number, delta: number): void {
    const inode = this.inode(ino);
    inode.links = Math.max(0, inode.links + delta);
    this.writeInode(ino, inode);
  }

  /** Removes a file or an empty directory. */
  unlink(path: string): void {
    const { dir, name } = this.lookupParent(path);
    const entry = this.findEntry(dir, name);
    if (entry === undefined) throw new KfsError('ENOENT', `no such file or directory: ${path}`);
    this.removeInode(dir, entry);
    this.clearSlot(dir, entry.slot);
  }

  /** Frees the inode an entry of dir names (checking a directory is empty); the entry stays. */
  private removeInode(dir: number, entry: DirEntry): void {
    const inode = this.inode(entry.ino);
    if (inode.type === TYPE_DIR) {
      if (this.entries(entry.ino).length > 2) throw new KfsError('ENOTEMPTY', 'directory not empty');
      this.adjustLinks(dir, -1);
    }
    this.truncate(entry.ino, 0);
    this.freeInode(entry.ino);
  }

  /** Renames from to to, replacing a file (or an empty directory, for a directory) at to. */
  rename(from: string, to: string): void {
    const src = this.lookupParent(from);
    const srcEntry = this.findEntry(src.dir, src.name);
    if (srcEntry === undefined) throw new KfsError('ENOENT', `no such file or directory: ${from}`);
    const dst = this.lookupParent(to);
    const moving = this.inode(srcEntry.ino);
    if (moving.type === TYPE_DIR && this.isAncestorOrSelf(srcEntry.ino, dst.dir)) {
      throw new KfsError('EINVAL', 'a directory cannot move into itself');
    }
    const dstEntry = this.findEntry(dst.dir, dst.name);
    if (dstEntry !== undefined) {
      if (dstEntry.ino === srcEntry.ino) return;
      const target = this.inode(dstEntry.ino);
      if (moving.type === TYPE_FILE && target.type === TYPE_DIR) throw new KfsError('EISDIR', `${to} is a directory`);
      if (moving.type === TYPE_DIR && target.type === TYPE_FILE) throw new KfsError('ENOTDIR', `${to} is not a directory`);
      this.removeInode(dst.dir, dstEntry);
      this.setSlotInode(dst.dir, dstEntry.slot, srcEntry.ino);
    } else {
      this.addEntry(dst.dir, dst.name, srcEntry.ino);
    }
    this.clearSlot(src.dir, srcEntry.slot);
    if (moving.type === TYPE_DIR && src.dir !== dst.dir) {
      this.setSlotInode(srcEntry.ino, 1, dst.dir);
      this.adjustLinks(src.dir, -1);
      this.adjustLinks(dst.dir, +1);
    }
  }

  /** Whether directory ancestor is dir or one of its ancestors (walking "..", bounded). */
  private isAncestorOrSelf(ancestor: number, dir: number): boolean {
    for (let steps = 0; steps <= this.sb.inodeCount; steps++) {
      if (dir === ancestor) return true;
      if (dir === ROOT_INODE) return false;
      dir = this.entries(dir)[1]!.ino;
    }
    corrupt('a cycle of ".." entries');
  }
}

/** Why an inode read from the image cannot be used, or null. */
export function inodeProblem(inode: Inode): string | null {
  if (inode.type !== TYPE_FILE && inode.type !== TYPE_DIR) return `bad type ${inode.type}`;
  if (inode.size > MAX_FILE_SIZE) return `size ${inode.size} too large`;
  if (inode.type === TYPE_DIR && (inode.size % DIRENT_SIZE !== 0 || inode.size < 2 * DIRENT_SIZE)) {
    return `directory size ${inode.size} is not a whole number of entries`;
  }
  return null;
}

/** The components of an absolute path (empty for "/"); checks lengths as the kernel does. */
export function splitPath(path: string): string[] {
  if (!path.startsWith('/')) throw new KfsError('EINVAL', `path must be absolute: ${path}`);
  if (path.length >= PATH_MAX) throw new KfsError('ENAMETOOLONG', 'path too long');
  const components = path.split('/').filter((c) => c.length > 0);
  for (const c of components) if (c.length > NAME_MAX) throw new KfsError('ENAMETOOLONG', `name too long: ${c}`);
  return components;
}
