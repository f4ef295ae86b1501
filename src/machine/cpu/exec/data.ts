// Data transfer: MOV forms, MOVZX/MOVSX, LEA, XCHG, XADD, CMPXCHG(8B), BSWAP, conversions,
// SETcc/CMOVcc, LAHF/SAHF, stack operations, PUSHA/POPA, PUSHF/POPF, bit tests and scans (SDM Vol. 2).

import type { Cpu } from '../cpu.js';
import type { Insn } from '../decode/insn.js';
import { CcOp } from '../lazy-flags.js';
import { EAX, ECX, EDX, EBX, ESP, EBP, SS } from '../registers.js';
import { FLAG_AF, FLAG_CF, FLAG_PF, FLAG_SF, FLAG_ZF, FLAG_IF, FLAG_IOPL, FLAG_VM, FLAG_RF, FLAG_AC, FLAG_ID, FLAG_NT, FLAG_DF, FLAG_TF, FLAGS_ARITH } from '../eflags.js';
import { alu, readEb, readEv16, readEv32 } from './arith.js';
import { loadSegment } from '../protection/segment-load.js';
import { Vector } from '../fault.js';

// --- MOV

export function movEbGb(cpu: Cpu, i: Insn): void {
  if (i.mod === 3) cpu.r8[i.rm8] = cpu.r8[i.reg8]!;
  else cpu.write8(i.seg, cpu.ea(i), cpu.r8[i.reg8]!);
}
export function movEvGv32(cpu: Cpu, i: Insn): void {
  if (i.mod === 3) cpu.r32[i.rm] = cpu.r32[i.reg]!;
  else cpu.write32(i.seg, cpu.ea(i), cpu.r32[i.reg]!);
}
export function movEvGv16(cpu: Cpu, i: Insn): void {
  if (i.mod === 3) cpu.r16[i.rm * 2] = cpu.r16[i.reg * 2]!;
  else cpu.write16(i.seg, cpu.ea(i), cpu.r16[i.reg * 2]!);
}
export function movGbEb(cpu: Cpu, i: Insn): void { cpu.r8[i.reg8] = readEb(cpu, i); }
export function movGvEv32(cpu: Cpu, i: Insn): void { cpu.r32[i.reg] = readEv32(cpu, i); }
export function movGvEv16(cpu: Cpu, i: Insn): void { cpu.r16[i.reg * 2] = readEv16(cpu, i); }
export function movEbIb(cpu: Cpu, i: Insn): void {
  if (i.mod === 3) cpu.r8[i.rm8] = i.imm;
  else cpu.write8(i.seg, cpu.ea(i), i.imm);
}
export function movEvI32(cpu: Cpu, i: Insn): void {
  if (i.mod === 3) cpu.r32[i.rm] = i.imm;
  else cpu.write32(i.seg, cpu.ea(i), i.imm);
}
export function movEvI16(cpu: Cpu, i: Insn): void {
  if (i.mod === 3) cpu.r16[i.rm * 2] = i.imm;
  else cpu.write16(i.seg, cpu.ea(i), i.imm);
}
/** MOV r8, imm8 / MOV r, imm (B0-BF): the register is in the opcode (decoded into reg/reg8). */
export function movZbIb(cpu: Cpu, i: Insn): void { cpu.r8[i.reg8] = i.imm; }
export function movZvI32(cpu: Cpu, i: Insn): void { cpu.r32[i.reg] = i.imm; }
export function movZvI16(cpu: Cpu, i: Insn): void { cpu.r16[i.reg * 2] = i.imm; }
/** MOV AL/eAX, moffs and back (A0-A3): the offset is in disp. */
export function movAlOb(cpu: Cpu, i: Insn): void { cpu.r8[0] = cpu.read8(i.seg, i.disp); }
export function movEaxOv32(cpu: Cpu, i: Insn): void { cpu.r32[EAX] = cpu.read32(i.seg, i.disp); }
export function movAxOv16(cpu: Cpu, i: Insn): void { cpu.r16[0] = cpu.read16(i.seg, i.disp); }
export function movObAl(cpu: Cpu, i: Insn): void { cpu.write8(i.seg, i.disp, cpu.r8[0]!); }
export function movOvEax32(cpu: Cpu, i: Insn): void { cpu.write32(i.seg, i.disp, cpu.r32[EAX]!); }
export function movOvAx16(cpu: Cpu, i: Insn): void { cpu.write16(i.seg, i.disp, cpu.r16[0]!); }

export function lea32(cpu: Cpu, i: Insn): void {
  if (i.mod === 3) cpu.raiseUD();
  cpu.r32[i.reg] = cpu.ea(i);
}
export function lea16(cpu: Cpu, i: Insn): void {
  if (i.mod === 3) cpu.raiseUD();
  cpu.r16[i.reg * 2] = cpu.ea(i);
}

// --- MOVZX / MOVSX

export const movzxGvEb32 = (cpu: Cpu, i: Insn) => { cpu.r32[i.reg] = readEb(cpu, i); };
export const movzxGvEb16 = (cpu: Cpu, i: Insn) => { cpu.r16[i.reg * 2] = readEb(cpu, i); };
export const movzxGvEw32 = (cpu: Cpu, i: Insn) => { cpu.r32[i.reg] = readEv16(cpu, i); };
export const movzxGvEw16 = (cpu: Cpu, i: Insn) => { cpu.r16[i.reg * 2] = readEv16(cpu, i); };
export const movsxGvEb32 = (cpu: Cpu, i: Insn) => { cpu.r32[i.reg] = (readEb(cpu, i) << 24) >> 24; };
export const movsxGvEb16 = (cpu: Cpu, i: Insn) => { cpu.r16[i.reg * 2] = (readEb(cpu, i) << 24) >> 24; };
export const movsxGvEw32 = (cpu: Cpu, i: Insn) => { cpu.r32[i.reg] = (readEv16(cpu, i) << 16) >> 16; };
export const movsxGvEw16 = (cpu: Cpu, i: Insn) => { cpu.r16[i.reg * 2] = readEv16(cpu, i); };

// --- XCHG / XADD / CMPXCHG / BSWAP

export function xchgEbGb(cpu: Cpu, i: Insn): void {
  const r = cpu.r8[i.reg8]!;
  if (i.mod === 3) { cpu.r8[i.reg8] = cpu.r8[i.rm8]!; cpu.r8[i.rm8] = r; return; }
  const addr = cpu.ea(i);
  const v = cpu.read8(i.seg, addr);
  cpu.write8(i.seg, addr, r);
  cpu.r8[i.reg8] = v;
}
export function xchgEvGv32(cpu: Cpu, i: Insn): void {
  const r = cpu.r32[i.reg]!;
  if (i.mod === 3) { cpu.r32[i.reg] = cpu.r32[i.rm]!; cpu.r32[i.rm] = r; return; }
  const addr = cpu.ea(i);
  const v = cpu.read32(i.seg, addr);
  cpu.write32(i.seg, addr, r);
  cpu.r32[i.reg] = v;
}
export function xchgEvGv16(cpu: Cpu, i: Insn): void {
  const r = cpu.r16[i.reg * 2]!;
  if (i.mod === 3) { cpu.r16[i.reg * 2] = cpu.r16[i.rm * 2]!; cpu.r16[i.rm * 2] = r; return; }
  const addr = cpu.ea(i);
  const v = cpu.read16(i.seg, addr);
  cpu.write16(i.seg, addr, r);
  cpu.r16[i.reg * 2] = v;
}
/** XCHG eAX, r (91-97). */
export function xchgZvEax32(cpu: Cpu, i: Insn): void { const t = cpu.r32[EAX]!; cpu.r32[EAX] = cpu.r32[i.reg]!; cpu.r32[i.reg] = t; }
export function xchgZvAx16(cpu: Cpu, i: Insn): void { const t = cpu.r16[0]!; cpu.r16[0] = cpu.r16[i.reg * 2]!; cpu.r16[i.reg * 2] = t; }

export function xaddEbGb(cpu: Cpu, i: Insn): void {
  const src = cpu.r8[i.reg8]!;
  // SRC := DEST before DEST := SUM, so that XADD r8, r8 on one register leaves the sum (SDM XADD).
  if (i.mod === 3) { const d = cpu.r8[i.rm8]!; cpu.r8[i.reg8] = d; cpu.r8[i.rm8] = alu(cpu, 0, d, src, 0x80); return; }
  const addr = cpu.ea(i);
  const d = cpu.read8(i.seg, addr);
  cpu.probeWrite(i.seg, addr, 1);
  cpu.write8(i.seg, addr, alu(cpu, 0, d, src, 0x80));
  cpu.r8[i.reg8] = d;
}
export function xaddEvGv32(cpu: Cpu, i: Insn): void {
  const src = cpu.r32[i.reg]!;
  if (i.mod === 3) { const d = cpu.r32[i.rm]!; cpu.r32[i.reg] = d; cpu.r32[i.rm] = alu(cpu, 0, d, src, 0x80000000 | 0); return; }
  const addr = cpu.ea(i);
  const d = cpu.read32(i.seg, addr);
  cpu.probeWrite(i.seg, addr, 4);
  cpu.write32(i.seg, addr, alu(cpu, 0, d, src, 0x80000000 | 0));
  cpu.r32[i.reg] = d;
}
export function xaddEvGv16(cpu: Cpu, i: Insn): void {
  const src = cpu.r16[i.reg * 2]!;
  if (i.mod === 3) { const d = cpu.r16[i.rm * 2]!; cpu.r16[i.reg * 2] = d; cpu.r16[i.rm * 2] = alu(cpu, 0, d, src, 0x8000); return; }
  const addr = cpu.ea(i);
  const d = cpu.read16(i.seg, addr);
  cpu.probeWrite(i.seg, addr, 2);
  cpu.write16(i.seg, addr, alu(cpu, 0, d, src, 0x8000));
  cpu.r16[i.reg * 2] = d;
}

/** CMPXCHG: compare the accumulator with r/m; the memory operand is always written (SDM: "the destination receives a write cycle"). */
export function cmpxchgEbGb(cpu: Cpu, i: Insn): void {
  const addr = i.mod === 3 ? 0 : cpu.ea(i);
  const d = i.mod === 3 ? cpu.r8[i.rm8]! : cpu.read8(i.seg, addr);
  if (i.mod !== 3) cpu.probeWrite(i.seg, addr, 1);
  alu(cpu, 7, cpu.r8[0]!, d, 0x80);
  const equal = (d === cpu.r8[0]);
  const out = equal ? cpu.r8[i.reg8]! : d;
  if (i.mod === 3) cpu.r8[i.rm8] = out; else cpu.write8(i.seg, addr, out);
  if (!equal) cpu.r8[0] = d;
}
export function cmpxchgEvGv32(cpu: Cpu, i: Insn): void {
  const addr = i.mod === 3 ? 0 : cpu.ea(i);
  const d = i.mod === 3 ? cpu.r32[i.rm]! : cpu.read32(i.seg, addr);
  if (i.mod !== 3) cpu.probeWrite(i.seg, addr, 4);
  const a = cpu.r32[EAX]!;
  alu(cpu, 7, a, d, 0x80000000 | 0);
  const out = a === d ? cpu.r32[i.reg]! : d;
  if (i.mod === 3) cpu.r32[i.rm] = out; else cpu.write32(i.seg, addr, out);
  if (a !== d) cpu.r32[EAX] = d;
}
export function cmpxchgEvGv16(cpu: Cpu, i: Insn): void {
  const addr = i.mod === 3 ? 0 : cpu.ea(i);
  const d = i.mod === 3 ? cpu.r16[i.rm * 2]! : cpu.read16(i.seg, addr);
  if (i.mod !== 3) cpu.probeWrite(i.seg, addr, 2);
  const a = cpu.r16[0]!;
  alu(cpu, 7, a, d, 0x8000);
  const out = a === d ? cpu.r16[i.reg * 2]! : d;
  if (i.mod === 3) cpu.r16[i.rm * 2] = out; else cpu.write16(i.seg, addr, out);
  if (a !== d) cpu.r16[0] = d;
}

/** CMPXCHG8B m64 (0F C7 /1); a register operand is #UD. */
export function cmpxchg8b(cpu: Cpu, i: Insn): void {
  if (i.mod === 3) cpu.raiseUD();
  const addr = cpu.ea(i);
  const lo = cpu.read32(i.seg, addr), hi = cpu.read32(i.seg, (addr + 4) | 0);
  cpu.probeWrite(i.seg, addr, 8);
  const equal = lo === cpu.r32[EAX] && hi === cpu.r32[EDX];
  if (equal) {
    cpu.write32(i.seg, addr, cpu.r32[EBX]!);
    cpu.write32(i.seg, (addr + 4) | 0, cpu.r32[ECX]!);
  } else {
    cpu.write32(i.seg, addr, lo);
    cpu.write32(i.seg, (addr + 4) | 0, hi);
    cpu.r32[EAX] = lo;
    cpu.r32[EDX] = hi;
  }
  cpu.setArithFlags(equal ? FLAG_ZF : 0, FLAG_ZF);
}

export function bswap(cpu: Cpu, i: Insn): void {
  const v = cpu.r32[i.reg]!;
  cpu.r32[i.reg] = ((v >>> 24) | ((v >>> 8) & 0xff00) | ((v << 8) & 0xff0000) | (v << 24));
}

// --- conversions

export function cwde(cpu: Cpu): void { cpu.r32[EAX] = (cpu.r16[0]! << 16) >> 16; }
export function cbw(cpu: Cpu): void { cpu.r16[0] = (cpu.r8[0]! << 24) >> 24; }
export function cdq(cpu: Cpu): void { cpu.r32[EDX] = cpu.r32[EAX]! >> 31; }
export function cwd(cpu: Cpu): void { cpu.r16[EDX * 2] = (cpu.r16[0]! & 0x8000) ? 0xffff : 0; }

// --- SETcc / CMOVcc (the condition is in sub)

export function setcc(cpu: Cpu, i: Insn): void {
  const v = cpu.testCondition(i.sub) ? 1 : 0;
  if (i.mod === 3) cpu.r8[i.rm8] = v;
  else cpu.write8(i.seg, cpu.ea(i), v);
}
export function cmovcc32(cpu: Cpu, i: Insn): void {
  const v = readEv32(cpu, i);
  if (cpu.testCondition(i.sub)) cpu.r32[i.reg] = v;
}
export function cmovcc16(cpu: Cpu, i: Insn): void {
  const v = readEv16(cpu, i);
  if (cpu.testCondition(i.sub)) cpu.r16[i.reg * 2] = v;
}

// --- flags

export function lahf(cpu: Cpu): void { cpu.r8[1] = (cpu.getEflags() & 0xff) | 2; }
export function sahf(cpu: Cpu): void {
  cpu.setArithFlags(cpu.r8[1]!, FLAG_SF | FLAG_ZF | FLAG_AF | FLAG_PF | FLAG_CF);
}
export function clc(cpu: Cpu): void { cpu.setCF(false); }
export function stc(cpu: Cpu): void { cpu.setCF(true); }
export function cmc(cpu: Cpu): void { cpu.setCF(!cpu.getCF()); }
export function cld(cpu: Cpu): void { cpu.flags &= ~FLAG_DF; }
export function std(cpu: Cpu): void { cpu.flags |= FLAG_DF; }

/** IOPL sensitivity of CLI/STI (SDM CLI/STI, protected mode without VME/PVI). */
function checkIopl(cpu: Cpu): void {
  if (cpu.protectedMode && cpu.cpl > ((cpu.flags & FLAG_IOPL) >>> 12)) cpu.raiseGP(0);
}
export function cli(cpu: Cpu): void { checkIopl(cpu); cpu.flags &= ~FLAG_IF; }
export function sti(cpu: Cpu): void {
  checkIopl(cpu);
  if (!(cpu.flags & FLAG_IF)) {
    cpu.flags |= FLAG_IF;
    cpu.interruptShadow = true;
    cpu.eventCheck = true;
  }
}

/** Which EFLAGS bits POPF may change at the current CPL and IOPL (SDM POPF, Table "POPF"). */
function popfMask(cpu: Cpu, o32: boolean): number {
  let mask = FLAGS_ARITH | FLAG_TF | FLAG_DF | FLAG_NT;
  if (o32) mask |= FLAG_AC | FLAG_ID;
  const iopl = (cpu.flags & FLAG_IOPL) >>> 12;
  if (!cpu.protectedMode || cpu.cpl === 0) mask |= FLAG_IOPL | FLAG_IF;
  else if (cpu.cpl <= iopl) mask |= FLAG_IF;
  return o32 ? mask : mask & 0xffff;
}
export function pushf(cpu: Cpu, i: Insn): void {
  if ((cpu.flags & FLAG_VM) && ((cpu.flags & FLAG_IOPL) >>> 12) < 3) cpu.raiseGP(0);
  const f = cpu.getEflags() & ~(FLAG_VM | FLAG_RF);
  if (i.o32) cpu.push32(f); else cpu.push16(f);
}
export function popf(cpu: Cpu, i: Insn): void {
  if ((cpu.flags & FLAG_VM) && ((cpu.flags & FLAG_IOPL) >>> 12) < 3) cpu.raiseGP(0);
  const v = i.o32 ? cpu.pop32() : cpu.pop16();
  cpu.setEflags(v, popfMask(cpu, i.o32));
}

// --- PUSH / POP

export function pushZv32(cpu: Cpu, i: Insn): void { cpu.push32(cpu.r32[i.reg]!); }
export function pushZv16(cpu: Cpu, i: Insn): void { cpu.push16(cpu.r16[i.reg * 2]!); }
export function popZv32(cpu: Cpu, i: Insn): void { const v = cpu.pop32(); cpu.r32[i.reg] = v; }
export function popZv16(cpu: Cpu, i: Insn): void { const v = cpu.pop16(); cpu.r16[i.reg * 2] = v; }
export function pushI32(cpu: Cpu, i: Insn): void { cpu.push32(i.imm); }
export function pushI16(cpu: Cpu, i: Insn): void { cpu.push16(i.imm); }
export function pushEv32(cpu: Cpu, i: Insn): void { cpu.push32(readEv32(cpu, i)); }
export function pushEv16(cpu: Cpu, i: Insn): void { cpu.push16(readEv16(cpu, i)); }

/** POP r/m: ESP is incremented before the effective address is computed (SDM POP). */
export function popEv32(cpu: Cpu, i: Insn): void {
  const v = cpu.stackRead32(0);
  if (i.mod === 3) { cpu.adjustEsp(4); cpu.r32[i.rm] = v; return; }
  const esp = cpu.r32[ESP]!;
  cpu.adjustEsp(4);
  try { cpu.write32(i.seg, cpu.ea(i), v); } catch (e) { cpu.r32[ESP] = esp; throw e; }
}
export function popEv16(cpu: Cpu, i: Insn): void {
  const v = cpu.stackRead16(0);
  if (i.mod === 3) { cpu.adjustEsp(2); cpu.r16[i.rm * 2] = v; return; }
  const esp = cpu.r32[ESP]!;
  cpu.adjustEsp(2);
  try { cpu.write16(i.seg, cpu.ea(i), v); } catch (e) { cpu.r32[ESP] = esp; throw e; }
}

export function pusha32(cpu: Cpu): void {
  const sp = cpu.r32[ESP]!;
  cpu.probeWrite(SS, cpu.ss32 ? (sp - 32) | 0 : (sp - 32) & 0xffff, 32);
  for (let r = 0; r < 8; r++) cpu.push32(r === ESP ? sp : cpu.r32[r]!);
}
export function pusha16(cpu: Cpu): void {
  const sp = cpu.r16[ESP * 2]!;
  cpu.probeWrite(SS, cpu.ss32 ? (cpu.r32[ESP]! - 16) | 0 : (sp - 16) & 0xffff, 16);
  for (let r = 0; r < 8; r++) cpu.push16(r === ESP ? sp : cpu.r16[r * 2]!);
}
const popaScratch32 = new Int32Array(8);
const popaScratch16 = new Uint16Array(8);

export function popa32(cpu: Cpu): void {
  const v = popaScratch32;
  for (let r = 7; r >= 0; r--) v[r] = cpu.stackRead32((7 - r) * 4);
  cpu.adjustEsp(32);
  for (let r = 0; r < 8; r++) if (r !== ESP) cpu.r32[r] = v[r]!;
}
export function popa16(cpu: Cpu): void {
  const v = popaScratch16;
  for (let r = 7; r >= 0; r--) v[r] = cpu.stackRead16((7 - r) * 2);
  cpu.adjustEsp(16);
  for (let r = 0; r < 8; r++) if (r !== ESP) cpu.r16[r * 2] = v[r]!;
}

/** PUSH Sreg: a 32-bit push of a selector writes only the low word on current CPUs; we store the zero-extended value as QEMU does. */
export function pushSreg32(cpu: Cpu, i: Insn): void { cpu.push32(cpu.sreg[i.sub]!); }
export function pushSreg16(cpu: Cpu, i: Insn): void { cpu.push16(cpu.sreg[i.sub]!); }
export function popSreg32(cpu: Cpu, i: Insn): void {
  const sel = cpu.stackRead32(0) & 0xffff;
  loadSegment(cpu, i.sub, sel);
  cpu.adjustEsp(4);
  if (i.sub === SS) cpu.shadowAfterStackLoad();
}
export function popSreg16(cpu: Cpu, i: Insn): void {
  const sel = cpu.stackRead16(0);
  loadSegment(cpu, i.sub, sel);
  cpu.adjustEsp(2);
  if (i.sub === SS) cpu.shadowAfterStackLoad();
}

/** MOV Sreg, Ew (8E); loading CS this way is #UD. */
export function movSwEw(cpu: Cpu, i: Insn): void {
  if (i.reg === 1 || i.reg > 5) cpu.raiseUD();
  const sel = i.mod === 3 ? cpu.r16[i.rm * 2]! : cpu.read16(i.seg, cpu.ea(i));
  loadSegment(cpu, i.reg, sel);
  if (i.reg === SS) cpu.shadowAfterStackLoad();
}
/** MOV Ew, Sreg (8C): a register destination gets the zero-extended selector with a 32-bit operand size. */
export function movEwSw(cpu: Cpu, i: Insn): void {
  if (i.reg > 5) cpu.raiseUD();
  const sel = cpu.sreg[i.reg]!;
  if (i.mod === 3) { if (i.o32) cpu.r32[i.rm] = sel; else cpu.r16[i.rm * 2] = sel; }
  else cpu.write16(i.seg, cpu.ea(i), sel);
}

/** LDS/LES/LFS/LGS/LSS Gv, Mp: the segment is in sub. */
export function loadFarPointer(cpu: Cpu, i: Insn): void {
  if (i.mod === 3) cpu.raiseUD();
  const addr = cpu.ea(i);
  const off = i.o32 ? cpu.read32(i.seg, addr) : cpu.read16(i.seg, addr);
  const sel = cpu.read16(i.seg, (addr + (i.o32 ? 4 : 2)) | 0);
  loadSegment(cpu, i.sub, sel);
  if (i.o32) cpu.r32[i.reg] = off; else cpu.r16[i.reg * 2] = off;
  if (i.sub === SS) cpu.shadowAfterStackLoad();
}

// --- ENTER / LEAVE

export function leave32(cpu: Cpu, i: Insn): void {
  const ebp = cpu.ss32 ? cpu.r32[EBP]! : cpu.r16[EBP * 2]!;
  const v = i.o32 ? cpu.read32(SS, ebp) : cpu.read16(SS, ebp);
  if (cpu.ss32) cpu.r32[ESP] = (ebp + (i.o32 ? 4 : 2)) | 0; else cpu.r16[ESP * 2] = ebp + (i.o32 ? 4 : 2);
  if (i.o32) cpu.r32[EBP] = v; else cpu.r16[EBP * 2] = v;
}

/** ENTER imm16, imm8 (SDM ENTER): nesting level taken modulo 32. */
export function enter(cpu: Cpu, i: Insn): void {
  const size = i.imm & 0xffff;
  const level = i.imm2 & 31;
  const w = i.o32 ? 4 : 2;
  const espBefore = cpu.r32[ESP]!;
  const ebpBefore = cpu.r32[EBP]!;
  try {
    if (i.o32) cpu.push32(ebpBefore); else cpu.push16(ebpBefore);
    const frameTemp = cpu.ss32 ? cpu.r32[ESP]! : cpu.r16[ESP * 2]!;
    if (level > 0) {
      let bp = cpu.ss32 ? ebpBefore : ebpBefore & 0xffff;
      for (let k = 1; k < level; k++) {
        bp = cpu.ss32 ? (bp - w) | 0 : (bp - w) & 0xffff;
        const v = i.o32 ? cpu.read32(SS, bp) : cpu.read16(SS, bp);
        if (i.o32) cpu.push32(v); else cpu.push16(v);
      }
      if (i.o32) cpu.push32(frameTemp); else cpu.push16(frameTemp);
    }
    const newEsp = cpu.ss32 ? (cpu.r32[ESP]! - size) | 0 : (cpu.r16[ESP * 2]! - size) & 0xffff;
    if (size) cpu.probeWrite(SS, newEsp, 1);
    if (i.o32) cpu.r32[EBP] = frameTemp; else cpu.r16[EBP * 2] = frameTemp;
    if (cpu.ss32) cpu.r32[ESP] = newEsp; else cpu.r16[ESP * 2] = newEsp;
  } catch (e) {
    cpu.r32[ESP] = espBefore;
    cpu.r32[EBP] = ebpBefore;
    throw e;
  }
}

// --- BT / BTS / BTR / BTC and BSF / BSR

/** op: 0 BT, 1 BTS, 2 BTR, 3 BTC. A register bit offset may address memory outside the operand (SDM BT). */
function bitOp(cpu: Cpu, i: Insn, offset: number, op: number, fromImm: boolean): void {
  const bits = i.o32 ? 32 : 16;
  if (i.mod === 3) {
    const bit = offset & (bits - 1);
    const v = i.o32 ? cpu.r32[i.rm]! : cpu.r16[i.rm * 2]!;
    setBitFlags(cpu, (v >>> bit) & 1);
    if (op === 0) return;
    const r = op === 1 ? v | (1 << bit) : op === 2 ? v & ~(1 << bit) : v ^ (1 << bit);
    if (i.o32) cpu.r32[i.rm] = r; else cpu.r16[i.rm * 2] = r;
    return;
  }
  let addr = cpu.ea(i);
  let bit: number;
  if (fromImm) {
    bit = offset & (bits - 1);
  } else {
    const signed = i.o32 ? offset : (offset << 16) >> 16;
    const bytes = Math.floor(signed / bits) * (bits / 8);
    addr = i.a32 ? (addr + bytes) | 0 : (addr + bytes) & 0xffff;
    bit = signed & (bits - 1);
  }
  const v = i.o32 ? cpu.read32(i.seg, addr) : cpu.read16(i.seg, addr);
  if (op !== 0) cpu.probeWrite(i.seg, addr, bits / 8);
  setBitFlags(cpu, (v >>> bit) & 1);
  if (op === 0) return;
  const r = op === 1 ? v | (1 << bit) : op === 2 ? v & ~(1 << bit) : v ^ (1 << bit);
  if (i.o32) cpu.write32(i.seg, addr, r); else cpu.write16(i.seg, addr, r);
}

/** BT*: CF = the bit; OF/SF/AF/PF are undefined (QEMU and we leave them as computed from the previous op). */
function setBitFlags(cpu: Cpu, bit: number): void {
  cpu.setCF(bit !== 0);
}

export function btEvGv(cpu: Cpu, i: Insn): void { bitOp(cpu, i, i.o32 ? cpu.r32[i.reg]! : cpu.r16[i.reg * 2]!, i.sub, false); }
export function btEvIb(cpu: Cpu, i: Insn): void {
  if (i.sub < 4) cpu.raiseUD();
  bitOp(cpu, i, i.imm, i.sub - 4, true);
}

export function bsf(cpu: Cpu, i: Insn): void {
  const v = i.o32 ? readEv32(cpu, i) : readEv16(cpu, i);
  if (v === 0) { cpu.ccOp = CcOp.LOGIC; cpu.ccDst = 0; cpu.ccSign = 0x80000000 | 0; return; }
  const r = 31 - Math.clz32(v & -v);
  if (i.o32) cpu.r32[i.reg] = r; else cpu.r16[i.reg * 2] = r;
  cpu.ccOp = CcOp.LOGIC; cpu.ccDst = 1; cpu.ccSign = 0x80000000 | 0;
}
export function bsr(cpu: Cpu, i: Insn): void {
  const v = i.o32 ? readEv32(cpu, i) : readEv16(cpu, i);
  if (v === 0) { cpu.ccOp = CcOp.LOGIC; cpu.ccDst = 0; cpu.ccSign = 0x80000000 | 0; return; }
  const r = 31 - Math.clz32(v);
  if (i.o32) cpu.r32[i.reg] = r; else cpu.r16[i.reg * 2] = r;
  cpu.ccOp = CcOp.LOGIC; cpu.ccDst = 1; cpu.ccSign = 0x80000000 | 0;
}

// --- XLAT, SALC-free misc

export function xlat(cpu: Cpu, i: Insn): void {
  const base = i.a32 ? cpu.r32[EBX]! : cpu.r16[EBX * 2]!;
  const addr = i.a32 ? (base + cpu.r8[0]!) | 0 : (base + cpu.r8[0]!) & 0xffff;
  cpu.r8[0] = cpu.read8(i.seg, addr);
}

/** BOUND Gv, Ma: #BR when the signed index is outside [lower, upper]. */
export function bound(cpu: Cpu, i: Insn): void {
  if (i.mod === 3) cpu.raiseUD();
  const addr = cpu.ea(i);
  if (i.o32) {
    const lo = cpu.read32(i.seg, addr), hi = cpu.read32(i.seg, (addr + 4) | 0), v = cpu.r32[i.reg]!;
    if (v < lo || v > hi) cpu.raise(Vector.BR);
  } else {
    const lo = (cpu.read16(i.seg, addr) << 16) >> 16, hi = (cpu.read16(i.seg, (addr + 2) | 0) << 16) >> 16;
    const v = (cpu.r16[i.reg * 2]! << 16) >> 16;
    if (v < lo || v > hi) cpu.raise(Vector.BR);
  }
}

