// Integer arithmetic and logic: the ALU group, INC/DEC/NEG/NOT/TEST, MUL/IMUL/DIV/IDIV
// (SDM Vol. 2 instruction pages; flags per Vol. 1 Appendix A).

import type { Cpu } from '../cpu.js';
import type { Insn } from '../decode/insn.js';
import { CcOp } from '../lazy-flags.js';
import { Vector } from '../fault.js';
import { EAX, EDX } from '../registers.js';

const S8 = 0x80, S16 = 0x8000, S32 = 0x80000000 | 0;

/** ALU operation `op` (0 ADD, 1 OR, 2 ADC, 3 SBB, 4 AND, 5 SUB, 6 XOR, 7 CMP) on operands of sign bit `sign`. */
export function alu(cpu: Cpu, op: number, a: number, b: number, sign: number): number {
  let r: number;
  switch (op) {
    case 0: r = (a + b) | 0; cpu.ccOp = CcOp.ADD; cpu.ccSrc = b; break;
    case 1: r = a | b; cpu.ccOp = CcOp.LOGIC; break;
    case 2: { const c = cpu.getCF() ? 1 : 0; r = (a + b + c) | 0; cpu.ccOp = CcOp.ADC; cpu.ccSrc = b; cpu.ccCarryIn = c; break; }
    case 3: { const c = cpu.getCF() ? 1 : 0; r = (a - b - c) | 0; cpu.ccOp = CcOp.SBB; cpu.ccSrc = b; cpu.ccCarryIn = c; break; }
    case 4: r = a & b; cpu.ccOp = CcOp.LOGIC; break;
    case 6: r = a ^ b; cpu.ccOp = CcOp.LOGIC; break;
    default: r = (a - b) | 0; cpu.ccOp = CcOp.SUB; cpu.ccSrc = b; break;
  }
  cpu.ccDst = r;
  cpu.ccSign = sign;
  return r;
}

// --- op Eb,Gb / Ev,Gv: the destination is r/m

export function aluEbGb(cpu: Cpu, i: Insn): void {
  const src = cpu.r8[i.reg8]!;
  if (i.mod === 3) {
    const r = alu(cpu, i.sub, cpu.r8[i.rm8]!, src, S8);
    if (i.sub !== 7) cpu.r8[i.rm8] = r;
  } else {
    const addr = cpu.ea(i);
    const v = cpu.read8(i.seg, addr);
    // The store must be known to succeed before the flags change (a fault leaves the instruction undone).
    if (i.sub !== 7) cpu.probeWrite(i.seg, addr, 1);
    const r = alu(cpu, i.sub, v, src, S8);
    if (i.sub !== 7) cpu.write8(i.seg, addr, r);
  }
}

export function aluEvGv32(cpu: Cpu, i: Insn): void {
  const src = cpu.r32[i.reg]!;
  if (i.mod === 3) {
    const r = alu(cpu, i.sub, cpu.r32[i.rm]!, src, S32);
    if (i.sub !== 7) cpu.r32[i.rm] = r;
  } else {
    const addr = cpu.ea(i);
    const v = cpu.read32(i.seg, addr);
    // The store must be known to succeed before the flags change (a fault leaves the instruction undone).
    if (i.sub !== 7) cpu.probeWrite(i.seg, addr, 4);
    const r = alu(cpu, i.sub, v, src, S32);
    if (i.sub !== 7) cpu.write32(i.seg, addr, r);
  }
}

export function aluEvGv16(cpu: Cpu, i: Insn): void {
  const src = cpu.r16[i.reg * 2]!;
  if (i.mod === 3) {
    const r = alu(cpu, i.sub, cpu.r16[i.rm * 2]!, src, S16);
    if (i.sub !== 7) cpu.r16[i.rm * 2] = r;
  } else {
    const addr = cpu.ea(i);
    const v = cpu.read16(i.seg, addr);
    // The store must be known to succeed before the flags change (a fault leaves the instruction undone).
    if (i.sub !== 7) cpu.probeWrite(i.seg, addr, 2);
    const r = alu(cpu, i.sub, v, src, S16);
    if (i.sub !== 7) cpu.write16(i.seg, addr, r);
  }
}

// --- op Gb,Eb / Gv,Ev: the destination is the register

export function aluGbEb(cpu: Cpu, i: Insn): void {
  const src = i.mod === 3 ? cpu.r8[i.rm8]! : cpu.read8(i.seg, cpu.ea(i));
  const r = alu(cpu, i.sub, cpu.r8[i.reg8]!, src, S8);
  if (i.sub !== 7) cpu.r8[i.reg8] = r;
}

export function aluGvEv32(cpu: Cpu, i: Insn): void {
  const src = i.mod === 3 ? cpu.r32[i.rm]! : cpu.read32(i.seg, cpu.ea(i));
  const r = alu(cpu, i.sub, cpu.r32[i.reg]!, src, S32);
  if (i.sub !== 7) cpu.r32[i.reg] = r;
}

export function aluGvEv16(cpu: Cpu, i: Insn): void {
  const src = i.mod === 3 ? cpu.r16[i.rm * 2]! : cpu.read16(i.seg, cpu.ea(i));
  const r = alu(cpu, i.sub, cpu.r16[i.reg * 2]!, src, S16);
  if (i.sub !== 7) cpu.r16[i.reg * 2] = r;
}

// --- op AL,Ib / eAX,Iz

export function aluAlIb(cpu: Cpu, i: Insn): void {
  const r = alu(cpu, i.sub, cpu.r8[0]!, i.imm & 0xff, S8);
  if (i.sub !== 7) cpu.r8[0] = r;
}

export function aluEaxId(cpu: Cpu, i: Insn): void {
  const r = alu(cpu, i.sub, cpu.r32[EAX]!, i.imm, S32);
  if (i.sub !== 7) cpu.r32[EAX] = r;
}

export function aluAxIw(cpu: Cpu, i: Insn): void {
  const r = alu(cpu, i.sub, cpu.r16[0]!, i.imm & 0xffff, S16);
  if (i.sub !== 7) cpu.r16[0] = r;
}

// --- group 1: op Eb,Ib / Ev,Iz / Ev,sIb (the operation is in ModRM.reg)

export function aluEbIb(cpu: Cpu, i: Insn): void {
  if (i.mod === 3) {
    const r = alu(cpu, i.sub, cpu.r8[i.rm8]!, i.imm & 0xff, S8);
    if (i.sub !== 7) cpu.r8[i.rm8] = r;
  } else {
    const addr = cpu.ea(i);
    const v = cpu.read8(i.seg, addr);
    // The store must be known to succeed before the flags change (a fault leaves the instruction undone).
    if (i.sub !== 7) cpu.probeWrite(i.seg, addr, 1);
    const r = alu(cpu, i.sub, v, i.imm & 0xff, S8);
    if (i.sub !== 7) cpu.write8(i.seg, addr, r);
  }
}

export function aluEvI32(cpu: Cpu, i: Insn): void {
  if (i.mod === 3) {
    const r = alu(cpu, i.sub, cpu.r32[i.rm]!, i.imm, S32);
    if (i.sub !== 7) cpu.r32[i.rm] = r;
  } else {
    const addr = cpu.ea(i);
    const v = cpu.read32(i.seg, addr);
    // The store must be known to succeed before the flags change (a fault leaves the instruction undone).
    if (i.sub !== 7) cpu.probeWrite(i.seg, addr, 4);
    const r = alu(cpu, i.sub, v, i.imm, S32);
    if (i.sub !== 7) cpu.write32(i.seg, addr, r);
  }
}

export function aluEvI16(cpu: Cpu, i: Insn): void {
  if (i.mod === 3) {
    const r = alu(cpu, i.sub, cpu.r16[i.rm * 2]!, i.imm & 0xffff, S16);
    if (i.sub !== 7) cpu.r16[i.rm * 2] = r;
  } else {
    const addr = cpu.ea(i);
    const v = cpu.read16(i.seg, addr);
    // The store must be known to succeed before the flags change (a fault leaves the instruction undone).
    if (i.sub !== 7) cpu.probeWrite(i.seg, addr, 2);
    const r = alu(cpu, i.sub, v, i.imm & 0xffff, S16);
    if (i.sub !== 7) cpu.write16(i.seg, addr, r);
  }
}

// --- TEST

function logic(cpu: Cpu, r: number, sign: number): void {
  cpu.ccOp = CcOp.LOGIC;
  cpu.ccDst = r;
  cpu.ccSign = sign;
}

export const testEbGb = (cpu: Cpu, i: Insn) => logic(cpu, readEb(cpu, i) & cpu.r8[i.reg8]!, S8);
export const testEvGv32 = (cpu: Cpu, i: Insn) => logic(cpu, readEv32(cpu, i) & cpu.r32[i.reg]!, S32);
export const testEvGv16 = (cpu: Cpu, i: Insn) => logic(cpu, readEv16(cpu, i) & cpu.r16[i.reg * 2]!, S16);
export const testEbIb = (cpu: Cpu, i: Insn) => logic(cpu, readEb(cpu, i) & i.imm, S8);
export const testEvI32 = (cpu: Cpu, i: Insn) => logic(cpu, readEv32(cpu, i) & i.imm, S32);
export const testEvI16 = (cpu: Cpu, i: Insn) => logic(cpu, readEv16(cpu, i) & i.imm, S16);
export const testAlIb = (cpu: Cpu, i: Insn) => logic(cpu, cpu.r8[0]! & i.imm, S8);
export const testEaxId = (cpu: Cpu, i: Insn) => logic(cpu, cpu.r32[EAX]! & i.imm, S32);
export const testAxIw = (cpu: Cpu, i: Insn) => logic(cpu, cpu.r16[0]! & i.imm, S16);

// --- r/m operand helpers shared by the one-operand groups

export function readEb(cpu: Cpu, i: Insn): number {
  return i.mod === 3 ? cpu.r8[i.rm8]! : cpu.read8(i.seg, cpu.ea(i));
}

export function readEv32(cpu: Cpu, i: Insn): number {
  return i.mod === 3 ? cpu.r32[i.rm]! : cpu.read32(i.seg, cpu.ea(i));
}

export function readEv16(cpu: Cpu, i: Insn): number {
  return i.mod === 3 ? cpu.r16[i.rm * 2]! : cpu.read16(i.seg, cpu.ea(i));
}

/** Read-modify-write of r/m: `fn` maps the old value to the new one. */
function rmwEb(cpu: Cpu, i: Insn, fn: (cpu: Cpu, v: number) => number): void {
  if (i.mod === 3) { cpu.r8[i.rm8] = fn(cpu, cpu.r8[i.rm8]!); return; }
  const addr = cpu.ea(i);
  const v = cpu.read8(i.seg, addr);
  cpu.probeWrite(i.seg, addr, 1);
  cpu.write8(i.seg, addr, fn(cpu, v));
}

function rmwEv32(cpu: Cpu, i: Insn, fn: (cpu: Cpu, v: number) => number): void {
  if (i.mod === 3) { cpu.r32[i.rm] = fn(cpu, cpu.r32[i.rm]!); return; }
  const addr = cpu.ea(i);
  const v = cpu.read32(i.seg, addr);
  cpu.probeWrite(i.seg, addr, 4);
  cpu.write32(i.seg, addr, fn(cpu, v));
}

function rmwEv16(cpu: Cpu, i: Insn, fn: (cpu: Cpu, v: number) => number): void {
  if (i.mod === 3) { cpu.r16[i.rm * 2] = fn(cpu, cpu.r16[i.rm * 2]!); return; }
  const addr = cpu.ea(i);
  const v = cpu.read16(i.seg, addr);
  cpu.probeWrite(i.seg, addr, 2);
  cpu.write16(i.seg, addr, fn(cpu, v));
}

// --- INC / DEC (CF preserved: the old CF goes into ccSrc)

function incBy(cpu: Cpu, v: number, sign: number, delta: number): number {
  const cf = cpu.getCF() ? 1 : 0;
  const r = (v + delta) | 0;
  cpu.ccOp = delta > 0 ? CcOp.INC : CcOp.DEC;
  cpu.ccSrc = cf;
  cpu.ccDst = r;
  cpu.ccSign = sign;
  return r;
}

const inc8 = (cpu: Cpu, v: number) => incBy(cpu, v, S8, 1);
const dec8 = (cpu: Cpu, v: number) => incBy(cpu, v, S8, -1);
const inc16 = (cpu: Cpu, v: number) => incBy(cpu, v, S16, 1);
const dec16 = (cpu: Cpu, v: number) => incBy(cpu, v, S16, -1);
const inc32 = (cpu: Cpu, v: number) => incBy(cpu, v, S32, 1);
const dec32 = (cpu: Cpu, v: number) => incBy(cpu, v, S32, -1);

export const incEb = (cpu: Cpu, i: Insn) => rmwEb(cpu, i, inc8);
export const decEb = (cpu: Cpu, i: Insn) => rmwEb(cpu, i, dec8);
export const incEv32 = (cpu: Cpu, i: Insn) => rmwEv32(cpu, i, inc32);
export const decEv32 = (cpu: Cpu, i: Insn) => rmwEv32(cpu, i, dec32);
export const incEv16 = (cpu: Cpu, i: Insn) => rmwEv16(cpu, i, inc16);
export const decEv16 = (cpu: Cpu, i: Insn) => rmwEv16(cpu, i, dec16);

/** INC/DEC r32 (0x40-0x4F): the register is in the opcode. */
export function incZv32(cpu: Cpu, i: Insn): void { cpu.r32[i.reg] = incBy(cpu, cpu.r32[i.reg]!, S32, 1); }
export function decZv32(cpu: Cpu, i: Insn): void { cpu.r32[i.reg] = incBy(cpu, cpu.r32[i.reg]!, S32, -1); }
export function incZv16(cpu: Cpu, i: Insn): void { cpu.r16[i.reg * 2] = incBy(cpu, cpu.r16[i.reg * 2]!, S16, 1); }
export function decZv16(cpu: Cpu, i: Insn): void { cpu.r16[i.reg * 2] = incBy(cpu, cpu.r16[i.reg * 2]!, S16, -1); }

// --- NOT / NEG

const not = (_cpu: Cpu, v: number) => ~v;
export const notEb = (cpu: Cpu, i: Insn) => rmwEb(cpu, i, not);
export const notEv32 = (cpu: Cpu, i: Insn) => rmwEv32(cpu, i, not);
export const notEv16 = (cpu: Cpu, i: Insn) => rmwEv16(cpu, i, not);

const neg8 = (cpu: Cpu, v: number) => alu(cpu, 5, 0, v & 0xff, S8);
const neg16 = (cpu: Cpu, v: number) => alu(cpu, 5, 0, v & 0xffff, S16);
const neg32 = (cpu: Cpu, v: number) => alu(cpu, 5, 0, v, S32);
export const negEb = (cpu: Cpu, i: Insn) => rmwEb(cpu, i, neg8);
export const negEv32 = (cpu: Cpu, i: Insn) => rmwEv32(cpu, i, neg32);
export const negEv16 = (cpu: Cpu, i: Insn) => rmwEv16(cpu, i, neg16);

// --- MUL / IMUL (CF = OF = "upper half significant"; SF/ZF/AF/PF undefined, computed from the low half)

function setMulFlags(cpu: Cpu, low: number, overflow: boolean, sign: number): void {
  cpu.ccOp = CcOp.MUL;
  cpu.ccDst = low;
  cpu.ccSrc = overflow ? 1 : 0;
  cpu.ccSign = sign;
}

export function mulEb(cpu: Cpu, i: Insn): void {
  const r = cpu.r8[0]! * readEb(cpu, i);
  cpu.r16[0] = r;
  setMulFlags(cpu, r & 0xff, (r & 0xff00) !== 0, S8);
}

export function imulEb(cpu: Cpu, i: Insn): void {
  const r = ((cpu.r8[0]! << 24) >> 24) * ((readEb(cpu, i) << 24) >> 24);
  cpu.r16[0] = r;
  setMulFlags(cpu, r & 0xff, r !== ((r << 24) >> 24), S8);
}

export function mulEv16(cpu: Cpu, i: Insn): void {
  const r = cpu.r16[0]! * readEv16(cpu, i);
  cpu.r16[0] = r;
  cpu.r16[EDX * 2] = r >>> 16;
  setMulFlags(cpu, r & 0xffff, (r >>> 16) !== 0, S16);
}

export function imulEv16(cpu: Cpu, i: Insn): void {
  const r = ((cpu.r16[0]! << 16) >> 16) * ((readEv16(cpu, i) << 16) >> 16);
  cpu.r16[0] = r;
  cpu.r16[EDX * 2] = r >> 16;
  setMulFlags(cpu, r & 0xffff, r !== ((r << 16) >> 16), S16);
}

export function mulEv32(cpu: Cpu, i: Insn): void {
  const a = cpu.r32[EAX]! >>> 0, b = readEv32(cpu, i) >>> 0;
  const low = Math.imul(a, b);
  const high = mulHighUnsigned(a, b);
  cpu.r32[EAX] = low;
  cpu.r32[EDX] = high;
  setMulFlags(cpu, low, high !== 0, S32);
}

export function imulEv32(cpu: Cpu, i: Insn): void {
  const a = cpu.r32[EAX]!, b = readEv32(cpu, i);
  const low = Math.imul(a, b);
  const high = mulHighSigned(a, b);
  cpu.r32[EAX] = low;
  cpu.r32[EDX] = high;
  setMulFlags(cpu, low, high !== (low >> 31), S32);
}

/** The high 32 bits of an unsigned 32×32 product, exact without BigInt. */
export function mulHighUnsigned(a: number, b: number): number {
  const aLo = a & 0xffff, aHi = a >>> 16, bLo = b & 0xffff, bHi = b >>> 16;
  const lo = aLo * bLo;
  const mid1 = aHi * bLo + (lo >>> 16);
  const mid2 = aLo * bHi + (mid1 & 0xffff);
  return (aHi * bHi + Math.floor(mid1 / 0x10000) + Math.floor(mid2 / 0x10000)) | 0;
}

export function mulHighSigned(a: number, b: number): number {
  let high = mulHighUnsigned(a >>> 0, b >>> 0);
  if (a < 0) high = (high - b) | 0;
  if (b < 0) high = (high - a) | 0;
  return high;
}

/** IMUL Gv,Ev[,imm]: the product truncated to the operand size; CF=OF when it does not fit. */
function imulTruncated32(cpu: Cpu, a: number, b: number): number {
  const low = Math.imul(a, b);
  setMulFlags(cpu, low, mulHighSigned(a, b) !== (low >> 31), S32);
  return low;
}

function imulTruncated16(cpu: Cpu, a: number, b: number): number {
  const r = ((a << 16) >> 16) * ((b << 16) >> 16);
  setMulFlags(cpu, r & 0xffff, r !== ((r << 16) >> 16), S16);
  return r;
}

export const imulGvEv32 = (cpu: Cpu, i: Insn) => { cpu.r32[i.reg] = imulTruncated32(cpu, cpu.r32[i.reg]!, readEv32(cpu, i)); };
export const imulGvEv16 = (cpu: Cpu, i: Insn) => { cpu.r16[i.reg * 2] = imulTruncated16(cpu, cpu.r16[i.reg * 2]!, readEv16(cpu, i)); };
export const imulGvEvI32 = (cpu: Cpu, i: Insn) => { cpu.r32[i.reg] = imulTruncated32(cpu, readEv32(cpu, i), i.imm); };
export const imulGvEvI16 = (cpu: Cpu, i: Insn) => { cpu.r16[i.reg * 2] = imulTruncated16(cpu, readEv16(cpu, i), i.imm); };

// --- DIV / IDIV: #DE on a zero divisor or a quotient that does not fit

export function divEb(cpu: Cpu, i: Insn): void {
  const d = readEb(cpu, i);
  if (d === 0) cpu.raise(Vector.DE);
  const n = cpu.r16[0]!;
  const q = Math.floor(n / d);
  if (q > 0xff) cpu.raise(Vector.DE);
  cpu.r8[0] = q;
  cpu.r8[1] = n % d;
}

export function idivEb(cpu: Cpu, i: Insn): void {
  const d = (readEb(cpu, i) << 24) >> 24;
  if (d === 0) cpu.raise(Vector.DE);
  const n = (cpu.r16[0]! << 16) >> 16;
  const q = Math.trunc(n / d);
  if (q > 127 || q < -128) cpu.raise(Vector.DE);
  cpu.r8[0] = q;
  cpu.r8[1] = n % d;
}

export function divEv16(cpu: Cpu, i: Insn): void {
  const d = readEv16(cpu, i);
  if (d === 0) cpu.raise(Vector.DE);
  const n = (cpu.r16[EDX * 2]! * 0x10000 + cpu.r16[0]!);
  const q = Math.floor(n / d);
  if (q > 0xffff) cpu.raise(Vector.DE);
  cpu.r16[0] = q;
  cpu.r16[EDX * 2] = n % d;
}

export function idivEv16(cpu: Cpu, i: Insn): void {
  const d = (readEv16(cpu, i) << 16) >> 16;
  if (d === 0) cpu.raise(Vector.DE);
  const n = (cpu.r16[EDX * 2]! << 16) | cpu.r16[0]!;
  const q = Math.trunc(n / d);
  if (q > 32767 || q < -32768) cpu.raise(Vector.DE);
  cpu.r16[0] = q;
  cpu.r16[EDX * 2] = n % d;
}

export function divEv32(cpu: Cpu, i: Insn): void {
  const d = readEv32(cpu, i) >>> 0;
  if (d === 0) cpu.raise(Vector.DE);
  const hi = cpu.r32[EDX]! >>> 0, lo = cpu.r32[EAX]! >>> 0;
  if (hi >= d) cpu.raise(Vector.DE);
  if (hi === 0) {
    cpu.r32[EAX] = Math.floor(lo / d);
    cpu.r32[EDX] = lo % d;
    return;
  }
  const n = (BigInt(hi) << 32n) | BigInt(lo);
  const bd = BigInt(d);
  cpu.r32[EAX] = Number(n / bd);
  cpu.r32[EDX] = Number(n % bd);
}

export function idivEv32(cpu: Cpu, i: Insn): void {
  const d = readEv32(cpu, i);
  if (d === 0) cpu.raise(Vector.DE);
  const hi = cpu.r32[EDX]!, lo = cpu.r32[EAX]!;
  if (hi === (lo >> 31)) {
    // The dividend fits in 32 bits: plain double arithmetic is exact.
    if (lo === -0x80000000 && d === -1) cpu.raise(Vector.DE);
    cpu.r32[EAX] = Math.trunc(lo / d);
    cpu.r32[EDX] = lo % d;
    return;
  }
  const n = (BigInt(hi) << 32n) | BigInt(lo >>> 0);
  const bd = BigInt(d);
  const q = n / bd;
  if (q > 0x7fffffffn || q < -0x80000000n) cpu.raise(Vector.DE);
  cpu.r32[EAX] = Number(q);
  cpu.r32[EDX] = Number(n % bd);
}
