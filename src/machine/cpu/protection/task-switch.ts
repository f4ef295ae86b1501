// Hardware task switching (SDM Vol. 3A chapter 7; the TASK-GATE, TASK-STATE-SEGMENT and TASK-RETURN branches of
// "CALL", "JMP", "INT n" and "IRET" in Vol. 2): far JMP/CALL to a TSS descriptor or through a task gate (GDT or
// LDT), interrupts and exceptions through a task gate in the IDT, and IRET with EFLAGS.NT = 1. Both the 32-bit
// TSS (types 9/11, Figure 7-2) and the 16-bit TSS (types 1/3, §7.6) are handled.
//
// The switch runs in three stages, so that each fault lands in the task the SDM gives it:
//  1. checks and reads (§7.3 steps 1-5): the descriptor checks of the instruction, the TSS limit, the whole new
//     state read, and every page the switch will store to touched. A fault here belongs to the old task, which
//     is left as it was (its instruction restarts).
//  2. the commit (steps 6-11): old state saved, busy bits, NT and the back link per Table 7-2, TR, CR0.TS, EIP,
//     EFLAGS and the general registers loaded; the segment registers get their new selectors with unusable
//     caches. Nothing here can fault.
//  3. qualification (steps 12-13, Table 7-1): CR3 (PAE may refuse its PDPTEs), LDTR, CS, SS, ES, DS, FS, GS
//     loaded with their checks, then (for an interrupt) the error code pushed and EIP checked against CS. A fault
//     here belongs to the new task: it is delivered with the new task's CS:EIP, its stack and its TR.

import type { Cpu } from '../cpu.js';
import { TransferCause } from '../events.js';
import { CpuFault, NotImplementedError, Vector } from '../fault.js';
import { CR0_PG, CR0_TS, FLAG_NT, FLAG_VM, FLAGS_WRITABLE } from '../eflags.js';
import { CS, SS, ES, DS, FS, GS } from '../registers.js';
import { attrFromDescriptorHigh, descriptorBase, descriptorLimit } from '../segments.js';
import { Descriptor, readDescriptor, setAccessed } from './descriptors.js';
import { cacheDescriptor } from './segment-load.js';
import { deliverException } from './interrupts.js';
import { rearmBreakpoints, writeCr3 } from '../exec/system.js';

/** What started the switch: it decides the busy bits, NT and the back link (SDM Vol. 3A Table 7-2). */
export const enum TaskSwitchSource { Jump, Call, Interrupt, Iret }

const TASK_GATE = 0x5;
const LDT_TYPE = 0x2;
/** Type bit 1 of a TSS descriptor: 1 = busy (types 3 and 11), 0 = available (types 1 and 9). */
const TSS_BUSY = 0x2;
/** Type bit 3 of a TSS descriptor: 1 = 32-bit TSS. */
const TSS_32BIT = 0x8;

/** Where a TSS keeps each field (SDM Vol. 3A Figure 7-2; §7.6 for the 16-bit TSS). */
interface TssLayout {
  readonly eip: number;
  readonly eflags: number;
  /** EAX, ECX, EDX, EBX, ESP, EBP, ESI, EDI, `step` bytes apart. */
  readonly gpr: number;
  /** ES, CS, SS, DS[, FS, GS], `step` bytes apart. */
  readonly seg: number;
  readonly segCount: number;
  readonly step: number;
  readonly ldt: number;
  /** The smallest limit that holds every field: 0x67 (104 bytes) or 0x2B (44 bytes), else #TS (Table 7-1). */
  readonly minLimit: number;
  readonly wide: boolean;
}

const TSS32: TssLayout = { eip: 0x20, eflags: 0x24, gpr: 0x28, seg: 0x48, segCount: 6, step: 4, ldt: 0x60, minLimit: 0x67, wide: true };
const TSS16: TssLayout = { eip: 0x0e, eflags: 0x10, gpr: 0x12, seg: 0x22, segCount: 4, step: 2, ldt: 0x2a, minLimit: 0x2b, wide: false };
/** Offset of CR3 (PDBR) in a 32-bit TSS; a 16-bit TSS has none. */
const TSS32_CR3 = 0x1c;
/** DR7 L0-L3: the local breakpoint enables are cleared on every task switch (SDM Vol. 3A §17.2.4). */
const DR7_LOCAL_ENABLES = 0x55;

const gate = new Descriptor();
const tss = new Descriptor();
const scratch = new Descriptor();
const newRegs = new Int32Array(8);
const newSegs = new Uint16Array(6);
const DATA_SEGMENTS = [ES, DS, FS, GS] as const;

/** A TSS descriptor of either size, available or busy: S = 0 and type 1, 3, 9 or 11. */
function isTss(d: Descriptor): boolean {
  return !d.isSegment && (d.type & 0x5) === 0x1;
}

/** Far JMP or CALL whose selector names a system descriptor that is not a call gate (SDM JMP/CALL pseudocode). */
export function farTransferToTask(cpu: Cpu, selector: number, d: Descriptor, call: boolean): void {
  const source = call ? TaskSwitchSource.Call : TaskSwitchSource.Jump;
  const code = selector & 0xfffc;
  if (!d.isSegment && d.type === TASK_GATE) {
    gate.low = d.low; gate.high = d.high; gate.addr = d.addr;
    // Gate DPL < CPL or < RPL → #GP(gate selector); not present → #NP(gate selector).
    if (gate.dpl < cpu.cpl || gate.dpl < (selector & 3)) cpu.raiseGP(code);
    if (!gate.present) cpu.raise(Vector.NP, code);
    const tssSel = gate.gateSelector;
    readTssThroughGate(cpu, tssSel, 0);
    switchTasks(cpu, tssSel, source, 0, -1, true);
    return;
  }
  // Anything but a code segment, call gate, task gate or TSS → #GP(selector); a TSS lives only in the GDT.
  if (!isTss(d) || (selector & 4)) cpu.raiseGP(code);
  tss.low = d.low; tss.high = d.high; tss.addr = d.addr;
  // TSS DPL < CPL or < RPL, or a busy TSS → #GP(TSS selector); not present → #NP(TSS selector).
  if (tss.dpl < cpu.cpl || tss.dpl < (selector & 3) || (tss.type & TSS_BUSY)) cpu.raiseGP(code);
  if (!tss.present) cpu.raise(Vector.NP, code);
  switchTasks(cpu, selector, source, 0, -1, true);
}

/**
 * An interrupt or exception through a task gate in the IDT (SDM "INT n" TASK-GATE; gate type, DPL and P are
 * checked by the caller). No DPL check on the TSS. `errorCode` ≥ 0 is pushed on the new task's stack.
 * A fault in the new task's context is delivered here for a software interrupt (INT n has completed by then);
 * for an exception or external interrupt it is thrown, so that the caller escalates it (Table 6-5).
 */
export function switchTaskThroughIdt(cpu: Cpu, idtGate: Descriptor, ext: number, errorCode: number, software: boolean): void {
  const tssSel = idtGate.gateSelector;
  readTssThroughGate(cpu, tssSel, ext);
  switchTasks(cpu, tssSel, TaskSwitchSource.Interrupt, ext, errorCode, software);
}

/** The TSS a task gate names: in the GDT (TI = 0, inside the limit), a TSS, available, present; left in `tss`. */
function readTssThroughGate(cpu: Cpu, tssSel: number, ext: number): void {
  const code = (tssSel & 0xfffc) | ext;
  if ((tssSel & 4) || !readDescriptor(cpu, tssSel, tss)) cpu.raiseGP(code);
  if (!isTss(tss) || (tss.type & TSS_BUSY)) cpu.raiseGP(code);
  if (!tss.present) cpu.raise(Vector.NP, code);
}

/** IRET with NT = 1: back to the task in the current TSS's previous-task link (SDM IRET TASK-RETURN). */
export function taskReturn(cpu: Cpu): void {
  const link = cpu.readSup16(cpu.trBase);
  const code = link & 0xfffc;
  // Link with TI = 1 or outside the GDT, not a TSS, or a TSS that is not busy → #TS(link); not present → #NP(link).
  if ((link & 4) || !readDescriptor(cpu, link, tss)) cpu.raise(Vector.TS, code);
  if (!isTss(tss) || !(tss.type & TSS_BUSY)) cpu.raise(Vector.TS, code);
  if (!tss.present) cpu.raise(Vector.NP, code);
  switchTasks(cpu, link, TaskSwitchSource.Iret, 0, -1, true);
}

/**
 * SWITCH-TASKS to the TSS `sel` whose descriptor is in `tss` (SDM Vol. 3A §7.3). `ext` is the EXT bit of every
 * error code; `errorCode` ≥ 0 is pushed on the new stack (interrupts); `deliverHere` says whether a fault in the
 * new task is delivered by this function (true) or thrown to the caller.
 */
function switchTasks(cpu: Cpu, sel: number, source: TaskSwitchSource, ext: number, errorCode: number, deliverHere: boolean): void {
  const layout = tss.type & TSS_32BIT ? TSS32 : TSS16;
  const base = descriptorBase(tss.low, tss.high);
  const limit = descriptorLimit(tss.low, tss.high);
  // TSS limit below 0x67 (32-bit) or 0x2B (16-bit) → #TS(new TSS selector).
  if (limit < layout.minLimit) cpu.raise(Vector.TS, (sel & 0xfffc) | ext);
  const nested = source === TaskSwitchSource.Call || source === TaskSwitchSource.Interrupt;
  const state = readNewState(cpu, base, layout);
  touchStores(cpu, nested ? base : -1);

  // Commit: from here on nothing faults until the new task's segment registers are qualified.
  if (source === TaskSwitchSource.Jump || source === TaskSwitchSource.Iret) setBusy(cpu, (cpu.gdtBase + (cpu.trSel & ~7)) | 0, false);
  let oldFlags = cpu.getEflags();
  if (source === TaskSwitchSource.Iret) oldFlags &= ~FLAG_NT;
  saveOldState(cpu, oldFlags);
  let flags = state.eflags;
  if (nested) {
    writeSup16(cpu, base, cpu.trSel);
    flags |= FLAG_NT;
  }
  if (source !== TaskSwitchSource.Iret) setBusy(cpu, tss.addr, true);
  cpu.trSel = sel;
  cpu.trBase = base;
  cpu.trLimit = limit;
  cpu.trAttr = attrFromDescriptorHigh(tss.high | (TSS_BUSY << 8));
  cpu.events.tableLoad('tr', sel, base, limit);
  cpu.cr0 |= CR0_TS;
  if (cpu.dr[7]! & DR7_LOCAL_ENABLES) {
    cpu.dr[7] = cpu.dr[7]! & ~DR7_LOCAL_ENABLES;
    rearmBreakpoints(cpu);
  }
  const cr3 = state.cr3;
  loadRegisters(cpu, layout, flags, state.eip, state.ldt);

  try {
    // CR3 from a 32-bit TSS, only with paging on; under PAE its PDPTEs may #GP(0), a fault of the new task.
    if (layout.wide && (cpu.cr0 & CR0_PG)) writeCr3(cpu, cr3);
    qualifyNewState(cpu, state.ldt, ext);
    if (errorCode >= 0) pushErrorCode(cpu, layout.wide, errorCode, ext);
    // EIP beyond the new CS limit → #GP(0) (#GP(EXT) for an interrupt), in the new task.
    if ((cpu.eip >>> 0) > cpu.segHigh[CS]!) cpu.raiseGP(ext);
  } catch (e) {
    if (!(e instanceof CpuFault) || !deliverHere) throw e;
    deliverException(cpu, e.vector, e.hasErrorCode ? e.errorCode : -1);
  }
}

interface NewTaskState { cr3: number; eip: number; eflags: number; ldt: number }
const newState: NewTaskState = { cr3: 0, eip: 0, eflags: 0, ldt: 0 };

/** Reads the whole new task state (a #PF here is the old task's); registers go to newRegs/newSegs. */
function readNewState(cpu: Cpu, base: number, layout: TssLayout): NewTaskState {
  const read = layout.wide ? (off: number) => cpu.readSup32((base + off) | 0) : (off: number) => cpu.readSup16((base + off) | 0);
  newState.cr3 = layout.wide ? cpu.readSup32((base + TSS32_CR3) | 0) : 0;
  newState.eip = read(layout.eip);
  newState.eflags = read(layout.eflags);
  for (let k = 0; k < 8; k++) newRegs[k] = read(layout.gpr + k * layout.step);
  newSegs.fill(0);
  for (let s = 0; s < layout.segCount; s++) newSegs[s] = cpu.readSup16((base + layout.seg + s * layout.step) | 0);
  newState.ldt = cpu.readSup16((base + layout.ldt) | 0);
  if (layout.wide && (newState.eflags & FLAG_VM)) throw new NotImplementedError('task switch to a virtual-8086 task', cpu.eip);
  return newState;
}

/**
 * Touches, as supervisor writes, every page the commit stores to (§7.3 step 5): the save area of the old TSS,
 * the link field of the new one (`linkAt` ≥ 0), and the two TSS descriptors whose busy bits may change.
 */
function touchStores(cpu: Cpu, linkAt: number): void {
  const old = cpu.trAttr & TSS_32BIT ? TSS32 : TSS16;
  const first = (cpu.trBase + old.eip) | 0;
  const last = (cpu.trBase + old.seg + old.segCount * old.step - 1) | 0;
  cpu.probeSupervisorWrite(first);
  if ((first ^ last) & ~0xfff) cpu.probeSupervisorWrite(last);
  if (linkAt !== -1) { cpu.probeSupervisorWrite(linkAt); cpu.probeSupervisorWrite((linkAt + 1) | 0); }
  cpu.probeSupervisorWrite((cpu.gdtBase + (cpu.trSel & ~7) + 5) | 0);
  cpu.probeSupervisorWrite((tss.addr + 5) | 0);
}

/** Sets or clears the busy bit in the type byte of the TSS descriptor at linear `addr`. */
function setBusy(cpu: Cpu, addr: number, busy: boolean): void {
  const typeByte = cpu.readSup32(addr + 4) >>> 8 & 0xff;
  cpu.writeSup8((addr + 5) | 0, busy ? typeByte | TSS_BUSY : typeByte & ~TSS_BUSY);
  if (addr === tss.addr) tss.high = busy ? tss.high | (TSS_BUSY << 8) : tss.high & ~(TSS_BUSY << 8);
}

function writeSup16(cpu: Cpu, lin: number, v: number): void {
  cpu.writeSup8(lin, v & 0xff);
  cpu.writeSup8((lin + 1) | 0, (v >>> 8) & 0xff);
}

/** Stores EIP, EFLAGS, the general registers and the segment selectors into the current (old) TSS. */
function saveOldState(cpu: Cpu, flags: number): void {
  const layout = cpu.trAttr & TSS_32BIT ? TSS32 : TSS16;
  const at = (off: number) => (cpu.trBase + off) | 0;
  const store = layout.wide ? (off: number, v: number) => cpu.writeSup32(at(off), v) : (off: number, v: number) => writeSup16(cpu, at(off), v);
  store(layout.eip, cpu.eip);
  store(layout.eflags, flags);
  for (let k = 0; k < 8; k++) store(layout.gpr + k * layout.step, cpu.r32[k]!);
  for (let s = 0; s < layout.segCount; s++) writeSup16(cpu, at(layout.seg + s * layout.step), cpu.sreg[s]!);
}

/**
 * EIP, EFLAGS and the general registers of the new task; its selectors with unusable caches, LDTR likewise, and
 * CPL from the new CS's RPL (until qualified, an LDTR with limit 0 makes every TI = 1 selector fail). A 16-bit TSS loads only the low halves (the upper ones are kept) and null FS/GS.
 */
function loadRegisters(cpu: Cpu, layout: TssLayout, flags: number, eip: number, ldt: number): void {
  cpu.eip = eip;
  if (layout.wide) {
    cpu.setEflags(flags, FLAGS_WRITABLE & ~FLAG_VM);
    for (let k = 0; k < 8; k++) cpu.r32[k] = newRegs[k]!;
  } else {
    cpu.setEflags(flags, FLAGS_WRITABLE & 0xffff);
    for (let k = 0; k < 8; k++) cpu.r16[k * 2] = newRegs[k]!;
  }
  for (let s = 0; s < 6; s++) cpu.setNullSegment(s, newSegs[s]!);
  cpu.ldtSel = ldt; cpu.ldtBase = 0; cpu.ldtLimit = 0; cpu.ldtAttr = 0;
  cpu.transferCause = TransferCause.TaskSwitch;
  cpu.setCpl(newSegs[CS]! & 3);
  cpu.eventCheck = true;
}

/** Loads LDTR, CS, SS, then ES, DS, FS, GS of the new task with the checks of Table 7-1. */
function qualifyNewState(cpu: Cpu, ldt: number, ext: number): void {
  loadTaskLdt(cpu, ldt, ext);
  loadTaskCode(cpu, newSegs[CS]!, ext);
  loadTaskStack(cpu, newSegs[SS]!, ext);
  for (const s of DATA_SEGMENTS) loadTaskData(cpu, s, newSegs[s]!, ext);
}

/** LDTR: null leaves no LDT; TI = 1, outside the GDT, not an LDT descriptor, or not present → #TS(LDT selector). */
function loadTaskLdt(cpu: Cpu, sel: number, ext: number): void {
  if ((sel & ~3) === 0) { cpu.ldtSel = sel; return; }
  const code = (sel & 0xfffc) | ext;
  if ((sel & 4) || !readDescriptor(cpu, sel, scratch)) cpu.raise(Vector.TS, code);
  if (scratch.isSegment || scratch.type !== LDT_TYPE || !scratch.present) cpu.raise(Vector.TS, code);
  cpu.ldtSel = sel;
  cpu.ldtBase = descriptorBase(scratch.low, scratch.high);
  cpu.ldtLimit = descriptorLimit(scratch.low, scratch.high);
  cpu.ldtAttr = attrFromDescriptorHigh(scratch.high);
  cpu.events.tableLoad('ldt', sel, cpu.ldtBase, cpu.ldtLimit);
}

/** CS: a code segment with DPL = RPL (conforming: DPL ≤ RPL), else #TS(CS); not present → #NP(CS). */
function loadTaskCode(cpu: Cpu, sel: number, ext: number): void {
  const code = (sel & 0xfffc) | ext;
  if ((sel & ~3) === 0 || !readDescriptor(cpu, sel, scratch) || !scratch.isCode) cpu.raise(Vector.TS, code);
  if (scratch.isConforming ? scratch.dpl > (sel & 3) : scratch.dpl !== (sel & 3)) cpu.raise(Vector.TS, code);
  if (!scratch.present) cpu.raise(Vector.NP, code);
  setAccessed(cpu, scratch);
  cacheDescriptor(cpu, CS, sel, scratch);
}

/** SS: writable data with DPL = RPL = CPL, else #TS(SS) (null: #TS(EXT)); not present → #SS(SS). */
function loadTaskStack(cpu: Cpu, sel: number, ext: number): void {
  const code = (sel & 0xfffc) | ext;
  if ((sel & ~3) === 0 || !readDescriptor(cpu, sel, scratch)) cpu.raise(Vector.TS, code);
  if (!scratch.isSegment || scratch.isCode || !scratch.isWritable) cpu.raise(Vector.TS, code);
  if (scratch.dpl !== cpu.cpl || (sel & 3) !== cpu.cpl) cpu.raise(Vector.TS, code);
  if (!scratch.present) cpu.raise(Vector.SS, code);
  setAccessed(cpu, scratch);
  cacheDescriptor(cpu, SS, sel, scratch);
}

/**
 * DS, ES, FS, GS: null stays unusable; data or readable code, else #TS(selector); data and non-conforming code
 * need DPL ≥ CPL and DPL ≥ RPL, else #TS(selector); not present → #NP(selector).
 */
function loadTaskData(cpu: Cpu, seg: number, sel: number, ext: number): void {
  if ((sel & ~3) === 0) return;
  const code = (sel & 0xfffc) | ext;
  if (!readDescriptor(cpu, sel, scratch) || !scratch.isSegment || (scratch.isCode && !scratch.isReadable)) cpu.raise(Vector.TS, code);
  if ((!scratch.isCode || !scratch.isConforming) && (scratch.dpl < cpu.cpl || scratch.dpl < (sel & 3))) cpu.raise(Vector.TS, code);
  if (!scratch.present) cpu.raise(Vector.NP, code);
  setAccessed(cpu, scratch);
  cacheDescriptor(cpu, seg, sel, scratch);
}

/** The error code of an exception delivered through a task gate, pushed on the new task's stack (#SS(EXT) if it does not fit). */
function pushErrorCode(cpu: Cpu, wide: boolean, errorCode: number, ext: number): void {
  try {
    if (wide) cpu.push32(errorCode); else cpu.push16(errorCode);
  } catch (e) {
    if (e instanceof CpuFault && e.vector === Vector.SS && e.errorCode === 0) cpu.raise(Vector.SS, ext);
    throw e;
  }
}
