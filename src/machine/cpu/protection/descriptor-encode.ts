// Encoders for the 8-byte descriptors of the GDT, LDT and IDT (SDM Vol. 3A Figure 3-8 segment descriptor,
// Figure 5-8 call gate, Figure 6-2 IDT gates, Figure 7-3 TSS descriptor, §3.5 LDT descriptor). The CPU only
// decodes (descriptors.ts, segments.ts); these build exact bytes for tests, tools and the guest side.

export const SYSTEM_TSS16_AVAILABLE = 0x1;
export const SYSTEM_LDT = 0x2;
export const SYSTEM_TSS16_BUSY = 0x3;
export const SYSTEM_CALL_GATE16 = 0x4;
export const SYSTEM_TASK_GATE = 0x5;
export const SYSTEM_INTERRUPT_GATE16 = 0x6;
export const SYSTEM_TRAP_GATE16 = 0x7;
export const SYSTEM_TSS32_AVAILABLE = 0x9;
export const SYSTEM_TSS32_BUSY = 0xb;
export const SYSTEM_CALL_GATE32 = 0xc;
export const SYSTEM_INTERRUPT_GATE32 = 0xe;
export const SYSTEM_TRAP_GATE32 = 0xf;

export interface SegmentFields {
  base: number;
  /** The 20-bit limit field as stored (in 4 KiB units when g is set). */
  limit: number;
  /** Type nibble: for S=1 the code/data bits (accessed, W/R, E/C, code); for S=0 a SYSTEM_* value. */
  type: number;
  /** S: true for code and data, false for system descriptors. */
  s: boolean;
  dpl: number;
  present: boolean;
  avl?: boolean;
  /** D/B: 32-bit code, 32-bit stack, or upper bound 4 GiB for expand-down data. */
  db?: boolean;
  /** G: limit in 4 KiB units. */
  g?: boolean;
}

export interface GateFields {
  selector: number;
  /** Ignored for task gates (write 0). */
  offset: number;
  type: number;
  dpl: number;
  present: boolean;
  /** Call gates only: dwords (32-bit gate) or words (16-bit gate) to copy, 0-31. */
  params?: number;
}

function checkRange(name: string, value: number, max: number): void {
  if (!Number.isInteger(value) || value < 0 || value > max) {
    throw new RangeError(`${name} ${value} is outside 0..0x${max.toString(16)}`);
  }
}

/** Low and high dwords of a code, data or system segment descriptor. */
export function encodeSegment(f: SegmentFields): [number, number] {
  checkRange('base', f.base, 0xffffffff);
  checkRange('limit', f.limit, 0xfffff);
  checkRange('type', f.type, 0xf);
  checkRange('dpl', f.dpl, 3);
  const low = ((f.limit & 0xffff) | ((f.base & 0xffff) << 16)) >>> 0;
  const high = (((f.base >>> 16) & 0xff) | (f.type << 8) | (f.s ? 1 << 12 : 0) | (f.dpl << 13) |
    (f.present ? 1 << 15 : 0) | (f.limit & 0xf0000) | (f.avl ? 1 << 20 : 0) | (f.db ? 1 << 22 : 0) |
    (f.g ? 1 << 23 : 0) | (f.base & 0xff000000)) >>> 0;
  return [low, high];
}

/** Low and high dwords of a call, interrupt, trap or task gate. */
export function encodeGate(f: GateFields): [number, number] {
  checkRange('selector', f.selector, 0xffff);
  checkRange('offset', f.offset, 0xffffffff);
  checkRange('dpl', f.dpl, 3);
  const params = f.params ?? 0;
  checkRange('params', params, 31);
  if (![SYSTEM_CALL_GATE16, SYSTEM_TASK_GATE, SYSTEM_INTERRUPT_GATE16, SYSTEM_TRAP_GATE16, SYSTEM_CALL_GATE32,
    SYSTEM_INTERRUPT_GATE32, SYSTEM_TRAP_GATE32].includes(f.type)) {
    throw new RangeError(`type 0x${f.type.toString(16)} is not a gate`);
  }
  if (params !== 0 && f.type !== SYSTEM_CALL_GATE16 && f.type !== SYSTEM_CALL_GATE32) {
    throw new RangeError('only call gates have a parameter count');
  }
  const low = ((f.offset & 0xffff) | (f.selector << 16)) >>> 0;
  const high = ((f.offset & 0xffff0000) | (f.present ? 1 << 15 : 0) | (f.dpl << 13) | (f.type << 8) | params) >>> 0;
  return [low, high];
}

/** A TSS descriptor (GDT only): byte limit, 16- or 32-bit, available or busy. */
export function encodeTss(base: number, limit: number, is32: boolean, busy: boolean, dpl = 0): [number, number] {
  const type = is32 ? (busy ? SYSTEM_TSS32_BUSY : SYSTEM_TSS32_AVAILABLE) : (busy ? SYSTEM_TSS16_BUSY : SYSTEM_TSS16_AVAILABLE);
  return encodeSegment({ base, limit, type, s: false, dpl, present: true });
}

/** An LDT descriptor (GDT only), byte-granular limit. */
export function encodeLdt(base: number, limit: number, dpl = 0): [number, number] {
  return encodeSegment({ base, limit, type: SYSTEM_LDT, s: false, dpl, present: true });
}

/** The 8 bytes in memory order (little-endian). */
export function descriptorBytes([low, high]: [number, number]): number[] {
  const out: number[] = [];
  for (const d of [low, high]) for (let i = 0; i < 4; i++) out.push((d >>> (8 * i)) & 0xff);
  return out;
}
