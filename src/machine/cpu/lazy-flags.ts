// Lazy arithmetic flags (the QEMU cc_op model, SDM Vol. 1 §3.4.3): flag-setting instructions record
// their operation, result and operand; CF..OF are computed only when something reads them.

import { FLAG_AF, FLAG_CF, FLAG_OF, FLAG_PF, FLAG_SF, FLAG_ZF, FLAGS_ARITH } from './eflags.js';

export const enum CcOp {
  /** Arithmetic flags are stored in `flags` itself. */
  EFLAGS = 0,
  ADD, ADC, SUB, SBB, LOGIC, INC, DEC,
  /** ccSrc = operand shifted left by count-1 (its top bit is CF). */
  SHL,
  /** SAR and SHR: ccSrc = operand shifted right by count-1 (its low bit is CF). */
  SAR,
  /** MUL/IMUL: ccSrc != 0 means CF = OF = 1. */
  MUL,
}

const PARITY = new Uint8Array(256);
for (let i = 0; i < 256; i++) {
  let bits = 0;
  for (let b = i; b; b >>= 1) bits += b & 1;
  PARITY[i] = bits & 1 ? 0 : FLAG_PF;
}

export class LazyFlags {
  /** EFLAGS; its arithmetic bits are valid only when ccOp is EFLAGS. Bit 1 is always set. */
  flags = 2;
  ccOp: CcOp = CcOp.EFLAGS;
  /** Result of the last flag-setting operation. */
  ccDst = 0;
  /** Second operand (or shift intermediate, old CF for INC/DEC, overflow for MUL). */
  ccSrc = 0;
  /** Carry-in of ADC/SBB. */
  ccCarryIn = 0;
  /** Sign bit of the operand size: 0x80, 0x8000 or 0x80000000. */
  ccSign = 0x80000000 | 0;

  getCF(): boolean {
    const mask = (this.ccSign << 1) - 1;
    switch (this.ccOp) {
      case CcOp.EFLAGS: return (this.flags & FLAG_CF) !== 0;
      case CcOp.ADD: return (this.ccDst & mask) >>> 0 < (this.ccSrc & mask) >>> 0;
      case CcOp.ADC: return this.ccCarryIn
        ? (this.ccDst & mask) >>> 0 <= (this.ccSrc & mask) >>> 0
        : (this.ccDst & mask) >>> 0 < (this.ccSrc & mask) >>> 0;
      case CcOp.SUB: return ((this.ccDst + this.ccSrc) & mask) >>> 0 < (this.ccSrc & mask) >>> 0;
      case CcOp.SBB: {
        const a = ((this.ccDst + this.ccSrc + this.ccCarryIn) & mask) >>> 0;
        return this.ccCarryIn ? a <= (this.ccSrc & mask) >>> 0 : a < (this.ccSrc & mask) >>> 0;
      }
      case CcOp.LOGIC: return false;
      case CcOp.INC: case CcOp.DEC: return this.ccSrc !== 0;
      case CcOp.SHL: return (this.ccSrc & this.ccSign) !== 0;
      case CcOp.SAR: return (this.ccSrc & 1) !== 0;
      case CcOp.MUL: return this.ccSrc !== 0;
    }
  }

  getZF(): boolean {
    if (this.ccOp === CcOp.EFLAGS) return (this.flags & FLAG_ZF) !== 0;
    return (this.ccDst & ((this.ccSign << 1) - 1)) === 0;
  }

  getSF(): boolean {
    if (this.ccOp === CcOp.EFLAGS) return (this.flags & FLAG_SF) !== 0;
    return (this.ccDst & this.ccSign) !== 0;
  }

  getPF(): boolean {
    if (this.ccOp === CcOp.EFLAGS) return (this.flags & FLAG_PF) !== 0;
    return PARITY[this.ccDst & 0xff] !== 0;
  }

  getAF(): boolean {
    const dst = this.ccDst, src = this.ccSrc;
    switch (this.ccOp) {
      case CcOp.EFLAGS: return (this.flags & FLAG_AF) !== 0;
      case CcOp.ADD: return (((dst - src) ^ src ^ dst) & 0x10) !== 0;
      case CcOp.ADC: return (((dst - src - this.ccCarryIn) ^ src ^ dst) & 0x10) !== 0;
      case CcOp.SUB: return (((dst + src) ^ src ^ dst) & 0x10) !== 0;
      case CcOp.SBB: return (((dst + src + this.ccCarryIn) ^ src ^ dst) & 0x10) !== 0;
      case CcOp.INC: return (((dst - 1) ^ 1 ^ dst) & 0x10) !== 0;
      case CcOp.DEC: return (((dst + 1) ^ 1 ^ dst) & 0x10) !== 0;
      default: return false;
    }
  }

  getOF(): boolean {
    const dst = this.ccDst, src = this.ccSrc, sign = this.ccSign;
    switch (this.ccOp) {
      case CcOp.EFLAGS: return (this.flags & FLAG_OF) !== 0;
      case CcOp.ADD: { const a = dst - src; return ((a ^ ~src) & (a ^ dst) & sign) !== 0; }
      case CcOp.ADC: { const a = dst - src - this.ccCarryIn; return ((a ^ ~src) & (a ^ dst) & sign) !== 0; }
      case CcOp.SUB: { const a = dst + src; return ((a ^ src) & (a ^ dst) & sign) !== 0; }
      case CcOp.SBB: { const a = dst + src + this.ccCarryIn; return ((a ^ src) & (a ^ dst) & sign) !== 0; }
      case CcOp.LOGIC: return false;
      case CcOp.INC: return (dst & ((sign << 1) - 1)) === (sign & ((sign << 1) - 1));
      case CcOp.DEC: return (dst & ((sign << 1) - 1)) === ((sign - 1) & ((sign << 1) - 1));
      case CcOp.SHL: case CcOp.SAR: return ((src ^ dst) & sign) !== 0;
      case CcOp.MUL: return src !== 0;
    }
  }

  /** EFLAGS with the arithmetic bits materialised. */
  getEflags(): number {
    if (this.ccOp === CcOp.EFLAGS) return this.flags;
    let f = this.flags & ~FLAGS_ARITH;
    if (this.getCF()) f |= FLAG_CF;
    if (this.getPF()) f |= FLAG_PF;
    if (this.getAF()) f |= FLAG_AF;
    if (this.getZF()) f |= FLAG_ZF;
    if (this.getSF()) f |= FLAG_SF;
    if (this.getOF()) f |= FLAG_OF;
    return f;
  }

  /** Makes the arithmetic bits concrete in `flags` (before a partial flags update). */
  materializeFlags(): void {
    if (this.ccOp !== CcOp.EFLAGS) {
      this.flags = this.getEflags();
      this.ccOp = CcOp.EFLAGS;
    }
  }

  /** Replaces the arithmetic flags selected by `mask` with those in `value`. */
  setArithFlags(value: number, mask: number): void {
    this.materializeFlags();
    this.flags = (this.flags & ~mask) | (value & mask);
  }

  setCF(on: boolean): void {
    this.materializeFlags();
    this.flags = on ? this.flags | FLAG_CF : this.flags & ~FLAG_CF;
  }

  /** Evaluates condition code `cc` (the low nibble of Jcc/SETcc/CMOVcc, SDM Vol. 1 Table B-1). */
  testCondition(cc: number): boolean {
    let r: boolean;
    switch (cc >> 1) {
      case 0: r = this.getOF(); break;
      case 1: r = this.getCF(); break;
      case 2: r = this.getZF(); break;
      case 3: r = this.getCF() || this.getZF(); break;
      case 4: r = this.getSF(); break;
      case 5: r = this.getPF(); break;
      case 6: r = this.getSF() !== this.getOF(); break;
      default: r = this.getZF() || this.getSF() !== this.getOF(); break;
    }
    return (cc & 1) !== 0 ? !r : r;
  }
}
