// Shifts and rotates: group 2 (ROL ROR RCL RCR SHL SHR SAL SAR), SHLD and SHRD (SDM Vol. 2B).
// A masked count of zero changes neither the operand nor the flags.

import type { Cpu } from '../cpu.js';
import type { Insn } from '../decode/insn.js';
import { CcOp } from '../lazy-flags.js';
import { FLAG_CF, FLAG_OF } from '../eflags.js';
import { ECX } from '../registers.js';

/** Applies group-2 operation `op` to `v` (an unsigned `bits`-wide value) by `count` (already masked to 0..31). */
export function shiftOp(cpu: Cpu, op: number, v: number, count: number, bits: number): number {
  const mask = bits === 32 ? -1 : (1 << bits) - 1;
  const sign = bits === 32 ? 0x80000000 | 0 : 1 << (bits - 1);
  v &= mask;
  switch (op) {
    case 0: return rotateLeft(cpu, v, count, bits, mask, sign);
    case 1: return rotateRight(cpu, v, count, bits, mask, sign);
    case 2: return rotateCarryLeft(cpu, v, count, bits, mask, sign);
    case 3: return rotateCarryRight(cpu, v, count, bits, mask, sign);
    case 4: case 6: {
      const r = count < 32 ? (v << count) & mask : 0;
      cpu.ccOp = CcOp.SHL; cpu.ccSrc = v << (count - 1); cpu.ccDst = r; cpu.ccSign = sign;
      return r;
    }
    case 5: {
      const r = v >>> count;
      cpu.ccOp = CcOp.SAR; cpu.ccSrc = v >>> (count - 1); cpu.ccDst = r; cpu.ccSign = sign;
      return r;
    }
    default: {
      const sv = bits === 32 ? v : (v << (32 - bits)) >> (32 - bits);
      const r = (sv >> count) & mask;
      cpu.ccOp = CcOp.SAR; cpu.ccSrc = sv >> (count - 1); cpu.ccDst = r; cpu.ccSign = sign;
      return r;
    }
  }
}

function setCfOf(cpu: Cpu, cf: boolean, of: boolean): void {
  cpu.setArithFlags((cf ? FLAG_CF : 0) | (of ? FLAG_OF : 0), FLAG_CF | FLAG_OF);
}

function rotateLeft(cpu: Cpu, v: number, count: number, bits: number, mask: number, sign: number): number {
  const n = count % bits;
  const r = n === 0 ? v : ((v << n) | (v >>> (bits - n))) & mask;
  const cf = (r & 1) !== 0;
  setCfOf(cpu, cf, ((r & sign) !== 0) !== cf);
  return r;
}

function rotateRight(cpu: Cpu, v: number, count: number, bits: number, mask: number, sign: number): number {
  const n = count % bits;
  const r = n === 0 ? v : ((v >>> n) | (v << (bits - n))) & mask;
  const msb = (r & sign) !== 0;
  const next = (r & (sign >>> 1)) !== 0;
  setCfOf(cpu, msb, msb !== next);
  return r;
}

function rotateCarryLeft(cpu: Cpu, v: number, count: number, bits: number, mask: number, sign: number): number {
  const n = count % (bits + 1);
  let cf = cpu.getCF() ? 1 : 0;
  let r = v;
  for (let k = 0; k < n; k++) {
    const out = (r & sign) !== 0 ? 1 : 0;
    r = ((r << 1) | cf) & mask;
    cf = out;
  }
  setCfOf(cpu, cf !== 0, ((r & sign) !== 0) !== (cf !== 0));
  return r;
}

function rotateCarryRight(cpu: Cpu, v: number, count: number, bits: number, mask: number, sign: number): number {
  const n = count % (bits + 1);
  let cf = cpu.getCF() ? 1 : 0;
  const of = ((v & sign) !== 0) !== (cf !== 0);
  let r = v;
  for (let k = 0; k < n; k++) {
    const out = r & 1;
    r = ((r >>> 1) | (cf ? sign : 0)) & mask;
    cf = out;
  }
  setCfOf(cpu, cf !== 0, of);
  return r;
}

/** Group 2 on r/m with the count from Ib, 1 or CL (the decoder leaves it in imm, or -1 for CL). */
function shiftCount(cpu: Cpu, i: Insn): number {
  return (i.imm < 0 ? cpu.r8[ECX * 4]! : i.imm) & 31;
}

export function shiftEb(cpu: Cpu, i: Insn): void {
  const count = shiftCount(cpu, i);
  if (i.mod === 3) {
    if (count) cpu.r8[i.rm8] = shiftOp(cpu, i.sub, cpu.r8[i.rm8]!, count, 8);
    return;
  }
  const addr = cpu.ea(i);
  const v = cpu.read8(i.seg, addr);
  if (!count) return;
  cpu.probeWrite(i.seg, addr, 1);
  cpu.write8(i.seg, addr, shiftOp(cpu, i.sub, v, count, 8));
}

export function shiftEv16(cpu: Cpu, i: Insn): void {
  const count = shiftCount(cpu, i);
  if (i.mod === 3) {
    if (count) cpu.r16[i.rm * 2] = shiftOp(cpu, i.sub, cpu.r16[i.rm * 2]!, count, 16);
    return;
  }
  const addr = cpu.ea(i);
  const v = cpu.read16(i.seg, addr);
  if (!count) return;
  cpu.probeWrite(i.seg, addr, 2);
  cpu.write16(i.seg, addr, shiftOp(cpu, i.sub, v, count, 16));
}

export function shiftEv32(cpu: Cpu, i: Insn): void {
  const count = shiftCount(cpu, i);
  if (i.mod === 3) {
    if (count) cpu.r32[i.rm] = shiftOp(cpu, i.sub, cpu.r32[i.rm]!, count, 32);
    return;
  }
  const addr = cpu.ea(i);
  const v = cpu.read32(i.seg, addr);
  if (!count) return;
  cpu.probeWrite(i.seg, addr, 4);
  cpu.write32(i.seg, addr, shiftOp(cpu, i.sub, v, count, 32));
}

/** SHLD/SHRD: `left` selects SHLD; the count comes from Ib (imm ≥ 0) or CL (imm = -1). */
function doubleShift(cpu: Cpu, dest: number, src: number, count: number, bits: number, left: boolean): number {
  const mask = bits === 32 ? -1 : 0xffff;
  const sign = bits === 32 ? 0x80000000 | 0 : 0x8000;
  dest &= mask; src &= mask;
  let r: number;
  if (bits === 16) {
    // 16-bit forms shift the 32-bit concatenation; counts above 16 give an undefined result (SDM).
    const wide = left ? (dest << 16) | src : (src << 16) | dest;
    r = left ? ((wide << count) | (count > 16 ? dest << (count - 16) : 0)) >>> 16 : wide >>> count;
    r &= mask;
  } else {
    r = left ? (dest << count) | (src >>> (32 - count)) : (dest >>> count) | (src << (32 - count));
  }
  cpu.ccOp = left ? CcOp.SHL : CcOp.SAR;
  cpu.ccSrc = left ? dest << (count - 1) : dest >>> (count - 1);
  cpu.ccDst = r;
  cpu.ccSign = sign;
  return r;
}

function makeDoubleShift(bits: number, left: boolean) {
  return (cpu: Cpu, i: Insn): void => {
    const count = (i.imm < 0 ? cpu.r8[ECX * 4]! : i.imm) & 31;
    const src = bits === 32 ? cpu.r32[i.reg]! : cpu.r16[i.reg * 2]!;
    if (i.mod === 3) {
      if (!count) return;
      if (bits === 32) cpu.r32[i.rm] = doubleShift(cpu, cpu.r32[i.rm]!, src, count, 32, left);
      else cpu.r16[i.rm * 2] = doubleShift(cpu, cpu.r16[i.rm * 2]!, src, count, 16, left);
      return;
    }
    const addr = cpu.ea(i);
    const v = bits === 32 ? cpu.read32(i.seg, addr) : cpu.read16(i.seg, addr);
    if (!count) return;
    cpu.probeWrite(i.seg, addr, bits / 8);
    const r = doubleShift(cpu, v, src, count, bits, left);
    if (bits === 32) cpu.write32(i.seg, addr, r); else cpu.write16(i.seg, addr, r);
  };
}

export const shld32 = makeDoubleShift(32, true);
export const shld16 = makeDoubleShift(16, true);
export const shrd32 = makeDoubleShift(32, false);
export const shrd16 = makeDoubleShift(16, false);
