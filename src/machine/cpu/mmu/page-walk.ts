// Page walks (SDM Vol. 3A ch. 4): 32-bit paging with 4 MiB pages (§4.3) and PAE paging with its PDPTE
// registers, 64-bit entries, 2 MiB pages and the XD bit (§4.4); access rights with WP, NX, SMEP and SMAP
// (§4.6), accessed/dirty bits (§4.8) and #PF error codes (§4.7).
//
// Under SMAP the TLB keeps two sets of supervisor data rights: the plain ones (what an implicit access, or an
// explicit one with AC = 0, may do: never a user page) and the AC ones (explicit with AC = 1: user pages too).
// The CPU picks the mask set from CPL, CR4.SMAP and EFLAGS.AC (Cpu.selectAccessMasks).

import type { Cpu } from '../cpu.js';
import { Vector } from '../fault.js';
import { CR4_PAE, CR4_SMAP, CR4_SMEP, EFER_NXE, FLAG_AC } from '../eflags.js';
import { TLB_GLOBAL, TLB_SUP_EXEC, TLB_SUP_READ, TLB_SUP_READ_AC, TLB_SUP_WRITE, TLB_SUP_WRITE_AC, TLB_USER_EXEC, TLB_USER_READ, TLB_USER_WRITE, TLB_WRITE_BITS } from './tlb.js';

export const PTE_P = 1 << 0;
export const PTE_RW = 1 << 1;
export const PTE_US = 1 << 2;
export const PTE_A = 1 << 5;
export const PTE_D = 1 << 6;
export const PTE_PS = 1 << 7;
export const PTE_G = 1 << 8;
/** Bit 63 of a PAE entry, as a bit of its high dword. */
export const PTE_HI_XD = 1 << 31;

/** Bits 21:13 of a PDE that maps a 4 MiB page (reserved without PSE-36, which CPUID does not claim). */
const PDE_4M_RESERVED = 0x003fe000;
/** Bits 20:13 of a PAE PDE that maps a 2 MiB page. */
const PDE_2M_RESERVED = 0x001fe000;
/** Bits 2:1 and 8:5 of a PDPTE (§4.4.1). */
const PDPTE_RESERVED_LOW = 0x000001e6;
/**
 * MAXPHYADDR is 32 (CPUID 80000008h), so bits 62:32 of PAE entries are reserved, and bit 63 too while
 * EFER.NXE is clear. Every physical address then fits in the TLB's 32-bit entries.
 */
const PAE_RESERVED_HIGH = 0x7fffffff;

export const PF_P = 1 << 0;
export const PF_W = 1 << 1;
export const PF_U = 1 << 2;
export const PF_RSVD = 1 << 3;
export const PF_I = 1 << 4;

/** Who makes an access, for the rights of §4.6.1. */
export const ACCESS_SUPERVISOR = 0;
export const ACCESS_USER = 1;
/** The CPU's own supervisor accesses to the GDT, LDT, IDT and TSS, whatever the CPL (SMAP never lets them reach user pages). */
export const ACCESS_IMPLICIT = 2;

export interface WalkResult {
  phys: number;
  /** TLB permission bits granted for this translation. */
  bits: number;
  /** The supervisor write rights in `bits` exist only because CR0.WP is 0 (Tlb.noteWpGrant). */
  wpGrant: boolean;
}

/** Walks the page tables for `lin`, sets A/D bits, raises #PF, and fills `out`. */
export function walkPage(cpu: Cpu, lin: number, write: boolean, exec: boolean, mode: number, out: WalkResult): void {
  if (cpu.cr4 & CR4_PAE) walkPae(cpu, lin, write, exec, mode, out);
  else walk32(cpu, lin, write, exec, mode, out);
}

function walk32(cpu: Cpu, lin: number, write: boolean, exec: boolean, mode: number, out: WalkResult): void {
  const mem = cpu.memory;
  const pdeAddr = (cpu.cr3 & ~0xfff) | ((lin >>> 22) << 2);
  const pde = mem.read32(pdeAddr);
  if (!(pde & PTE_P)) pageFault(cpu, lin, 0, write, exec, mode);
  if ((pde & PTE_PS) && cpu.pseEnabled) {
    if (pde & PDE_4M_RESERVED) pageFault(cpu, lin, PF_P | PF_RSVD, write, exec, mode);
    const bits = checkRights(cpu, lin, pde, false, write, exec, mode, out);
    out.bits = setAccessedDirty(cpu, pdeAddr, pde, write, pde, bits);
    out.phys = (pde & 0xffc00000) | (lin & 0x003ff000);
    return;
  }
  const pteAddr = (pde & ~0xfff) | (((lin >>> 12) & 0x3ff) << 2);
  const pte = mem.read32(pteAddr);
  if (!(pte & PTE_P)) pageFault(cpu, lin, 0, write, exec, mode);
  const bits = checkRights(cpu, lin, pde & pte, false, write, exec, mode, out);
  if (!(pde & PTE_A)) mem.write32(pdeAddr, pde | PTE_A);
  out.bits = setAccessedDirty(cpu, pteAddr, pte, write, pte, bits);
  out.phys = pte & ~0xfff;
}

function walkPae(cpu: Cpu, lin: number, write: boolean, exec: boolean, mode: number, out: WalkResult): void {
  const mem = cpu.memory;
  const slot = lin >>> 30;
  const pdpte = cpu.pdpteLow[slot]!;
  if (!(pdpte & PTE_P)) pageFault(cpu, lin, 0, write, exec, mode);
  const reservedHigh = cpu.efer & EFER_NXE ? PAE_RESERVED_HIGH : PAE_RESERVED_HIGH | PTE_HI_XD;

  const pdeAddr = (pdpte & ~0xfff) | (((lin >>> 21) & 0x1ff) << 3);
  const pde = mem.read32(pdeAddr);
  if (!(pde & PTE_P)) pageFault(cpu, lin, 0, write, exec, mode);
  const pdeHigh = mem.read32(pdeAddr + 4);
  if (pdeHigh & reservedHigh) pageFault(cpu, lin, PF_P | PF_RSVD, write, exec, mode);
  if (pde & PTE_PS) {
    if (pde & PDE_2M_RESERVED) pageFault(cpu, lin, PF_P | PF_RSVD, write, exec, mode);
    const bits = checkRights(cpu, lin, pde, (pdeHigh & PTE_HI_XD) !== 0, write, exec, mode, out);
    out.bits = setAccessedDirty(cpu, pdeAddr, pde, write, pde, bits);
    out.phys = (pde & 0xffe00000) | (lin & 0x001ff000);
    return;
  }
  const pteAddr = (pde & ~0xfff) | (((lin >>> 12) & 0x1ff) << 3);
  const pte = mem.read32(pteAddr);
  if (!(pte & PTE_P)) pageFault(cpu, lin, 0, write, exec, mode);
  const pteHigh = mem.read32(pteAddr + 4);
  if (pteHigh & reservedHigh) pageFault(cpu, lin, PF_P | PF_RSVD, write, exec, mode);
  const xd = ((pdeHigh | pteHigh) & PTE_HI_XD) !== 0;
  const bits = checkRights(cpu, lin, pde & pte, xd, write, exec, mode, out);
  if (!(pde & PTE_A)) mem.write32(pdeAddr, pde | PTE_A);
  out.bits = setAccessedDirty(cpu, pteAddr, pte, write, pte, bits);
  out.phys = pte & ~0xfff;
}

/**
 * Judges the access against the combined rights (R/W and U/S ANDed over the levels, XD ORed) and returns
 * the TLB bits those rights grant for any later access that does not depend on EFLAGS.AC.
 */
function checkRights(cpu: Cpu, lin: number, rights: number, xd: boolean, write: boolean, exec: boolean, mode: number, out: WalkResult): number {
  const userPage = (rights & PTE_US) !== 0;
  const writable = (rights & PTE_RW) !== 0;
  const wp = cpu.wpEnabled;
  const smep = (cpu.cr4 & CR4_SMEP) !== 0;
  const smap = (cpu.cr4 & CR4_SMAP) !== 0;
  let allowed: boolean;
  if (mode === ACCESS_USER) {
    allowed = userPage && (exec ? !xd : !write || writable);
  } else if (exec) {
    allowed = !xd && !(smep && userPage);
  } else {
    const smapAllows = !userPage || !smap || (mode === ACCESS_SUPERVISOR && (cpu.flags & FLAG_AC) !== 0);
    allowed = smapAllows && (!write || writable || !wp);
  }
  if (!allowed) pageFault(cpu, lin, PF_P, write, exec, mode);

  out.wpGrant = !writable && !wp;
  let bits = TLB_SUP_READ_AC;
  if (writable || !wp) bits |= TLB_SUP_WRITE_AC;
  if (!userPage || !smap) {
    bits |= TLB_SUP_READ;
    if (writable || !wp) bits |= TLB_SUP_WRITE;
  }
  if (!xd && !(smep && userPage)) bits |= TLB_SUP_EXEC;
  if (userPage) {
    bits |= TLB_USER_READ;
    if (writable) bits |= TLB_USER_WRITE;
    if (!xd) bits |= TLB_USER_EXEC;
  }
  return bits;
}

/**
 * Sets A (and D for a write) in the final entry at `addr`; write permission is cached only once D is set,
 * so that the first write comes back here to set it. Adds G. Returns the TLB bits.
 */
function setAccessedDirty(cpu: Cpu, addr: number, entry: number, write: boolean, flagsEntry: number, bits: number): number {
  let updated = entry | PTE_A;
  if (write) updated |= PTE_D;
  if (updated !== entry) cpu.memory.write32(addr, updated);
  if (!(updated & PTE_D)) bits &= ~TLB_WRITE_BITS;
  if ((flagsEntry & PTE_G) && cpu.globalPagesEnabled) bits |= TLB_GLOBAL;
  return bits;
}

/**
 * Loads the four PDPTE registers from the PDPT at CR3 (§4.4.1): on MOV CR3 under PAE paging and whenever
 * CR0/CR4 changes make PAE paging active. A present PDPTE with reserved bits set is #GP(0), raised before
 * the instruction changes anything, so the caller loads into scratch first and commits after.
 */
export function loadPdptes(cpu: Cpu, cr3: number): void {
  const base = cr3 & ~0x1f;
  const low = cpu.pdpteScratch;
  for (let i = 0; i < 4; i++) {
    const lo = cpu.memory.read32((base + i * 8) >>> 0);
    const hi = cpu.memory.read32((base + i * 8 + 4) >>> 0);
    if ((lo & PTE_P) && ((lo & PDPTE_RESERVED_LOW) || hi)) cpu.raiseGP(0);
    low[i] = lo;
  }
}

/** Makes the PDPTEs checked by loadPdptes the live ones. */
export function commitPdptes(cpu: Cpu): void {
  cpu.pdpteLow.set(cpu.pdpteScratch);
}

function pageFault(cpu: Cpu, lin: number, code: number, write: boolean, exec: boolean, mode: number): never {
  cpu.cr2 = lin;
  if (write) code |= PF_W;
  if (mode === ACCESS_USER) code |= PF_U;
  if (exec && cpu.instructionFetchReportsI) code |= PF_I;
  return cpu.raise(Vector.PF, code);
}
