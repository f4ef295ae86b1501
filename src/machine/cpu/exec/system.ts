// System instructions: descriptor-table registers, control and debug registers, INVLPG, LLDT/LTR,
// LAR/LSL/VERR/VERW, ARPL, CPUID, RDTSC, RDMSR/WRMSR, and the far-transfer wrappers (SDM Vol. 2, Vol. 3A ch. 2).

import type { Cpu } from '../cpu.js';
import type { Insn } from '../decode/insn.js';
import { EAX, EBX, ECX, EDX } from '../registers.js';
import { CR0_CD, CR0_ET, CR0_NW, CR0_PE, CR0_PG, CR0_WP, CR4_PAE, CR4_PGE, CR4_PSE, CR4_SMEP, CR4_SMAP, CR4_DE, FLAG_ZF, FLAG_VM, FLAG_AC } from '../eflags.js';
import { DR6_BD, DR6_READS_ONE, DR7_GD, DR7_READS_ONE } from '../debug.js';
import { Vector } from '../fault.js';
import { Descriptor, readDescriptor } from '../protection/descriptors.js';
import { descriptorBase, descriptorLimit, attrFromDescriptorHigh } from '../segments.js';
import { callFar, interruptReturn, jumpFar, returnFar } from '../protection/far-transfer.js';
import { readEv16 } from './arith.js';
import { commitPdptes, loadPdptes } from '../mmu/page-walk.js';

const desc = new Descriptor();

/** Privileged instructions: CPL must be 0 (#GP(0)); in virtual-8086 mode too. */
function requireCpl0(cpu: Cpu): void {
  if (cpu.protectedMode && (cpu.cpl !== 0 || (cpu.flags & FLAG_VM))) cpu.raiseGP(0);
}

/** Instructions that exist only in protected mode (#UD in real and virtual-8086 mode). */
function requireProtected(cpu: Cpu): void {
  if (!cpu.protectedMode || (cpu.flags & FLAG_VM)) cpu.raiseUD();
}

function memoryOperand(cpu: Cpu, i: Insn): number {
  if (i.mod === 3) cpu.raiseUD();
  return cpu.ea(i);
}

// --- 0F 01 group

export function sgdt(cpu: Cpu, i: Insn): void { storeTableRegister(cpu, i, cpu.gdtBase, cpu.gdtLimit); }
export function sidt(cpu: Cpu, i: Insn): void { storeTableRegister(cpu, i, cpu.idtBase, cpu.idtLimit); }

function storeTableRegister(cpu: Cpu, i: Insn, base: number, limit: number): void {
  const addr = memoryOperand(cpu, i);
  cpu.probeWrite(i.seg, addr, 6);
  cpu.write16(i.seg, addr, limit);
  cpu.write32(i.seg, (addr + 2) | 0, base);
}

/** LGDT/LIDT: with a 16-bit operand size only 24 bits of the base are loaded. */
function loadTableRegister(cpu: Cpu, i: Insn): [number, number] {
  requireCpl0(cpu);
  const addr = memoryOperand(cpu, i);
  const limit = cpu.read16(i.seg, addr);
  let base = cpu.read32(i.seg, (addr + 2) | 0);
  if (!i.o32) base &= 0xffffff;
  return [base, limit];
}

export function lgdt(cpu: Cpu, i: Insn): void {
  [cpu.gdtBase, cpu.gdtLimit] = loadTableRegister(cpu, i);
  cpu.events.tableLoad('gdt', 0, cpu.gdtBase, cpu.gdtLimit);
}
export function lidt(cpu: Cpu, i: Insn): void {
  [cpu.idtBase, cpu.idtLimit] = loadTableRegister(cpu, i);
  cpu.events.tableLoad('idt', 0, cpu.idtBase, cpu.idtLimit);
}

export function smsw(cpu: Cpu, i: Insn): void {
  if (i.mod === 3) { if (i.o32) cpu.r32[i.rm] = cpu.cr0; else cpu.r16[i.rm * 2] = cpu.cr0; }
  else cpu.write16(i.seg, cpu.ea(i), cpu.cr0);
}

/** LMSW: loads PE, MP, EM, TS; it can set PE but never clear it. */
export function lmsw(cpu: Cpu, i: Insn): void {
  requireCpl0(cpu);
  const v = readEv16(cpu, i);
  const keepPe = cpu.cr0 & CR0_PE;
  writeCr0(cpu, (cpu.cr0 & ~0xf) | (v & 0xf) | keepPe);
}

export function invlpg(cpu: Cpu, i: Insn): void {
  requireCpl0(cpu);
  const off = memoryOperand(cpu, i);
  const lin = (cpu.segBase[i.seg]! + off) | 0;
  // The TLB holds a 2 or 4 MiB page as 4 KiB pieces; INVLPG of any address in it must drop them all (SDM §4.10.2.3).
  cpu.events.tlbFlush('page', lin);
  if (cpu.cr4 & (CR4_PAE | CR4_PSE)) {
    const pieces = cpu.cr4 & CR4_PAE ? 0x200 : 0x400;
    const first = (lin >>> 12) & ~(pieces - 1);
    for (let vpn = first; vpn < first + pieces; vpn++) cpu.tlb.invalidatePage(vpn);
  } else {
    cpu.tlb.invalidatePage(lin >>> 12);
  }
}

// --- control and debug registers

/** MOV CR0 checks (SDM MOV CR): PG without PE, or NW without CD → #GP(0); PDPTEs load when PAE paging results. */
export function writeCr0(cpu: Cpu, v: number): void {
  v |= CR0_ET;
  if ((v & CR0_PG) && !(v & CR0_PE)) cpu.raiseGP(0);
  if ((v & CR0_NW) && !(v & CR0_CD)) cpu.raiseGP(0);
  const changed = cpu.cr0 ^ v;
  cpu.events.crWrite(0, cpu.cr0, v);
  const reloadPdptes = (changed & (CR0_PG | CR0_CD | CR0_NW)) !== 0 && (v & CR0_PG) !== 0 && (cpu.cr4 & CR4_PAE) !== 0;
  if (reloadPdptes) loadPdptes(cpu, cpu.cr3);
  cpu.cr0 = v;
  if (reloadPdptes) commitPdptes(cpu);
  // PG and PE change every translation: they take effect at the next access. WP only decides supervisor writes
  // to read-only pages: clearing it leaves every cached right valid (the slow path grants the new ones), setting
  // it revokes exactly the rights WP = 0 granted, so the Nested Kernel's gates, which toggle WP, keep the TLB.
  if (changed & (CR0_PG | CR0_PE)) cpu.flushTlb();
  else if (changed & CR0_WP && v & CR0_WP) cpu.revokeWpGrants();
  cpu.eventCheck = true;
}

/** MOV CR4: unknown bits → #GP(0); a change of paging mode or rights flushes the TLB and may reload the PDPTEs. */
export function writeCr4(cpu: Cpu, v: number): void {
  if (v & ~cpu.cr4Supported) cpu.raiseGP(0);
  const changed = cpu.cr4 ^ v;
  cpu.events.crWrite(4, cpu.cr4, v);
  const reloadPdptes = (changed & (CR4_PAE | CR4_PGE | CR4_PSE | CR4_SMEP)) !== 0 && (v & CR4_PAE) !== 0 && (cpu.cr0 & CR0_PG) !== 0;
  if (reloadPdptes) loadPdptes(cpu, cpu.cr3);
  cpu.cr4 = v;
  if (reloadPdptes) commitPdptes(cpu);
  if (changed & (CR4_PSE | CR4_PGE | CR4_PAE | CR4_SMEP | CR4_SMAP)) cpu.flushTlb();
  if (changed & CR4_SMAP) cpu.selectAccessMasks();
  if (changed & CR4_DE) rearmBreakpoints(cpu);
}

/** MOV CR3 (and a task switch): under PAE paging the PDPTEs load first and may #GP(0) with nothing changed. */
export function writeCr3(cpu: Cpu, v: number): void {
  const paePaging = (cpu.cr0 & CR0_PG) !== 0 && (cpu.cr4 & CR4_PAE) !== 0;
  if (paePaging) loadPdptes(cpu, v);
  cpu.events.crWrite(3, cpu.cr3, v & ~0x7);
  cpu.cr3 = v & ~0x7;
  if (paePaging) commitPdptes(cpu);
  cpu.flushTlbNonGlobal();
}

export function movRdCr(cpu: Cpu, i: Insn): void {
  requireCpl0(cpu);
  let v: number;
  switch (i.reg) {
    case 0: v = cpu.cr0; break;
    case 2: v = cpu.cr2; break;
    case 3: v = cpu.cr3; break;
    case 4: v = cpu.cr4; break;
    default: return cpu.raiseUD();
  }
  cpu.r32[i.rm] = v;
}

export function movCrRd(cpu: Cpu, i: Insn): void {
  requireCpl0(cpu);
  const v = cpu.r32[i.rm]!;
  switch (i.reg) {
    case 0: writeCr0(cpu, v); break;
    case 2: cpu.cr2 = v; break;
    case 3: writeCr3(cpu, v); break;
    case 4: writeCr4(cpu, v); break;
    default: cpu.raiseUD();
  }
}

/** DR4/DR5 alias DR6/DR7 unless CR4.DE is set (then #UD). */
function debugRegisterIndex(cpu: Cpu, n: number): number {
  if (n === 4 || n === 5) {
    if (cpu.cr4 & CR4_DE) cpu.raiseUD();
    return n + 2;
  }
  return n;
}

/** DR7.GD: any MOV DR is a #DB fault first, with DR6.BD set and GD cleared for the handler (SDM §17.2.4). */
function generalDetect(cpu: Cpu): void {
  if (!(cpu.dr[7]! & DR7_GD)) return;
  cpu.dr[6] = cpu.dr[6]! | DR6_BD;
  cpu.dr[7] = cpu.dr[7]! & ~DR7_GD;
  cpu.debug.arm(cpu.dr, (cpu.cr4 & CR4_DE) !== 0);
  cpu.generalDetect = true;
  cpu.raise(Vector.DB);
}

export function movRdDr(cpu: Cpu, i: Insn): void {
  requireCpl0(cpu);
  const n = debugRegisterIndex(cpu, i.reg);
  generalDetect(cpu);
  cpu.r32[i.rm] = n === 6 ? (cpu.dr[6]! | DR6_READS_ONE) : n === 7 ? (cpu.dr[7]! | DR7_READS_ONE) : cpu.dr[n]!;
}

export function movDrRd(cpu: Cpu, i: Insn): void {
  requireCpl0(cpu);
  const n = debugRegisterIndex(cpu, i.reg);
  generalDetect(cpu);
  cpu.dr[n] = cpu.r32[i.rm]!;
  if (n !== 6) rearmBreakpoints(cpu);
}

/** DR0-DR3, DR7 or CR4.DE changed: decode again, and drop translations cached before a page was watched. */
export function rearmBreakpoints(cpu: Cpu): void {
  const hadData = cpu.debug.dataMask !== 0;
  cpu.debug.arm(cpu.dr, (cpu.cr4 & CR4_DE) !== 0);
  if (hadData || cpu.debug.dataMask !== 0) cpu.flushTlb();
  cpu.eventCheck = true;
}

/** CLAC/STAC: #UD without SMAP in CPUID or at CPL > 0 (SDM CLAC, STAC). */
function requireSmapInstruction(cpu: Cpu): void {
  if (!(cpu.cr4Supported & CR4_SMAP) || (cpu.protectedMode && cpu.cpl !== 0) || (cpu.flags & FLAG_VM)) cpu.raiseUD();
}
export function clac(cpu: Cpu): void { requireSmapInstruction(cpu); cpu.flags &= ~FLAG_AC; cpu.selectAccessMasks(); }
export function stac(cpu: Cpu): void { requireSmapInstruction(cpu); cpu.flags |= FLAG_AC; cpu.selectAccessMasks(); }

export function clts(cpu: Cpu): void { requireCpl0(cpu); cpu.cr0 &= ~(1 << 3); }
export function wbinvd(cpu: Cpu): void { requireCpl0(cpu); }

// --- 0F 00 group: LDTR and TR

export function sldt(cpu: Cpu, i: Insn): void { requireProtected(cpu); storeSelector(cpu, i, cpu.ldtSel); }
export function str(cpu: Cpu, i: Insn): void { requireProtected(cpu); storeSelector(cpu, i, cpu.trSel); }

function storeSelector(cpu: Cpu, i: Insn, sel: number): void {
  if (i.mod === 3) { if (i.o32) cpu.r32[i.rm] = sel; else cpu.r16[i.rm * 2] = sel; }
  else cpu.write16(i.seg, cpu.ea(i), sel);
}

/** LLDT (SDM LLDT): null makes the LDT unusable; TI=1 or a non-LDT descriptor → #GP(selector). */
export function lldt(cpu: Cpu, i: Insn): void {
  requireProtected(cpu);
  requireCpl0(cpu);
  const sel = readEv16(cpu, i);
  if ((sel & ~3) === 0) { cpu.ldtSel = sel; cpu.ldtBase = 0; cpu.ldtLimit = 0; cpu.ldtAttr = 0; cpu.events.tableLoad('ldt', sel, 0, 0); return; }
  if (sel & 4) cpu.raiseGP(sel & 0xfffc);
  if (!readDescriptor(cpu, sel, desc)) cpu.raiseGP(sel & 0xfffc);
  if (desc.isSegment || desc.type !== 2) cpu.raiseGP(sel & 0xfffc);
  if (!desc.present) cpu.raise(Vector.NP, sel & 0xfffc);
  cpu.ldtSel = sel;
  cpu.ldtBase = descriptorBase(desc.low, desc.high);
  cpu.ldtLimit = descriptorLimit(desc.low, desc.high);
  cpu.ldtAttr = attrFromDescriptorHigh(desc.high);
  cpu.events.tableLoad('ldt', sel, cpu.ldtBase, cpu.ldtLimit);
}

/** LTR (SDM LTR): an available TSS in the GDT, which becomes busy. */
export function ltr(cpu: Cpu, i: Insn): void {
  requireProtected(cpu);
  requireCpl0(cpu);
  const sel = readEv16(cpu, i);
  if ((sel & ~3) === 0) cpu.raiseGP(0);
  if (sel & 4) cpu.raiseGP(sel & 0xfffc);
  if (!readDescriptor(cpu, sel, desc)) cpu.raiseGP(sel & 0xfffc);
  if (desc.isSegment || (desc.type !== 1 && desc.type !== 9)) cpu.raiseGP(sel & 0xfffc);
  if (!desc.present) cpu.raise(Vector.NP, sel & 0xfffc);
  desc.high |= 2 << 8;
  cpu.writeSup32((desc.addr + 4) | 0, desc.high);
  cpu.trSel = sel;
  cpu.trBase = descriptorBase(desc.low, desc.high);
  cpu.trLimit = descriptorLimit(desc.low, desc.high);
  cpu.trAttr = attrFromDescriptorHigh(desc.high);
  cpu.events.tableLoad('tr', sel, cpu.trBase, cpu.trLimit);
}

/** The visibility test of LAR/LSL/VERR/VERW: conforming code always, else DPL ≥ CPL and DPL ≥ RPL. */
function descriptorVisible(cpu: Cpu, sel: number): boolean {
  if ((sel & ~3) === 0 || !readDescriptor(cpu, sel, desc)) return false;
  if (desc.isCode && desc.isConforming) return true;
  return desc.dpl >= cpu.cpl && desc.dpl >= (sel & 3);
}

function setZF(cpu: Cpu, on: boolean): void {
  cpu.setArithFlags(on ? FLAG_ZF : 0, FLAG_ZF);
}

const LAR_SYSTEM_TYPES = new Set([1, 2, 3, 4, 5, 9, 11, 12]);
const LSL_SYSTEM_TYPES = new Set([1, 2, 3, 9, 11]);

export function lar(cpu: Cpu, i: Insn): void {
  requireProtected(cpu);
  const sel = readEv16(cpu, i);
  const ok = descriptorVisible(cpu, sel) && (desc.isSegment || LAR_SYSTEM_TYPES.has(desc.type));
  setZF(cpu, ok);
  if (!ok) return;
  if (i.o32) cpu.r32[i.reg] = desc.high & 0x00ffff00; else cpu.r16[i.reg * 2] = desc.high & 0xff00;
}

export function lsl(cpu: Cpu, i: Insn): void {
  requireProtected(cpu);
  const sel = readEv16(cpu, i);
  const ok = descriptorVisible(cpu, sel) && (desc.isSegment || LSL_SYSTEM_TYPES.has(desc.type));
  setZF(cpu, ok);
  if (!ok) return;
  const limit = descriptorLimit(desc.low, desc.high);
  if (i.o32) cpu.r32[i.reg] = limit; else cpu.r16[i.reg * 2] = limit;
}

export function verr(cpu: Cpu, i: Insn): void {
  requireProtected(cpu);
  const sel = readEv16(cpu, i);
  setZF(cpu, descriptorVisible(cpu, sel) && desc.isSegment && (!desc.isCode || desc.isReadable));
}

export function verw(cpu: Cpu, i: Insn): void {
  requireProtected(cpu);
  const sel = readEv16(cpu, i);
  setZF(cpu, descriptorVisible(cpu, sel) && desc.isSegment && !desc.isCode && desc.isWritable);
}

/** ARPL Ew, Gw: raise the RPL of the destination selector to the source's (#UD in real mode). */
export function arpl(cpu: Cpu, i: Insn): void {
  requireProtected(cpu);
  const addr = i.mod === 3 ? 0 : cpu.ea(i);
  const dest = i.mod === 3 ? cpu.r16[i.rm * 2]! : cpu.read16(i.seg, addr);
  const src = cpu.r16[i.reg * 2]!;
  if ((dest & 3) < (src & 3)) {
    const v = (dest & ~3) | (src & 3);
    if (i.mod === 3) cpu.r16[i.rm * 2] = v; else cpu.write16(i.seg, addr, v);
    setZF(cpu, true);
  } else {
    setZF(cpu, false);
  }
}

// --- identification, time stamp, MSRs

/**
 * CPUID: a fixed identity that claims exactly what is implemented (documented in docs/cpu.md).
 * Leaf 1 EDX: DE, PSE, TSC, MSR, PAE, CX8, PGE, CMOV, PAT. Leaf 7 EBX: SMEP, SMAP. 80000001h EDX: NX.
 * 80000008h: 32 physical and 32 linear address bits. No FPU, MMX, SSE, APIC or SYSENTER.
 */
export function cpuid(cpu: Cpu): void {
  const leaf = cpu.r32[EAX]! >>> 0;
  const subleaf = cpu.r32[ECX]! >>> 0;
  let a = 0, b = 0, c = 0, d = 0;
  // Above the highest leaf of its range: the data of the highest basic leaf (SDM CPUID).
  const basic = leaf < 0x80000000 ? Math.min(leaf, CPUID_MAX_BASIC) : leaf > CPUID_MAX_EXTENDED ? CPUID_MAX_BASIC : -1;
  if (basic === 0) {
    a = CPUID_MAX_BASIC;
    [b, d, c] = VENDOR;
  } else if (basic === 1) {
    a = 0x00000610;
    d = cpu.cpuidFeaturesEdx;
  } else if (basic === 2) {
    a = 0x00000001; // one round of descriptors, all of them null: no cache information
  } else if (basic === 7) {
    if (subleaf === 0) b = cpu.cpuidLeaf7Ebx;
  } else if (basic < 0) {
    const ext = leaf - 0x80000000;
    if (ext === 0) a = CPUID_MAX_EXTENDED;
    else if (ext === 1) d = cpu.cpuidExtFeaturesEdx;
    else if (ext >= 2 && ext <= 4) [a, b, c, d] = BRAND.slice((ext - 2) * 4, (ext - 2) * 4 + 4) as [number, number, number, number];
    else if (ext === 8) a = 0x2020;
  }
  cpu.r32[EAX] = a; cpu.r32[EBX] = b; cpu.r32[ECX] = c; cpu.r32[EDX] = d;
}

export const CPUID_MAX_BASIC = 7;
export const CPUID_MAX_EXTENDED = 0x80000008;
export const CPUID_VENDOR = 'KernelistCPU';
export const CPUID_BRAND = 'Kernelist IA-32 virtual CPU';
export const CPUID_FEATURES_EDX = (1 << 2) | (1 << 3) | (1 << 4) | (1 << 5) | (1 << 6) | (1 << 8) | (1 << 13) | (1 << 15) | (1 << 16);
export const CPUID_LEAF7_EBX = (1 << 7) | (1 << 20);
export const CPUID_EXT_FEATURES_EDX = 1 << 20;

function dwordsOf(text: string, count: number): number[] {
  const bytes = new Uint8Array(count * 4);
  for (let k = 0; k < text.length && k < bytes.length; k++) bytes[k] = text.charCodeAt(k);
  const out: number[] = [];
  for (let k = 0; k < count; k++) out.push(bytes[k * 4]! | (bytes[k * 4 + 1]! << 8) | (bytes[k * 4 + 2]! << 16) | (bytes[k * 4 + 3]! << 24));
  return out;
}

const VENDOR = dwordsOf(CPUID_VENDOR, 3);
const BRAND = dwordsOf(CPUID_BRAND, 12);

/** RDTSC: #GP(0) at CPL > 0 when CR4.TSD is set. The counter advances by one per retired instruction. */
export function rdtsc(cpu: Cpu): void {
  if ((cpu.cr4 & (1 << 2)) && cpu.protectedMode && cpu.cpl !== 0) cpu.raiseGP(0);
  const tsc = cpu.retiredNow() + cpu.tscOffset;
  cpu.r32[EAX] = tsc % 0x100000000;
  cpu.r32[EDX] = Math.floor(tsc / 0x100000000);
}

export const MSR_TSC = 0x10;
export const MSR_PAT = 0x277;
export const MSR_EFER = 0xc0000080;

export function rdmsr(cpu: Cpu): void {
  requireCpl0(cpu);
  const msr = cpu.r32[ECX]! >>> 0;
  const v = cpu.readMsr(msr);
  if (v === undefined) cpu.raiseGP(0);
  cpu.r32[EAX] = v[0];
  cpu.r32[EDX] = v[1];
}

export function wrmsr(cpu: Cpu): void {
  requireCpl0(cpu);
  const msr = cpu.r32[ECX]! >>> 0;
  if (!cpu.writeMsr(msr, cpu.r32[EAX]!, cpu.r32[EDX]!)) cpu.raiseGP(0);
}

// --- far transfers (operands decoded as imm = offset, imm2 = selector, or from memory)

export function jmpFarAp(cpu: Cpu, i: Insn): void { jumpFar(cpu, i.imm2 & 0xffff, i.imm, i.o32); }
export function callFarAp(cpu: Cpu, i: Insn): void { callFar(cpu, i.imm2 & 0xffff, i.imm, i.o32); }

function farPointer(cpu: Cpu, i: Insn): [number, number] {
  const addr = memoryOperand(cpu, i);
  const off = i.o32 ? cpu.read32(i.seg, addr) : cpu.read16(i.seg, addr);
  const sel = cpu.read16(i.seg, (addr + (i.o32 ? 4 : 2)) | 0);
  return [sel, off];
}

export function jmpFarEp(cpu: Cpu, i: Insn): void { const [s, o] = farPointer(cpu, i); jumpFar(cpu, s, o, i.o32); }
export function callFarEp(cpu: Cpu, i: Insn): void { const [s, o] = farPointer(cpu, i); callFar(cpu, s, o, i.o32); }
export function retFar(cpu: Cpu, i: Insn): void { returnFar(cpu, i.o32, i.imm & 0xffff); }
export function iret(cpu: Cpu, i: Insn): void { interruptReturn(cpu, i.o32); }

