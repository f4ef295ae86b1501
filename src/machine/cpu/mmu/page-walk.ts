// The 32-bit two-level page walk with 4 MiB pages (SDM Vol. 3A §4.3), access rights (§4.6),
// accessed/dirty bits (§4.8) and #PF error codes (§4.7).

import type { Cpu } from '../cpu.js';
import { Vector } from '../fault.js';
import { TLB_GLOBAL, TLB_SUP_EXEC, TLB_SUP_READ, TLB_SUP_WRITE, TLB_USER_EXEC, TLB_USER_READ, TLB_USER_WRITE } from './tlb.js';

export const PTE_P = 1 << 0;
export const PTE_RW = 1 << 1;
export const PTE_US = 1 << 2;
export const PTE_A = 1 << 5;
export const PTE_D = 1 << 6;
export const PTE_PS = 1 << 7;
export const PTE_G = 1 << 8;

/** Bits 21:13 of a PDE that maps a 4 MiB page. */
const PDE_4M_RESERVED = 0x003fe000;

export const PF_P = 1 << 0;
export const PF_W = 1 << 1;
export const PF_U = 1 << 2;
export const PF_RSVD = 1 << 3;
export const PF_I = 1 << 4;

export interface WalkResult {
  phys: number;
  /** TLB permission bits granted for this translation. */
  bits: number;
}

/** Walks the page tables for `lin`, sets A/D bits, raises #PF, and fills `out`. */
export function walkPage(cpu: Cpu, lin: number, write: boolean, exec: boolean, user: boolean, out: WalkResult): void {
  const mem = cpu.memory;
  const pdeAddr = (cpu.cr3 & ~0xfff) | ((lin >>> 22) << 2);
  let pde = mem.read32(pdeAddr);
  if (!(pde & PTE_P)) pageFault(cpu, lin, 0, write, exec, user);
  let pte: number, pteAddr: number, frame: number, rights: number, global: boolean;
  const large = (pde & PTE_PS) !== 0 && cpu.pseEnabled;
  if (large) {
    // Without PSE-36 (not claimed by CPUID) bits 21:13 of a 4 MiB PDE are reserved → #PF with P=1 and RSVD (§4.3, §4.7).
    if (pde & PDE_4M_RESERVED) pageFault(cpu, lin, PF_P | PF_RSVD, write, exec, user);
    pte = pde; pteAddr = pdeAddr;
    frame = (pde & 0xffc00000) | (lin & 0x003ff000);
    rights = pde;
    global = (pde & PTE_G) !== 0;
  } else {
    pteAddr = (pde & ~0xfff) | (((lin >>> 12) & 0x3ff) << 2);
    pte = mem.read32(pteAddr);
    if (!(pte & PTE_P)) pageFault(cpu, lin, 0, write, exec, user);
    frame = pte & ~0xfff;
    rights = pde & pte;
    global = (pte & PTE_G) !== 0;
  }
  const userOk = (rights & PTE_US) !== 0;
  const writable = (rights & PTE_RW) !== 0;
  if (user && !userOk) pageFault(cpu, lin, PF_P, write, exec, user);
  if (write && !writable && (user || cpu.wpEnabled)) pageFault(cpu, lin, PF_P, write, exec, user);

  // A bits on every level walked, D on the final entry for writes (§4.8).
  if (!large && !(pde & PTE_A)) { pde |= PTE_A; mem.write32(pdeAddr, pde); }
  let entry = pte | PTE_A;
  if (write) entry |= PTE_D;
  if (entry !== pte) mem.write32(pteAddr, entry);
  const dirty = (entry & PTE_D) !== 0;

  let bits = TLB_SUP_READ | TLB_SUP_EXEC;
  if (userOk) bits |= TLB_USER_READ | TLB_USER_EXEC;
  if (dirty) {
    if (writable || !cpu.wpEnabled) bits |= TLB_SUP_WRITE;
    if (userOk && writable) bits |= TLB_USER_WRITE;
  }
  if (global && cpu.globalPagesEnabled) bits |= TLB_GLOBAL;
  out.phys = frame;
  out.bits = bits;
}

function pageFault(cpu: Cpu, lin: number, code: number, write: boolean, exec: boolean, user: boolean): never {
  cpu.cr2 = lin;
  if (write) code |= PF_W;
  if (user) code |= PF_U;
  if (exec && cpu.instructionFetchReportsI) code |= PF_I;
  return cpu.raise(Vector.PF, code);
}
