// Far CALL and JMP through a call gate (SDM Vol. 2A "CALL" and "JMP", CALL-GATE branches; Vol. 3A §5.8.3-§5.8.5):
// the gate checks, the target code segment checks, and for a CALL to a more privileged non-conforming segment
// the stack switch from the TSS with the copy of the gate's parameter count of words.

import type { Cpu } from '../cpu.js';
import { TransferCause } from '../events.js';
import { Vector } from '../fault.js';
import { CS, SS, ESP } from '../registers.js';
import { Descriptor, readDescriptor, setAccessed } from './descriptors.js';
import { cacheDescriptor, checkCodeLimit, loadCodeSegment } from './segment-load.js';
import { frame, prepareInnerStack, pushFrameWord, stackDesc } from './interrupts.js';

const CALL_GATE_16 = 0x4;
const CALL_GATE_32 = 0xc;
const code = new Descriptor();
const parameters = new Int32Array(31);

export function isCallGate(d: Descriptor): boolean {
  return !d.isSegment && (d.type === CALL_GATE_16 || d.type === CALL_GATE_32);
}

/** The checks common to CALL and JMP through `gate` (selector `gateSel`); leaves the target descriptor in `code`. */
function checkGateAndTarget(cpu: Cpu, gate: Descriptor, gateSel: number): number {
  // Gate DPL < CPL or < RPL → #GP(gate selector); not present → #NP(gate selector).
  if (gate.dpl < cpu.cpl || gate.dpl < (gateSel & 3)) cpu.raiseGP(gateSel & 0xfffc);
  if (!gate.present) cpu.raise(Vector.NP, gateSel & 0xfffc);
  const selector = gate.gateSelector;
  // Null target → #GP(0); outside the table, not code, or DPL > CPL → #GP(target selector).
  if ((selector & ~3) === 0) cpu.raiseGP(0);
  if (!readDescriptor(cpu, selector, code)) cpu.raiseGP(selector & 0xfffc);
  if (!code.isCode || code.dpl > cpu.cpl) cpu.raiseGP(selector & 0xfffc);
  return selector;
}

/** CALL through a call gate: to the same privilege level, or inward with a stack switch. */
export function callThroughGate(cpu: Cpu, gate: Descriptor, gateSel: number): void {
  cpu.transferCause = TransferCause.CallGate;
  const selector = checkGateAndTarget(cpu, gate, gateSel);
  if (!code.present) cpu.raise(Vector.NP, selector & 0xfffc);
  const is32 = gate.type === CALL_GATE_32;
  const offset = is32 ? gate.gateOffset : gate.gateOffset & 0xffff;
  const retCs = cpu.sreg[CS]!, retEip = cpu.eip;
  if (!code.isConforming && code.dpl < cpu.cpl) {
    callInward(cpu, selector, offset, is32, gate.gateParamCount, retCs, retEip);
    return;
  }
  const w = is32 ? 4 : 2;
  const sp = cpu.ss32 ? (cpu.r32[ESP]! - 2 * w) | 0 : (cpu.r16[ESP * 2]! - 2 * w) & 0xffff;
  cpu.probeWrite(SS, sp, 2 * w);
  checkCodeLimit(cpu, code, offset);
  if (is32) { cpu.push32(retCs); cpu.push32(retEip); } else { cpu.push16(retCs); cpu.push16(retEip); }
  loadCodeSegment(cpu, selector, code, cpu.cpl);
  cpu.eip = offset;
}

/**
 * More privilege: SS:ESP for the target DPL from the TSS, then on the new stack the caller's SS, ESP, the
 * parameters (copied in their order) and CS, EIP (SDM Vol. 3A Figure 5-13). Everything is checked first.
 */
function callInward(cpu: Cpu, selector: number, offset: number, is32: boolean, count: number, retCs: number, retEip: number): void {
  const newCpl = code.dpl;
  const w = is32 ? 4 : 2;
  const oldSs = cpu.sreg[SS]!, oldEsp = cpu.r32[ESP]!;
  // Parameters are read from the caller's stack before anything changes (a fault there is the caller's #SS/#PF).
  for (let k = 0; k < count; k++) parameters[k] = is32 ? cpu.stackRead32(k * 4) : cpu.stackRead16(k * 2);
  prepareInnerStack(cpu, newCpl, 0);
  frame.reserve(cpu, (4 + count) * w);
  checkCodeLimit(cpu, code, offset);
  pushFrameWord(cpu, is32, oldSs);
  pushFrameWord(cpu, is32, oldEsp);
  for (let k = count - 1; k >= 0; k--) pushFrameWord(cpu, is32, parameters[k]!);
  pushFrameWord(cpu, is32, retCs);
  pushFrameWord(cpu, is32, retEip);
  // Commit: nothing below can fault.
  setAccessed(cpu, stackDesc);
  cacheDescriptor(cpu, SS, frame.selector, stackDesc);
  cpu.setCpl(newCpl);
  if (frame.big) cpu.r32[ESP] = frame.sp; else cpu.r16[ESP * 2] = frame.sp;
  loadCodeSegment(cpu, selector, code, newCpl);
  cpu.eip = offset;
}

/** JMP through a call gate: never changes privilege (non-conforming target DPL must equal CPL). */
export function jumpThroughGate(cpu: Cpu, gate: Descriptor, gateSel: number): void {
  const selector = checkGateAndTarget(cpu, gate, gateSel);
  if (!code.isConforming && code.dpl !== cpu.cpl) cpu.raiseGP(selector & 0xfffc);
  if (!code.present) cpu.raise(Vector.NP, selector & 0xfffc);
  const offset = gate.type === CALL_GATE_32 ? gate.gateOffset : gate.gateOffset & 0xffff;
  checkCodeLimit(cpu, code, offset);
  loadCodeSegment(cpu, selector, code, cpu.cpl);
  cpu.eip = offset;
}
