// Loading segment registers: MOV/POP Sreg, LDS..LGS (SDM Vol. 2B "MOV—Move to Segment Register";
// Vol. 3A §5.5-§5.7), real-mode loads, and the CS loads shared by far transfers.

import type { Cpu } from '../cpu.js';
import { Vector } from '../fault.js';
import { CS, SS } from '../registers.js';
import { descriptorLimit } from '../segments.js';
import { Descriptor, readDescriptor, setAccessed } from './descriptors.js';
import { FLAG_VM } from '../eflags.js';

const scratch = new Descriptor();

/** Loads data or stack segment register `seg` with `selector`, applying every protected-mode check. */
export function loadSegment(cpu: Cpu, seg: number, selector: number): void {
  selector &= 0xffff;
  if (!cpu.protectedMode || (cpu.flags & FLAG_VM)) {
    loadRealModeSegment(cpu, seg, selector);
    return;
  }
  if (seg === SS) { loadStackSegment(cpu, selector); return; }
  // Null selector in DS/ES/FS/GS: allowed, the register becomes unusable.
  if ((selector & ~3) === 0) { cpu.setNullSegment(seg, selector); return; }
  const d = scratch;
  if (!readDescriptor(cpu, selector, d)) cpu.raise(Vector.GP, selector & 0xfffc);
  // Data, or readable code: anything else → #GP(selector).
  if (!d.isSegment || (d.isCode && !d.isReadable)) cpu.raise(Vector.GP, selector & 0xfffc);
  // Data and non-conforming code: max(CPL, RPL) ≤ DPL, else #GP(selector).
  if (!d.isCode || !d.isConforming) {
    if ((selector & 3) > d.dpl || cpu.cpl > d.dpl) cpu.raise(Vector.GP, selector & 0xfffc);
  }
  if (!d.present) cpu.raise(Vector.NP, selector & 0xfffc);
  setAccessed(cpu, d);
  cacheDescriptor(cpu, seg, selector, d);
}

/** SS: never null, RPL = DPL = CPL, writable data; not present → #SS(selector). */
function loadStackSegment(cpu: Cpu, selector: number): void {
  if ((selector & ~3) === 0) cpu.raise(Vector.GP, 0);
  if ((selector & 3) !== cpu.cpl) cpu.raise(Vector.GP, selector & 0xfffc);
  const d = scratch;
  if (!readDescriptor(cpu, selector, d)) cpu.raise(Vector.GP, selector & 0xfffc);
  if (!d.isSegment || d.isCode || !d.isWritable || d.dpl !== cpu.cpl) cpu.raise(Vector.GP, selector & 0xfffc);
  if (!d.present) cpu.raise(Vector.SS, selector & 0xfffc);
  setAccessed(cpu, d);
  cacheDescriptor(cpu, SS, selector, d);
}

/** Real mode and virtual-8086 mode: base = selector × 16; limit and attributes stay as they were. */
export function loadRealModeSegment(cpu: Cpu, seg: number, selector: number): void {
  const low = cpu.segLow[seg]!, high = cpu.segHigh[seg]!;
  const limit = low > 0 ? low - 1 : high;
  cpu.setSegmentCache(seg, selector, selector << 4, limit, cpu.segAttr[seg]! || 0x93);
  if (seg === CS) cpu.setCpl(cpu.flags & FLAG_VM ? 3 : 0);
}

/** Copies a descriptor into the hidden part of `seg`. */
export function cacheDescriptor(cpu: Cpu, seg: number, selector: number, d: Descriptor): void {
  cacheDescriptorRaw(cpu, seg, selector, d.low, d.high);
}

/** Copies the descriptor whose dwords are `low`, `high` into the hidden part of `seg`. */
export function cacheDescriptorRaw(cpu: Cpu, seg: number, selector: number, low: number, high: number): void {
  cpu.setSegmentFromDescriptor(seg, selector, low, high);
}

/** Loads CS for a far transfer that has passed its checks; the new CPL becomes the selector's RPL. */
export function loadCodeSegment(cpu: Cpu, selector: number, d: Descriptor, cpl: number): void {
  setAccessed(cpu, d);
  cacheDescriptor(cpu, CS, (selector & ~3) | cpl, d);
  cpu.setCpl(cpl);
}

/** Offset of a far transfer target beyond the code segment limit → #GP(0). */
export function checkCodeLimit(cpu: Cpu, d: Descriptor, offset: number): void {
  if ((offset >>> 0) > descriptorLimit(d.low, d.high)) cpu.raise(Vector.GP, 0);
}

/**
 * Checks a code-segment selector for a direct far JMP/CALL (SDM JMP/CALL "far" pseudocode):
 * conforming: DPL ≤ CPL; non-conforming: RPL ≤ CPL and DPL = CPL. Fills `d`.
 */
export function checkDirectCodeTarget(cpu: Cpu, selector: number, d: Descriptor): void {
  const code = selector & 0xfffc;
  if (!d.isCode) cpu.raise(Vector.GP, code);
  if (d.isConforming) {
    if (d.dpl > cpu.cpl) cpu.raise(Vector.GP, code);
  } else if ((selector & 3) > cpu.cpl || d.dpl !== cpu.cpl) {
    cpu.raise(Vector.GP, code);
  }
  if (!d.present) cpu.raise(Vector.NP, code);
}

/** ES, DS, FS, GS. */
const DATA_SEGMENTS = [0, 3, 4, 5] as const;

/** After a return to an outer ring, data segments the new CPL may not use become null (SDM RET/IRET). */
export function nullInaccessibleDataSegments(cpu: Cpu): void {
  for (let k = 0; k < DATA_SEGMENTS.length; k++) {
    const seg = DATA_SEGMENTS[k]!;
    const attr = cpu.segAttr[seg]!;
    if (cpu.segAccess[seg] === 0 && (cpu.sreg[seg]! & ~3) === 0) continue;
    const isCode = (attr & 8) !== 0;
    const conforming = isCode && (attr & 4) !== 0;
    const dpl = (attr >>> 5) & 3;
    if (!conforming && dpl < cpu.cpl) cpu.setNullSegment(seg, 0);
  }
}
