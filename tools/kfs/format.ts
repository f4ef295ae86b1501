// The KFS on-disk format (docs/kfs.md): constants, and the three structures (superblock, inode,
// directory entry) as plain objects with their byte encodings. Nothing here checks consistency
// beyond what one structure can say about itself; image.ts and fsck.ts do the rest.

export const BLOCK_SIZE = 1024;
export const SECTOR_SIZE = 512;
export const KFS_MAGIC = 0x3153464b; // "KFS1" as little-endian bytes
export const KFS_VERSION = 1;
export const SUPERBLOCK_BYTES = 64;
export const INODE_SIZE = 64;
export const INODES_PER_BLOCK = BLOCK_SIZE / INODE_SIZE;
export const DIRENT_SIZE = 64;
export const DIRENTS_PER_BLOCK = BLOCK_SIZE / DIRENT_SIZE;
export const NAME_FIELD = 60; // bytes of the name field, with its NUL
export const NAME_MAX = NAME_FIELD - 1; // KL_NAME_MAX
export const PATH_MAX = 256; // KL_PATH_MAX, with the NUL
export const DIRECT_BLOCKS = 12;
export const POINTERS_PER_BLOCK = BLOCK_SIZE / 4;
export const MAX_FILE_BLOCKS = DIRECT_BLOCKS + POINTERS_PER_BLOCK + POINTERS_PER_BLOCK * POINTERS_PER_BLOCK;
export const MAX_FILE_SIZE = MAX_FILE_BLOCKS * BLOCK_SIZE;
export const BITS_PER_BITMAP_BLOCK = BLOCK_SIZE * 8;
export const ROOT_INODE = 1;
export const MIN_BLOCKS = 8;

export const TYPE_FREE = 0;
export const TYPE_FILE = 1; // KL_TYPE_FILE
export const TYPE_DIR = 2; // KL_TYPE_DIR

export interface Superblock {
  magic: number;
  version: number;
  blockSize: number;
  totalBlocks: number;
  inodeCount: number;
  bitmapStart: number;
  bitmapBlocks: number;
  inodeStart: number;
  inodeBlocks: number;
  dataStart: number;
  rootInode: number;
  inodeSize: number;
  direntSize: number;
  reserved0: number;
  reserved1: number;
  checksum: number;
}

export interface Inode {
  type: number;
  links: number;
  size: number;
  direct: number[]; // DIRECT_BLOCKS entries
  indirect: number;
  doubleIndirect: number;
}

export interface Dirent {
  ino: number;
  /** The raw 60-byte name field, kept so that checks can look at every byte. */
  nameField: Uint8Array;
}

const SUPERBLOCK_FIELDS: readonly (keyof Superblock)[] = [
  'magic', 'version', 'blockSize', 'totalBlocks', 'inodeCount', 'bitmapStart', 'bitmapBlocks', 'inodeStart',
  'inodeBlocks', 'dataStart', 'rootInode', 'inodeSize', 'direntSize', 'reserved0', 'reserved1', 'checksum',
];

const CRC_TABLE = (() => {
  const table = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    table[n] = c >>> 0;
  }
  return table;
})();

/** CRC-32 (IEEE 802.3, as zlib computes it) of bytes. */
export function crc32(bytes: Uint8Array): number {
  let crc = 0xffffffff;
  for (const byte of bytes) crc = CRC_TABLE[(crc ^ byte) & 0xff]! ^ (crc >>> 8);
  return (crc ^ 0xffffffff) >>> 0;
}

function view(bytes: Uint8Array): DataView {
  return new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

// Byte helpers on plain Uint8Array (the project's @types/node Buffer does not type-check as one).

/** The little-endian u32 at offset of bytes. */
export function readU32(bytes: Uint8Array, offset: number): number {
  return view(bytes).getUint32(offset, true);
}

/** Stores value as a little-endian u32 at offset of bytes. */
export function writeU32(bytes: Uint8Array, offset: number, value: number): void {
  view(bytes).setUint32(offset, value >>> 0, true);
}

/** The bytes as a string of one character per byte. */
export function latin1Decode(bytes: Uint8Array): string {
  let out = '';
  for (const byte of bytes) out += String.fromCharCode(byte);
  return out;
}

/** A string of characters below 256 as one byte each. */
export function latin1Encode(text: string): Uint8Array {
  const out = new Uint8Array(text.length);
  for (let i = 0; i < text.length; i++) out[i] = text.charCodeAt(i) & 0xff;
  return out;
}

/** The parts one after the other. */
export function concatBytes(...parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) { out.set(p, at); at += p.length; }
  return out;
}

/** Whether any byte is not zero. */
export function anyNonZero(bytes: Uint8Array): boolean {
  return bytes.some((byte) => byte !== 0);
}

/** Decodes the superblock from the first 64 bytes of block 0. */
export function decodeSuperblock(bytes: Uint8Array): Superblock {
  const v = view(bytes);
  const sb = {} as Superblock;
  SUPERBLOCK_FIELDS.forEach((field, i) => { sb[field] = v.getUint32(i * 4, true); });
  return sb;
}

/** Encodes sb into 64 bytes, with the checksum recomputed unless keepChecksum (for corruption tests). */
export function encodeSuperblock(sb: Superblock, keepChecksum = false): Uint8Array {
  const bytes = new Uint8Array(SUPERBLOCK_BYTES);
  const v = view(bytes);
  SUPERBLOCK_FIELDS.forEach((field, i) => { v.setUint32(i * 4, sb[field] >>> 0, true); });
  if (!keepChecksum) v.setUint32(60, superblockChecksum(bytes), true);
  return bytes;
}

/** The checksum a superblock's bytes 0-59 call for. */
export function superblockChecksum(bytes: Uint8Array): number {
  return crc32(bytes.subarray(0, 60));
}

/** The layout mkfs gives an image of totalBlocks blocks and inodeCount inodes (a multiple of 16). */
export function layoutSuperblock(totalBlocks: number, inodeCount: number): Superblock {
  const bitmapBlocks = Math.ceil(totalBlocks / BITS_PER_BITMAP_BLOCK);
  const inodeStart = 1 + bitmapBlocks;
  const inodeBlocks = inodeCount / INODES_PER_BLOCK;
  return {
    magic: KFS_MAGIC, version: KFS_VERSION, blockSize: BLOCK_SIZE, totalBlocks, inodeCount,
    bitmapStart: 1, bitmapBlocks, inodeStart, inodeBlocks, dataStart: inodeStart + inodeBlocks,
    rootInode: ROOT_INODE, inodeSize: INODE_SIZE, direntSize: DIRENT_SIZE, reserved0: 0, reserved1: 0, checksum: 0,
  };
}

/** Describes the first thing wrong with a superblock (checksum included), or returns null. */
export function superblockProblem(sb: Superblock, bytes: Uint8Array, imageBlocks: number): string | null {
  if (sb.magic !== KFS_MAGIC) return `bad magic 0x${sb.magic.toString(16)} (not a KFS image)`;
  if (sb.checksum !== superblockChecksum(bytes)) return 'superblock checksum mismatch';
  if (sb.version !== KFS_VERSION) return `unsupported version ${sb.version}`;
  if (sb.blockSize !== BLOCK_SIZE) return `unsupported block size ${sb.blockSize}`;
  if (sb.inodeSize !== INODE_SIZE || sb.direntSize !== DIRENT_SIZE) return 'unsupported inode or entry size';
  if (sb.totalBlocks < MIN_BLOCKS) return `too few blocks (${sb.totalBlocks})`;
  if (sb.totalBlocks > imageBlocks) return `${sb.totalBlocks} blocks but the image holds ${imageBlocks}`;
  const expected = layoutSuperblock(sb.totalBlocks, sb.inodeCount);
  if (sb.inodeCount < INODES_PER_BLOCK || sb.inodeCount % INODES_PER_BLOCK !== 0) return `bad inode count ${sb.inodeCount}`;
  if (sb.bitmapStart !== 1 || sb.bitmapBlocks !== expected.bitmapBlocks) return 'bad bitmap location';
  if (sb.inodeStart !== expected.inodeStart || sb.inodeBlocks !== expected.inodeBlocks) return 'bad inode table location';
  if (sb.dataStart !== expected.dataStart || sb.dataStart >= sb.totalBlocks) return 'bad data area start';
  if (sb.rootInode !== ROOT_INODE) return `root inode is ${sb.rootInode}, not 1`;
  if (sb.reserved0 !== 0 || sb.reserved1 !== 0) return 'reserved superblock fields are not zero';
  return null;
}

/** Decodes one 64-byte inode. */
export function decodeInode(bytes: Uint8Array): Inode {
  const v = view(bytes);
  const direct: number[] = [];
  for (let i = 0; i < DIRECT_BLOCKS; i++) direct.push(v.getUint32(8 + 4 * i, true));
  return {
    type: v.getUint16(0, true), links: v.getUint16(2, true), size: v.getUint32(4, true), direct,
    indirect: v.getUint32(56, true), doubleIndirect: v.getUint32(60, true),
  };
}

/** Encodes one inode into 64 bytes. */
export function encodeInode(inode: Inode): Uint8Array {
  const bytes = new Uint8Array(INODE_SIZE);
  const v = view(bytes);
  v.setUint16(0, inode.type, true);
  v.setUint16(2, inode.links, true);
  v.setUint32(4, inode.size >>> 0, true);
  for (let i = 0; i < DIRECT_BLOCKS; i++) v.setUint32(8 + 4 * i, (inode.direct[i] ?? 0) >>> 0, true);
  v.setUint32(56, inode.indirect >>> 0, true);
  v.setUint32(60, inode.doubleIndirect >>> 0, true);
  return bytes;
}

/** A fresh inode of the given type with no blocks. */
export function emptyInode(type: number, links: number): Inode {
  return { type, links, size: 0, direct: new Array<number>(DIRECT_BLOCKS).fill(0), indirect: 0, doubleIndirect: 0 };
}

/** Decodes one 64-byte directory entry. */
export function decodeDirent(bytes: Uint8Array): Dirent {
  return { ino: view(bytes).getUint32(0, true), nameField: bytes.slice(4, 4 + NAME_FIELD) };
}

/** Encodes a directory entry naming ino (name already validated). */
export function encodeDirent(ino: number, name: string): Uint8Array {
  const bytes = new Uint8Array(DIRENT_SIZE);
  view(bytes).setUint32(0, ino >>> 0, true);
  bytes.set(latin1Encode(name), 4);
  return bytes;
}

/** Why name cannot be a KFS entry name, or null when it can (1-59 printable ASCII bytes, no '/'). */
export function nameProblem(name: string): string | null {
  if (name.length === 0) return 'empty name';
  if (name.length > NAME_MAX) return `name longer than ${NAME_MAX} bytes`;
  for (let i = 0; i < name.length; i++) {
    const c = name.charCodeAt(i);
    if (c < 0x20 || c > 0x7e) return `name has a byte outside printable ASCII (0x${c.toString(16)})`;
    if (c === 0x2f) return "name contains '/'";
  }
  return null;
}

/** The name stored in a raw name field, or an explanation of why the field is malformed. */
export function parseNameField(field: Uint8Array): { name: string } | { problem: string } {
  const nul = field.indexOf(0);
  if (nul < 0) return { problem: 'name is not NUL-terminated' };
  for (let i = nul + 1; i < field.length; i++) if (field[i] !== 0) return { problem: 'bytes after the name are not zero' };
  const name = latin1Decode(field.subarray(0, nul));
  const problem = nameProblem(name);
  return problem === null ? { name } : { problem };
}
