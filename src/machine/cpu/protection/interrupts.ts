// Interrupt and exception delivery: the real-mode IVT (SDM Vol. 3A §20.1.4) and protected-mode
// interrupt/trap gates with stack switching (§6.12), plus double- and triple-fault escalation (§6.15).

import type { Cpu } from '../cpu.js';
import { TransferCause } from '../events.js';
import { CpuFault, Vector, VECTOR_NAMES, hasErrorCode, isDoubleFault, isFaultClass, NotImplementedError } from '../fault.js';
import { FLAG_IF, FLAG_NT, FLAG_RF, FLAG_TF, FLAG_VM, FLAG_AC } from '../eflags.js';
import { CS, SS, ESP } from '../registers.js';
import { Descriptor, readDescriptor } from './descriptors.js';
import { cacheDescriptor, checkCodeLimit, loadCodeSegment } from './segment-load.js';
import { descriptorBase, descriptorLimit } from '../segments.js';
import { PendingStack } from './stack-frame.js';
import { switchTaskThroughIdt } from './task-switch.js';
import { fastSoftwareInterrupt } from './fast-transfer.js';

export type TripleFaultHandler = (reason: string) => void;

const GATE_TASK = 0x5;
const GATE_INT16 = 0x6, GATE_TRAP16 = 0x7, GATE_INT32 = 0xe, GATE_TRAP32 = 0xf;

const gate = new Descriptor();
const target = new Descriptor();
/** The inner-ring stack being built (shared with call gates, which switch stacks the same way). */
export const stackDesc = new Descriptor();
export const frame = new PendingStack();

/** How an event arose: it decides the EXT bit and whether the gate DPL is checked (§6.12.1.1). */
export const enum EventSource { Exception, Software, External, Icebp }

/**
 * Delivers an exception (or a software/hardware interrupt) through the IDT. A fault raised during
 * delivery escalates per Table 6-5: serially, to #DF, or (while delivering #DF) to a triple fault.
 */
export function deliverException(cpu: Cpu, vector: number, errorCode: number, source: EventSource = EventSource.Exception): void {
  try {
    deliver(cpu, vector, errorCode, source);
  } catch (e) {
    if (!(e instanceof CpuFault)) throw e;
    // A fault while delivering INT n/INT3/INTO is a fault of that instruction: EIP goes back to it.
    if (source === EventSource.Software) throw e;
    const second = e.vector, code = e.hasErrorCode ? e.errorCode : -1;
    if (vector === Vector.DF) { tripleFault(cpu, `${VECTOR_NAMES[second] ?? second} while delivering #DF`); return; }
    if (isDoubleFault(vector, second)) { deliverDoubleFault(cpu, second); return; }
    // Benign combinations are handled serially: deliver the second exception.
    deliverException(cpu, second, code);
  }
}

function deliverDoubleFault(cpu: Cpu, second: number): void {
  try {
    deliver(cpu, Vector.DF, 0, EventSource.Exception);
  } catch (e) {
    if (!(e instanceof CpuFault)) throw e;
    tripleFault(cpu, `${VECTOR_NAMES[e.vector] ?? e.vector} while delivering #DF (raised by ${VECTOR_NAMES[second] ?? second})`);
  }
}

function tripleFault(cpu: Cpu, reason: string): void {
  cpu.halted = true;
  cpu.stop();
  cpu.onTripleFault(`triple fault: ${reason} at ${hex(cpu.sreg[CS]!, 4)}:${hex(cpu.eip >>> 0, 8)}`);
}

/** A maskable interrupt from the PIC (INTR): EXT=1, no gate DPL check. */
export function deliverExternalInterrupt(cpu: Cpu, vector: number): void {
  deliverException(cpu, vector, -1, EventSource.External);
}

/** INT n, INT3, INTO: software interrupts check the gate DPL against CPL; EIP already points past them. */
export function deliverSoftwareInterrupt(cpu: Cpu, vector: number): void {
  deliverException(cpu, vector, -1, EventSource.Software);
}

/**
 * RF in the EFLAGS image of a fault-class exception is 1 (SDM §17.3.1.1), so that the faulting instruction
 * can restart without tripping an execute breakpoint again, except for the #DB of that breakpoint itself.
 */
let pushResumeFlag = false;

function deliver(cpu: Cpu, vector: number, errorCode: number, source: EventSource): void {
  pushResumeFlag = source === EventSource.Exception && (vector === Vector.DB ? cpu.generalDetect : isFaultClass(vector));
  cpu.generalDetect = false;
  const exception = source === EventSource.Exception;
  if (exception) cpu.events.exception(vector, errorCode, cpu.sreg[CS]!, cpu.eip, cpu.cpl);
  else cpu.events.interrupt(vector, source === EventSource.External, cpu.sreg[CS]!, cpu.eip, cpu.cpl);
  cpu.transferCause = exception ? TransferCause.Exception : TransferCause.Interrupt;
  cpu.transferVector = vector;
  if (!cpu.protectedMode) { deliverReal(cpu, vector); return; }
  if (cpu.flags & FLAG_VM) throw new NotImplementedError('interrupt from virtual-8086 mode', cpu.eip);
  if (source === EventSource.Software && cpu.fastTransfers && fastSoftwareInterrupt(cpu, vector)) return;
  const ext = source === EventSource.External || source === EventSource.Exception ? 1 : 0;
  const idtCode = vector * 8 + 2 + ext;
  // Vector beyond the IDT limit → #GP(vector*8+2+EXT).
  if (vector * 8 + 7 > cpu.idtLimit) cpu.raise(Vector.GP, idtCode);
  gate.addr = (cpu.idtBase + vector * 8) | 0;
  gate.low = cpu.readSup32(gate.addr);
  gate.high = cpu.readSup32((gate.addr + 4) | 0);
  const type = gate.type;
  if (gate.isSegment || (type !== GATE_TASK && type !== GATE_INT16 && type !== GATE_TRAP16 && type !== GATE_INT32 && type !== GATE_TRAP32)) {
    cpu.raise(Vector.GP, idtCode);
  }
  // Software interrupts (not INTR, exceptions or ICEBP): gate DPL < CPL → #GP(vector*8+2).
  if (source === EventSource.Software && gate.dpl < cpu.cpl) cpu.raise(Vector.GP, idtCode);
  if (!gate.present) cpu.raise(Vector.NP, idtCode);
  if (type === GATE_TASK) {
    const code = source === EventSource.Exception && errorCode >= 0 && hasErrorCode(vector) ? errorCode : -1;
    switchTaskThroughIdt(cpu, gate, ext, code, source === EventSource.Software);
    return;
  }
  const pushCode = source === EventSource.Exception && errorCode >= 0 && hasErrorCode(vector);
  deliverThroughGate(cpu, type, ext, pushCode ? errorCode : -1);
}

/** Interrupt/trap gate to a code segment, same or more privileged (SDM §6.12.1, "INT n" pseudocode). */
function deliverThroughGate(cpu: Cpu, type: number, ext: number, errorCode: number): void {
  const selector = gate.gateSelector;
  const is32 = (type & 8) !== 0;
  let offset = gate.gateOffset;
  if (!is32) offset &= 0xffff;
  // Null target selector → #GP(EXT).
  if ((selector & ~3) === 0) cpu.raise(Vector.GP, ext);
  if (!readDescriptor(cpu, selector, target)) cpu.raise(Vector.GP, (selector & 0xfffc) + ext);
  // Not a code segment, or DPL > CPL → #GP(selector+EXT).
  if (!target.isCode || target.dpl > cpu.cpl) cpu.raise(Vector.GP, (selector & 0xfffc) + ext);
  if (!target.present) cpu.raise(Vector.NP, (selector & 0xfffc) + ext);
  const oldFlags = cpu.getEflags() | (pushResumeFlag ? FLAG_RF : 0);
  const oldCs = cpu.sreg[CS]!, oldEip = cpu.eip, oldSs = cpu.sreg[SS]!, oldEsp = cpu.r32[ESP]!;
  const toInner = !target.isConforming && target.dpl < cpu.cpl;
  const newCpl = toInner ? target.dpl : cpu.cpl;
  const words = (toInner ? 5 : 3) + (errorCode >= 0 ? 1 : 0);
  const bytes = words * (is32 ? 4 : 2);
  if (toInner) {
    prepareInnerStack(cpu, newCpl, ext);
  } else {
    frame.base = cpu.segBase[SS]!;
    frame.low = cpu.segLow[SS]!;
    frame.high = cpu.segHigh[SS]!;
    frame.big = cpu.ss32;
    frame.sp = cpu.ss32 ? cpu.r32[ESP]! >>> 0 : cpu.r16[ESP * 2]!;
    frame.faultCode = ext;
  }
  frame.reserve(cpu, bytes);
  checkCodeLimit(cpu, target, offset);
  if (toInner) { pushFrameWord(cpu, is32, oldSs); pushFrameWord(cpu, is32, oldEsp); }
  pushFrameWord(cpu, is32, oldFlags);
  pushFrameWord(cpu, is32, oldCs);
  pushFrameWord(cpu, is32, oldEip);
  if (errorCode >= 0) pushFrameWord(cpu, is32, errorCode);
  // Commit: nothing below can fault.
  if (toInner) {
    cacheDescriptor(cpu, SS, frame.selector, stackDesc);
    cpu.setCpl(newCpl);
  }
  if (frame.big) cpu.r32[ESP] = frame.sp; else cpu.r16[ESP * 2] = frame.sp;
  loadCodeSegment(cpu, selector, target, newCpl);
  cpu.eip = offset;
  let clear = FLAG_TF | FLAG_NT | FLAG_RF | FLAG_VM;
  if (type === GATE_INT16 || type === GATE_INT32) clear |= FLAG_IF;
  cpu.flags = oldFlags & ~clear;
  cpu.ccOp = 0;
  cpu.eventCheck = true;
}

/** One word of an interrupt frame: a dword through a 32-bit gate, a word through a 16-bit gate. */
export function pushFrameWord(cpu: Cpu, is32: boolean, v: number): void {
  if (is32) frame.push32(cpu, v); else frame.push16(cpu, v);
}

/** Reads SSn:ESPn for `cpl` from the current TSS and checks the new stack segment (SDM §6.12.1, §7.2.1). */
export function prepareInnerStack(cpu: Cpu, cpl: number, ext: number): void {
  const tss32 = (cpu.trAttr & 0xf) === 0x9 || (cpu.trAttr & 0xf) === 0xb;
  const at = tss32 ? 4 + cpl * 8 : 2 + cpl * 4;
  const width = tss32 ? 8 : 4;
  // Stack fields beyond the TSS limit → #TS(TSS selector + EXT).
  if (at + width - 1 > cpu.trLimit) cpu.raise(Vector.TS, (cpu.trSel & 0xfffc) + ext);
  let sp: number, ss: number;
  if (tss32) {
    sp = cpu.readSup32((cpu.trBase + at) | 0);
    ss = cpu.readSup32((cpu.trBase + at + 4) | 0) & 0xffff;
  } else {
    sp = cpu.readSup16((cpu.trBase + at) | 0);
    ss = cpu.readSup16((cpu.trBase + at + 2) | 0);
  }
  checkInnerStackSegment(cpu, ss, cpl, ext);
  frame.selector = ss;
  frame.base = descriptorBase(stackDesc.low, stackDesc.high);
  const limit = descriptorLimit(stackDesc.low, stackDesc.high);
  const big = (stackDesc.high & (1 << 22)) !== 0;
  if (stackDesc.type & 4) { frame.low = limit + 1; frame.high = big ? 0xffffffff : 0xffff; }
  else { frame.low = 0; frame.high = limit; }
  frame.big = big;
  frame.sp = big ? sp >>> 0 : sp & 0xffff;
  frame.faultCode = (ss & 0xfffc) + ext;
}

/** The SS from the TSS: non-null, RPL = DPL = new CPL, writable data, present (else #TS / #SS). */
export function checkInnerStackSegment(cpu: Cpu, ss: number, cpl: number, ext: number): void {
  if ((ss & ~3) === 0) cpu.raise(Vector.TS, ext);
  if (!readDescriptor(cpu, ss, stackDesc)) cpu.raise(Vector.TS, (ss & 0xfffc) + ext);
  if ((ss & 3) !== cpl || stackDesc.dpl !== cpl || !stackDesc.isSegment || stackDesc.isCode || !stackDesc.isWritable) {
    cpu.raise(Vector.TS, (ss & 0xfffc) + ext);
  }
  if (!stackDesc.present) cpu.raise(Vector.SS, (ss & 0xfffc) + ext);
}

/** Real-address mode: the 4-byte IVT entry, FLAGS/CS/IP pushed, IF/TF/AC cleared (§20.1.4). */
function deliverReal(cpu: Cpu, vector: number): void {
  if (vector * 4 + 3 > cpu.idtLimit) cpu.raise(Vector.GP, 0);
  const entry = cpu.readSup32((cpu.idtBase + vector * 4) | 0);
  const flags = cpu.getEflags();
  cpu.push16(flags);
  cpu.push16(cpu.sreg[CS]!);
  cpu.push16(cpu.eip);
  const seg = entry >>> 16;
  cpu.setSegmentCache(CS, seg, seg << 4, cpu.segHigh[CS]!, cpu.segAttr[CS]!);
  cpu.eip = entry & 0xffff;
  cpu.flags = flags & ~(FLAG_IF | FLAG_TF | FLAG_AC | FLAG_RF);
  cpu.ccOp = 0;
}

function hex(v: number, digits: number): string {
  return (v >>> 0).toString(16).padStart(digits, '0');
}
