// Fast paths for the commonest privilege transitions: a far CALL inward through a 32-bit call gate, INT n
// inward through a 32-bit interrupt or trap gate, RETF and IRET (32-bit) to the same or an outer level.
//
// Each one only ever decides "every check of the general path passes, and this is what it would do", and
// otherwise returns false before it has changed anything, so that the general path (call-gate.ts,
// interrupts.ts, far-transfer.ts) runs from the start and raises whatever fault is due, in the SDM's order.
// To be able to give up without a trace, a fast path reads memory only through TLB entries that already
// grant the access (no page walk, so no A/D bits set and no #PF), within one page, and it never writes a
// descriptor: it requires the accessed bit of every code or data descriptor it loads to be set already
// (the general path would write it). The checks below are the general path's checks, written on the raw
// descriptor dwords in one flat function, so that V8 compiles each transition without a chain of calls.

import type { Cpu } from '../cpu.js';
import { TransferCause } from '../events.js';
import { FLAG_IF, FLAG_NT, FLAG_RF, FLAG_TF, FLAG_VM } from '../eflags.js';
import { READ_MASK, WRITE_MASK } from '../mmu/tlb.js';
import { CS, SS, ESP } from '../registers.js';
import { SEG_READ } from '../segments.js';
import { nullInaccessibleDataSegments } from './segment-load.js';

const SUP_READ = READ_MASK[0];
const SUP_WRITE = WRITE_MASK[0];

/** Descriptor high-dword bits: P, DPL, S, type (code, conforming/expand-down, readable/writable, accessed). */
const D_P = 1 << 15;
const D_S = 1 << 12;
const D_CODE = 1 << 11;
const D_CONFORMING = 1 << 10;
const D_WRITABLE = 1 << 9;
const D_ACCESSED = 1 << 8;
const D_BIG = 1 << 22;
/** A present, accessed, non-conforming code segment. */
const CODE_MASK = D_P | D_S | D_CODE | D_CONFORMING | D_ACCESSED;
const CODE_OK = D_P | D_S | D_CODE | D_ACCESSED;
/** A present, writable, expand-up data segment (the accessed bit is tested where the general path sets it). */
const STACK_MASK = D_P | D_S | D_CODE | D_CONFORMING | D_WRITABLE;
const STACK_OK = D_P | D_S | D_WRITABLE;

const parameters = new Int32Array(31);

/** A segment's limit in bytes (G applied) as an int32: compare it with `>>> 0`. */
function limit32(low: number, high: number): number {
  const raw = (low & 0xffff) | (high & 0xf0000);
  return high & (1 << 23) ? (raw << 12) | 0xfff : raw;
}

/** A segment's base address as an int32. */
function base32(low: number, high: number): number {
  return (low >>> 16) | ((high & 0xff) << 16) | (high & 0xff000000);
}

/**
 * Physical address of the descriptor `selector` names, when it lies inside its table (GDT, or a loaded LDT),
 * within one page, and the TLB already grants the implicit supervisor read; else -1 (the general path decides).
 */
function descriptorPhys(cpu: Cpu, selector: number): number {
  const index = selector & 0xfff8;
  let base: number, limit: number;
  if (selector & 4) {
    if ((cpu.ldtSel & ~3) === 0) return -1;
    base = cpu.ldtBase; limit = cpu.ldtLimit;
  } else {
    base = cpu.gdtBase; limit = cpu.gdtLimit;
  }
  if (index + 7 > limit) return -1;
  return supervisorPhys(cpu, (base + index) | 0, 8);
}

/** Physical address of `size` bytes at `lin` read with supervisor rights through a TLB hit within one page, or -1. */
function supervisorPhys(cpu: Cpu, lin: number, size: number): number {
  if ((lin & 0xfff) > 0x1000 - size) return -1;
  const e = cpu.tlbEntries[lin >>> 12]!;
  return (e & SUP_READ) === SUP_READ ? (e & ~0xfff) | (lin & 0xfff) : -1;
}

/**
 * Physical address of the `bytes` bytes at SS:off read at the current privilege, when SS is readable, they lie
 * within its bounds and one page, and the TLB grants the read; else -1. (The general path reads them as
 * separate dwords, each checked the same way: a contiguous run of dwords passes exactly when each one does.)
 */
function stackPhys(cpu: Cpu, off: number, bytes: number): number {
  if (!(cpu.segAccess[SS]! & SEG_READ)) return -1;
  const first = off >>> 0;
  if (first < cpu.segLow[SS]! || first + bytes - 1 > cpu.segHigh[SS]!) return -1;
  const lin = (cpu.segBase[SS]! + off) | 0;
  if ((lin & 0xfff) > 0x1000 - bytes) return -1;
  const e = cpu.tlbEntries[lin >>> 12]!;
  const m = cpu.readMask;
  return (e & m) === m ? (e & ~0xfff) | (lin & 0xfff) : -1;
}

/**
 * Frame chosen by innerStack(): the new SS descriptor and selector, the new ESP, the linear address of the
 * frame's lowest byte, and its physical address when the whole frame lies in one page (else -1).
 */
class Scratch {
  stackSel = 0; stackLow = 0; stackHigh = 0; frameSp = 0; frameLin = 0; framePhys = -1;
  codeLow = 0; codeHigh = 0;
  retEip = 0; retCs = 0; retFlags = 0; retEsp = 0; retSs = 0; retSsLow = 0; retSsHigh = 0;
}
/** Results passed between the helpers (fields of one object, so that 32-bit values are never boxed). */
const t = new Scratch();

/**
 * SSn:ESPn of a 32-bit TSS for `cpl` and a `bytes`-byte frame below ESPn on a present, writable, expand-up,
 * 32-bit stack segment with RPL = DPL = `cpl`, every page of it writable through the TLB, dword aligned so that
 * no store crosses a page. False when any of that does not hold.
 */
function innerStack(cpu: Cpu, cpl: number, bytes: number, needAccessed: boolean): boolean {
  const tssType = cpu.trAttr & 0xf;
  if (tssType !== 0x9 && tssType !== 0xb) return false;
  const at = 4 + cpl * 8;
  if (at + 7 > cpu.trLimit) return false;
  const tp = supervisorPhys(cpu, (cpu.trBase + at) | 0, 8);
  if (tp < 0) return false;
  const sp = cpu.view.getInt32(tp, true) >>> 0;
  const ss = cpu.view.getInt32(tp + 4, true) & 0xffff;
  if ((ss & ~3) === 0 || (ss & 3) !== cpl) return false;
  const dp = descriptorPhys(cpu, ss);
  if (dp < 0) return false;
  const low = cpu.view.getInt32(dp, true), high = cpu.view.getInt32(dp + 4, true);
  if ((high & STACK_MASK) !== STACK_OK || ((high >>> 13) & 3) !== cpl || !(high & D_BIG)) return false;
  if (needAccessed && !(high & D_ACCESSED)) return false;
  if (sp < bytes) return false;
  const newSp = sp - bytes;
  if (newSp + bytes - 1 > (limit32(low, high) >>> 0)) return false;
  const lin = (base32(low, high) + newSp) | 0;
  if (lin & 3) return false;
  const last = (lin + bytes - 1) | 0;
  const entries = cpu.tlbEntries;
  const first = entries[lin >>> 12]!;
  if ((first & SUP_WRITE) !== SUP_WRITE || (entries[last >>> 12]! & SUP_WRITE) !== SUP_WRITE) return false;
  t.stackSel = ss; t.stackLow = low; t.stackHigh = high; t.frameSp = newSp; t.frameLin = lin;
  t.framePhys = ((lin ^ last) & ~0xfff) === 0 ? (first & ~0xfff) | (lin & 0xfff) : -1;
  return true;
}

/** Stores dword `k` (0 = lowest address) of the frame innerStack() checked (the general path's writeSup32). */
function storeFrame(cpu: Cpu, k: number, v: number): void {
  if (t.framePhys >= 0) { cpu.view.setInt32(t.framePhys + k * 4, v, true); return; }
  const lin = (t.frameLin + k * 4) | 0;
  const e = cpu.tlbEntries[lin >>> 12]!;
  cpu.view.setInt32((e & ~0xfff) | (lin & 0xfff), v, true);
}

/** A code descriptor for `selector`: present, accessed, non-conforming, in its table (left in t.codeLow/High). */
function readCode(cpu: Cpu, selector: number): boolean {
  if ((selector & ~3) === 0) return false;
  const p = descriptorPhys(cpu, selector);
  if (p < 0) return false;
  t.codeLow = cpu.view.getInt32(p, true);
  t.codeHigh = cpu.view.getInt32(p + 4, true);
  return (t.codeHigh & CODE_MASK) === CODE_OK;
}

/**
 * CALL through the 32-bit call gate `gateSel` to a more privileged non-conforming segment (callInward in
 * call-gate.ts). The caller has checked protected mode outside virtual-8086 mode.
 */
export function fastCallThroughGate(cpu: Cpu, gateSel: number): boolean {
  if ((gateSel & ~3) === 0 || !cpu.ss32) return false;
  const gp = descriptorPhys(cpu, gateSel);
  if (gp < 0) return false;
  const gLow = cpu.view.getInt32(gp, true), gHigh = cpu.view.getInt32(gp + 4, true);
  const cpl = cpu.cpl;
  const gateDpl = (gHigh >>> 13) & 3;
  // A present 32-bit call gate (S = 0, type 0xC) with DPL ≥ CPL and ≥ RPL.
  if ((gHigh & (D_P | 0x1f00)) !== (D_P | 0x0c00) || gateDpl < cpl || gateDpl < (gateSel & 3)) return false;
  const selector = gLow >>> 16;
  if (!readCode(cpu, selector)) return false;
  const cLow = t.codeLow, cHigh = t.codeHigh;
  const newCpl = (cHigh >>> 13) & 3;
  if (newCpl >= cpl) return false;
  const offset = (gHigh & 0xffff0000) | (gLow & 0xffff);
  const count = gHigh & 0x1f;
  const esp = cpu.r32[ESP]!;
  if (count > 0) {
    const p = stackPhys(cpu, esp, count * 4);
    if (p < 0) return false;
    for (let k = 0; k < count; k++) parameters[k] = cpu.view.getInt32(p + k * 4, true);
  }
  const words = 4 + count;
  if (!innerStack(cpu, newCpl, words * 4, true)) return false;
  if ((offset >>> 0) > (limit32(cLow, cHigh) >>> 0)) return false;
  // Everything passed: the frame of Figure 5-13, then SS, CPL, ESP, CS, EIP as callInward commits them.
  cpu.transferCause = TransferCause.CallGate;
  storeFrame(cpu, words - 1, cpu.sreg[SS]!);
  storeFrame(cpu, words - 2, esp);
  for (let k = 0; k < count; k++) storeFrame(cpu, 2 + k, parameters[k]!);
  storeFrame(cpu, 1, cpu.sreg[CS]!);
  storeFrame(cpu, 0, cpu.eip);
  cpu.setSegmentFromDescriptor(SS, t.stackSel, t.stackLow, t.stackHigh);
  cpu.setCpl(newCpl);
  cpu.r32[ESP] = t.frameSp;
  cpu.setSegmentFromDescriptor(CS, (selector & ~3) | newCpl, cLow, cHigh);
  cpu.eip = offset;
  return true;
}

/**
 * INT n (software, gate DPL checked) through a 32-bit interrupt or trap gate to a more privileged
 * non-conforming segment (deliver and deliverThroughGate in interrupts.ts, without an error code).
 * The caller has checked protected mode outside virtual-8086 mode and done the bookkeeping before the IDT read.
 */
export function fastSoftwareInterrupt(cpu: Cpu, vector: number): boolean {
  if (vector * 8 + 7 > cpu.idtLimit) return false;
  const gp = supervisorPhys(cpu, (cpu.idtBase + vector * 8) | 0, 8);
  if (gp < 0) return false;
  const gLow = cpu.view.getInt32(gp, true), gHigh = cpu.view.getInt32(gp + 4, true);
  const cpl = cpu.cpl;
  // A present 32-bit interrupt (0xE) or trap (0xF) gate, S = 0, DPL ≥ CPL.
  const type = (gHigh >>> 8) & 0x1f;
  if ((type !== 0xe && type !== 0xf) || !(gHigh & D_P) || ((gHigh >>> 13) & 3) < cpl) return false;
  const selector = gLow >>> 16;
  if (!readCode(cpu, selector)) return false;
  const cLow = t.codeLow, cHigh = t.codeHigh;
  const newCpl = (cHigh >>> 13) & 3;
  if (newCpl >= cpl) return false;
  const offset = (gHigh & 0xffff0000) | (gLow & 0xffff);
  if (!innerStack(cpu, newCpl, 20, false)) return false;
  if ((offset >>> 0) > (limit32(cLow, cHigh) >>> 0)) return false;
  const oldFlags = cpu.getEflags();
  storeFrame(cpu, 4, cpu.sreg[SS]!);
  storeFrame(cpu, 3, cpu.r32[ESP]!);
  storeFrame(cpu, 2, oldFlags);
  storeFrame(cpu, 1, cpu.sreg[CS]!);
  storeFrame(cpu, 0, cpu.eip);
  cpu.setSegmentFromDescriptor(SS, t.stackSel, t.stackLow, t.stackHigh);
  cpu.setCpl(newCpl);
  cpu.r32[ESP] = t.frameSp;
  cpu.setSegmentFromDescriptor(CS, (selector & ~3) | newCpl, cLow, cHigh);
  cpu.eip = offset;
  let clear = FLAG_TF | FLAG_NT | FLAG_RF | FLAG_VM;
  if (type === 0xe) clear |= FLAG_IF;
  cpu.flags = oldFlags & ~clear;
  cpu.ccOp = 0;
  // Unlike the general path, no eventCheck: delivery only clears IF, TF and RF, which cannot make an event due;
  // anything that was due (a breakpoint hit, an interrupt shadow, single-step) had set eventCheck already.
  return true;
}

/**
 * The return CS:EIP at [ESP] (and EFLAGS for IRET) read into t.ret*, the code descriptor checked (RPL ≥ CPL, DPL = RPL,
 * non-conforming), and for an outer level the SS:ESP above the released bytes with its descriptor.
 */

function readReturn(cpu: Cpu, words: number, release: number): boolean {
  if (!cpu.ss32) return false;
  const esp = cpu.r32[ESP]!;
  const p = stackPhys(cpu, esp, words * 4);
  if (p < 0) return false;
  t.retEip = cpu.view.getInt32(p, true);
  t.retCs = cpu.view.getInt32(p + 4, true) & 0xffff;
  if (words === 3) t.retFlags = cpu.view.getInt32(p + 8, true);
  if (!readCode(cpu, t.retCs)) return false;
  const rpl = t.retCs & 3;
  if (rpl < cpu.cpl || ((t.codeHigh >>> 13) & 3) !== rpl) return false;
  if (rpl === cpu.cpl) return (t.retEip >>> 0) <= (limit32(t.codeLow, t.codeHigh) >>> 0);
  const above = (esp + words * 4 + release) | 0;
  const q = stackPhys(cpu, above, 8);
  if (q < 0) return false;
  t.retEsp = cpu.view.getInt32(q, true);
  t.retSs = cpu.view.getInt32(q + 4, true) & 0xffff;
  // The outer SS: not null, RPL = DPL = RPL(CS), present writable data, accessed (the general path sets A).
  if ((t.retSs & ~3) === 0 || (t.retSs & 3) !== rpl) return false;
  const sp = descriptorPhys(cpu, t.retSs);
  if (sp < 0) return false;
  t.retSsLow = cpu.view.getInt32(sp, true);
  t.retSsHigh = cpu.view.getInt32(sp + 4, true);
  const need = D_P | D_S | D_CODE | D_WRITABLE | D_ACCESSED;
  if ((t.retSsHigh & need) !== (D_P | D_S | D_WRITABLE | D_ACCESSED) || ((t.retSsHigh >>> 13) & 3) !== rpl) return false;
  return (t.retEip >>> 0) <= (limit32(t.codeLow, t.codeHigh) >>> 0);
}

/** RETF imm16 with a 32-bit operand size (returnFar in far-transfer.ts, protected mode, not VM). */
export function fastReturnFar(cpu: Cpu, release: number): boolean {
  if (!readReturn(cpu, 2, release)) return false;
  const rpl = t.retCs & 3;
  if (rpl === cpu.cpl) {
    cpu.setSegmentFromDescriptor(CS, t.retCs, t.codeLow, t.codeHigh);
    cpu.setCpl(rpl);
    cpu.eip = t.retEip;
    cpu.r32[ESP] = (cpu.r32[ESP]! + 8 + release) | 0;
    return true;
  }
  cpu.setSegmentFromDescriptor(CS, t.retCs, t.codeLow, t.codeHigh);
  cpu.setCpl(rpl);
  cpu.setSegmentFromDescriptor(SS, t.retSs, t.retSsLow, t.retSsHigh);
  cpu.eip = t.retEip;
  if (cpu.ss32) cpu.r32[ESP] = (t.retEsp + release) | 0;
  else cpu.r16[ESP * 2] = (t.retEsp + release) & 0xffff;
  nullInaccessibleDataSegments(cpu);
  return true;
}

/**
 * IRETD without NT (interruptReturn in far-transfer.ts, protected mode, not VM); `flagMask` is the EFLAGS
 * mask for the CPL before the return. Not taken for a return to virtual-8086 mode.
 */
export function fastInterruptReturn(cpu: Cpu, flagMask: number): boolean {
  if (!readReturn(cpu, 3, 0)) return false;
  if ((t.retFlags & FLAG_VM) && cpu.cpl === 0) return false;
  const rpl = t.retCs & 3;
  if (rpl === cpu.cpl) {
    cpu.setSegmentFromDescriptor(CS, t.retCs, t.codeLow, t.codeHigh);
    cpu.setCpl(rpl);
    cpu.eip = t.retEip;
    cpu.r32[ESP] = (cpu.r32[ESP]! + 12) | 0;
    cpu.setEflags(t.retFlags, flagMask);
    return true;
  }
  cpu.setSegmentFromDescriptor(CS, t.retCs, t.codeLow, t.codeHigh);
  cpu.setCpl(rpl);
  cpu.setSegmentFromDescriptor(SS, t.retSs, t.retSsLow, t.retSsHigh);
  cpu.eip = t.retEip;
  cpu.setEflags(t.retFlags, flagMask);
  if (cpu.ss32) cpu.r32[ESP] = t.retEsp;
  else cpu.r16[ESP * 2] = t.retEsp & 0xffff;
  nullInaccessibleDataSegments(cpu);
  return true;
}
