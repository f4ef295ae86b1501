// Selectors and descriptor-table lookups (SDM Vol. 3A §3.4.2, §3.5.1). Reads are implicit supervisor accesses.

import type { Cpu } from '../cpu.js';

/** The 8 bytes of the descriptor a selector names, as two dwords. */
export class Descriptor {
  low = 0;
  high = 0;
  /** Linear address of the descriptor (to set the accessed or busy bit). */
  addr = 0;

  get present(): boolean { return (this.high & (1 << 15)) !== 0; }
  get dpl(): number { return (this.high >>> 13) & 3; }
  /** S=1: code or data segment; S=0: system segment or gate. */
  get isSegment(): boolean { return (this.high & (1 << 12)) !== 0; }
  get type(): number { return (this.high >>> 8) & 0xf; }
  get isCode(): boolean { return this.isSegment && (this.type & 8) !== 0; }
  get isConforming(): boolean { return (this.type & 4) !== 0; }
  get isReadable(): boolean { return (this.type & 2) !== 0; }
  get isWritable(): boolean { return (this.type & 2) !== 0; }
  /** Gate fields. */
  get gateSelector(): number { return this.low >>> 16; }
  get gateOffset(): number { return ((this.high & 0xffff0000) | (this.low & 0xffff)) | 0; }
  get gateParamCount(): number { return this.high & 0x1f; }
}

/**
 * Reads the descriptor for `selector` from the GDT or LDT into `out`.
 * Returns false when the selector's index lies outside the table (the caller raises the right fault).
 */
export function readDescriptor(cpu: Cpu, selector: number, out: Descriptor): boolean {
  const index = selector & ~7;
  let base: number, limit: number;
  if (selector & 4) {
    if ((cpu.ldtSel & ~3) === 0) return false;
    base = cpu.ldtBase; limit = cpu.ldtLimit;
  } else {
    base = cpu.gdtBase; limit = cpu.gdtLimit;
  }
  if (index + 7 > limit) return false;
  out.addr = (base + index) | 0;
  out.low = cpu.readSup32(out.addr);
  out.high = cpu.readSup32((out.addr + 4) | 0);
  return true;
}

/** Sets the accessed bit of a code/data descriptor in memory (SDM §3.4.5.1). */
export function setAccessed(cpu: Cpu, d: Descriptor): void {
  if (d.high & (1 << 8)) return;
  d.high |= 1 << 8;
  cpu.writeSup8((d.addr + 5) | 0, (d.high >>> 8) & 0xff);
}
