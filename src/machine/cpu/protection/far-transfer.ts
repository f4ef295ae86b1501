// Far JMP, far CALL, far RET and IRET (SDM Vol. 2A "CALL", "JMP", Vol. 2B "RET", "IRET" pseudocode;
// Vol. 3A §5.8). Real mode and protected mode to code segments at the same or an outer privilege level.
// Call gates are in call-gate.ts, TSS descriptors, task gates and IRET with NT=1 in task-switch.ts.

import type { Cpu } from '../cpu.js';
import { TransferCause } from '../events.js';
import { NotImplementedError, Vector } from '../fault.js';
import { CS, SS, ESP } from '../registers.js';
import { FLAG_IF, FLAG_IOPL, FLAG_NT, FLAG_VM, FLAG_VIF, FLAG_VIP, FLAGS_WRITABLE } from '../eflags.js';
import { Descriptor, readDescriptor } from './descriptors.js';
import { cacheDescriptor, checkCodeLimit, checkDirectCodeTarget, loadCodeSegment, nullInaccessibleDataSegments } from './segment-load.js';
import { setAccessed } from './descriptors.js';
import { callThroughGate, isCallGate, jumpThroughGate } from './call-gate.js';
import { farTransferToTask, taskReturn } from './task-switch.js';
import { fastCallThroughGate, fastInterruptReturn, fastReturnFar } from './fast-transfer.js';

const target = new Descriptor();
const stack = new Descriptor();

/** JMP ptr16:16/32 and JMP m16:16/32. */
export function jumpFar(cpu: Cpu, selector: number, offset: number, o32: boolean): void {
  if (!o32) offset &= 0xffff;
  if (!cpu.protectedMode || (cpu.flags & FLAG_VM)) { realModeFarTarget(cpu, selector, offset); return; }
  const d = lookupTarget(cpu, selector);
  if (isCallGate(d)) { jumpThroughGate(cpu, d, selector); return; }
  if (!d.isSegment) { farTransferToTask(cpu, selector, d, false); return; }
  checkDirectCodeTarget(cpu, selector, d);
  checkCodeLimit(cpu, d, offset);
  loadCodeSegment(cpu, selector, d, cpu.cpl);
  cpu.eip = offset;
}

/** CALL ptr16:16/32 and CALL m16:16/32 to a code segment (same privilege). */
export function callFar(cpu: Cpu, selector: number, offset: number, o32: boolean): void {
  if (!o32) offset &= 0xffff;
  const retCs = cpu.sreg[CS]!, retEip = cpu.eip;
  if (!cpu.protectedMode || (cpu.flags & FLAG_VM)) {
    pushReturn(cpu, retCs, retEip, o32);
    realModeFarTarget(cpu, selector, offset);
    return;
  }
  if (cpu.fastTransfers && fastCallThroughGate(cpu, selector)) return;
  const d = lookupTarget(cpu, selector);
  if (isCallGate(d)) { callThroughGate(cpu, d, selector); return; }
  if (!d.isSegment) { farTransferToTask(cpu, selector, d, true); return; }
  checkDirectCodeTarget(cpu, selector, d);
  checkCodeLimit(cpu, d, offset);
  pushReturn(cpu, retCs, retEip, o32);
  loadCodeSegment(cpu, selector, d, cpu.cpl);
  cpu.eip = offset;
}

function pushReturn(cpu: Cpu, cs: number, eip: number, o32: boolean): void {
  const bytes = o32 ? 8 : 4;
  const sp = cpu.ss32 ? (cpu.r32[ESP]! - bytes) | 0 : (cpu.r16[ESP * 2]! - bytes) & 0xffff;
  cpu.probeWrite(SS, sp, bytes);
  if (o32) { cpu.push32(cs); cpu.push32(eip); } else { cpu.push16(cs); cpu.push16(eip); }
}

function realModeFarTarget(cpu: Cpu, selector: number, offset: number): void {
  if ((offset >>> 0) > cpu.segHigh[CS]!) cpu.raiseGP(0);
  cpu.setSegmentCache(CS, selector, selector << 4, cpu.segHigh[CS]!, cpu.segAttr[CS]!);
  cpu.eip = offset;
}

/** Null → #GP(0); outside the table → #GP(selector). */
function lookupTarget(cpu: Cpu, selector: number): Descriptor {
  if ((selector & ~3) === 0) cpu.raiseGP(0);
  if (!readDescriptor(cpu, selector, target)) cpu.raiseGP(selector & 0xfffc);
  return target;
}

/** Checks of the return CS shared by RETF and IRET; returns the descriptor in `target`. */
function checkReturnCode(cpu: Cpu, selector: number): Descriptor {
  const d = lookupTarget(cpu, selector);
  const code = selector & 0xfffc;
  const rpl = selector & 3;
  // Not code, RPL < CPL, conforming with DPL > RPL, non-conforming with DPL ≠ RPL → #GP(selector).
  if (!d.isCode || rpl < cpu.cpl) cpu.raiseGP(code);
  if (d.isConforming ? d.dpl > rpl : d.dpl !== rpl) cpu.raiseGP(code);
  if (!d.present) cpu.raise(Vector.NP, code);
  return d;
}

/** The outer-level SS popped by RETF/IRET: RPL = DPL = return CPL, writable data, present. */
function checkReturnStack(cpu: Cpu, ss: number, rpl: number): void {
  if ((ss & ~3) === 0) cpu.raiseGP(0);
  if (!readDescriptor(cpu, ss, stack)) cpu.raiseGP(ss & 0xfffc);
  if ((ss & 3) !== rpl || stack.dpl !== rpl || !stack.isSegment || stack.isCode || !stack.isWritable) cpu.raiseGP(ss & 0xfffc);
  if (!stack.present) cpu.raise(Vector.SS, ss & 0xfffc);
}

/** Word `k` of a far-return or IRET frame on the current stack: dwords for a 32-bit operand size. */
function stackWord(cpu: Cpu, o32: boolean, k: number): number {
  return o32 ? cpu.stackRead32(k * 4) : cpu.stackRead16(k * 2);
}

/** A RETF/IRET to CS:offset at the current privilege level. */
function returnSameLevel(cpu: Cpu, d: Descriptor, cs: number, offset: number): void {
  checkCodeLimit(cpu, d, offset);
  loadCodeSegment(cpu, cs, d, cs & 3);
  cpu.eip = offset;
}

/** A RETF/IRET to the outer level RPL(cs): checks the popped SS and the offset, then loads CS, SS and EIP (ESP is the caller's). */
function returnOuterLevel(cpu: Cpu, d: Descriptor, cs: number, offset: number, newSs: number): void {
  checkReturnStack(cpu, newSs, cs & 3);
  checkCodeLimit(cpu, d, offset);
  loadCodeSegment(cpu, cs, d, cs & 3);
  setAccessed(cpu, stack);
  cacheDescriptor(cpu, SS, newSs, stack);
  cpu.eip = offset;
}

/** RETF [imm16]. */
export function returnFar(cpu: Cpu, o32: boolean, release: number): void {
  cpu.transferCause = TransferCause.Retf;
  if (o32 && cpu.fastTransfers && cpu.protectedMode && !(cpu.flags & FLAG_VM) && fastReturnFar(cpu, release)) return;
  const w = o32 ? 4 : 2;
  const eip = stackWord(cpu, o32, 0) | 0;
  const cs = stackWord(cpu, o32, 1) & 0xffff;
  if (!cpu.protectedMode || (cpu.flags & FLAG_VM)) {
    realModeFarTarget(cpu, cs, o32 ? eip : eip & 0xffff);
    cpu.adjustEsp(2 * w + release);
    return;
  }
  const d = checkReturnCode(cpu, cs);
  const rpl = cs & 3;
  const offset = o32 ? eip : eip & 0xffff;
  if (rpl === cpu.cpl) {
    returnSameLevel(cpu, d, cs, offset);
    cpu.adjustEsp(2 * w + release);
    return;
  }
  // Return to an outer privilege level: ESP and SS follow the released parameters.
  const newEsp = o32 ? cpu.stackRead32(2 * w + release) : cpu.stackRead16(2 * w + release);
  const newSs = (o32 ? cpu.stackRead32(2 * w + release + w) : cpu.stackRead16(2 * w + release + w)) & 0xffff;
  returnOuterLevel(cpu, d, cs, offset, newSs);
  if (cpu.ss32) cpu.r32[ESP] = (newEsp + release) | 0;
  else cpu.r16[ESP * 2] = (newEsp + release) & 0xffff;
  nullInaccessibleDataSegments(cpu);
}

/** IRET/IRETD without NT: same-level or outer-level return (SDM IRET "PROTECTED-MODE-RETURN"). */
export function interruptReturn(cpu: Cpu, o32: boolean): void {
  cpu.transferCause = TransferCause.Iret;
  const w = o32 ? 4 : 2;
  if (!cpu.protectedMode) {
    const eip = stackWord(cpu, o32, 0) & 0xffff, cs = stackWord(cpu, o32, 1) & 0xffff, flags = stackWord(cpu, o32, 2);
    realModeFarTarget(cpu, cs, o32 ? stackWord(cpu, o32, 0) : eip);
    cpu.adjustEsp(3 * w);
    const mask = o32 ? FLAGS_WRITABLE & ~(FLAG_VM | FLAG_VIF | FLAG_VIP) : 0xffff & FLAGS_WRITABLE;
    cpu.setEflags(flags, mask);
    return;
  }
  if (cpu.flags & FLAG_VM) throw new NotImplementedError('IRET in virtual-8086 mode', cpu.eip);
  if (cpu.flags & FLAG_NT) { taskReturn(cpu); return; }
  if (o32 && cpu.fastTransfers && fastInterruptReturn(cpu, iretFlagMask(cpu, cpu.cpl, true))) return;
  const eip = stackWord(cpu, o32, 0) | 0, cs = stackWord(cpu, o32, 1) & 0xffff, flags = stackWord(cpu, o32, 2) | 0;
  if (o32 && (flags & FLAG_VM) && cpu.cpl === 0) throw new NotImplementedError('IRET to virtual-8086 mode', cpu.eip);
  const d = checkReturnCode(cpu, cs);
  const rpl = cs & 3;
  const offset = o32 ? eip : eip & 0xffff;
  const oldCpl = cpu.cpl;
  if (rpl === cpu.cpl) {
    returnSameLevel(cpu, d, cs, offset);
    cpu.adjustEsp(3 * w);
    cpu.setEflags(flags, iretFlagMask(cpu, oldCpl, o32));
    return;
  }
  const newEsp = stackWord(cpu, o32, 3) | 0, newSs = stackWord(cpu, o32, 4) & 0xffff;
  returnOuterLevel(cpu, d, cs, offset, newSs);
  cpu.setEflags(flags, iretFlagMask(cpu, oldCpl, o32));
  if (cpu.ss32) cpu.r32[ESP] = newEsp; else cpu.r16[ESP * 2] = newEsp & 0xffff;
  nullInaccessibleDataSegments(cpu);
}

/** IOPL changes only at CPL 0, IF only when CPL ≤ IOPL, judged at the CPL before the return (SDM IRET). */
function iretFlagMask(cpu: Cpu, cpl: number, o32: boolean): number {
  let mask = FLAGS_WRITABLE & ~(FLAG_VM | FLAG_IOPL | FLAG_IF | FLAG_VIF | FLAG_VIP);
  if (cpl === 0) mask |= FLAG_IOPL;
  if (cpl <= ((cpu.flags & FLAG_IOPL) >>> 12)) mask |= FLAG_IF;
  return o32 ? mask : mask & 0xffff;
}
