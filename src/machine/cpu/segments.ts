// Hidden segment-register state (the descriptor cache, SDM Vol. 3A §3.4.3) and the access checks
// applied on every memory reference (§5.3 limit checking, §5.4.1 type checking).

/** Attribute word: bits 0-3 type, 4 S, 5-6 DPL, 7 P, 12 AVL, 14 D/B, 15 G (descriptor bits 40-55). */
export const ATTR_TYPE = 0x0f;
export const ATTR_S = 1 << 4;
export const ATTR_DPL_SHIFT = 5;
export const ATTR_P = 1 << 7;
export const ATTR_DB = 1 << 14;
export const ATTR_G = 1 << 15;

/** Type bits of code/data segments (S=1). */
export const TYPE_ACCESSED = 1;
export const TYPE_DATA_WRITABLE = 2;
export const TYPE_DATA_EXPAND_DOWN = 4;
export const TYPE_CODE_READABLE = 2;
export const TYPE_CODE_CONFORMING = 4;
export const TYPE_CODE = 8;

/** Access permissions cached per segment register and recomputed on every load. */
export const SEG_READ = 1;
export const SEG_WRITE = 2;
/** Base 0, bounds 0..0xFFFFFFFF: the offset is the linear address and no limit check is needed. */
export const SEG_FLAT = 4;
/**
 * Base 0 and expand-up (the limit may be below 4 GiB, as for LOTRx86's ring-3 segments ending at 0xBFFFFFFF):
 * the offset is the linear address once it is checked against the limit alone.
 */
export const SEG_BASE0 = 8;

export function attrFromDescriptorHigh(high: number): number {
  return (high >>> 8) & 0xf0ff;
}

export function descriptorBase(low: number, high: number): number {
  return ((low >>> 16) | ((high & 0xff) << 16) | (high & 0xff000000)) | 0;
}

/** The limit in bytes after applying the G bit. */
export function descriptorLimit(low: number, high: number): number {
  const raw = (low & 0xffff) | (high & 0xf0000);
  return high & (1 << 23) ? ((raw << 12) | 0xfff) >>> 0 : raw;
}

/** Permission bits for data accesses through a segment with attribute word `attr`, or 0 for a system segment. */
export function accessFromAttr(attr: number): number {
  if (!(attr & ATTR_S) || !(attr & ATTR_P)) return 0;
  const type = attr & ATTR_TYPE;
  if (type & TYPE_CODE) return type & TYPE_CODE_READABLE ? SEG_READ : 0;
  return type & TYPE_DATA_WRITABLE ? SEG_READ | SEG_WRITE : SEG_READ;
}
