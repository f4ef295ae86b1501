// The harness's COM1 lines, parsed into per-case outcomes, and their comparison: all registers, the memory
// changes, and only the EFLAGS bits the sequence leaves defined. The committed transcript stores the same
// lines with the case index replaced by the seed ("seed <n> ...").

import { GPR32_NAMES } from '../../src/machine/cpu/registers.js';
import type { FuzzCase } from './fuzz-case.js';

/** Registers that changed, EFLAGS and the changed scratch bytes, at the end of the code or at a fault. */
export interface MachineState {
  readonly changedRegs: ReadonlyMap<number, number>;
  readonly flags: number;
  readonly memory: string;
}

export type CaseOutcome =
  | ({ readonly kind: 'state' } & MachineState)
  | ({ readonly kind: 'fault'; readonly vector: number; readonly error: number; readonly eip: number } & MachineState)
  | { readonly kind: 'missing' };

export const MISSING: CaseOutcome = { kind: 'missing' };

const STATE = /((?:\s[a-z]{3}=[0-9a-f]{8})*) fl=([0-9a-f]{8}) mem=(-|[0-9a-f]{3}:(?:[0-9a-f]{2})+(?:,[0-9a-f]{3}:(?:[0-9a-f]{2})+)*)$/;
const STATE_LINE = new RegExp('^' + STATE.source);
const FAULT_LINE = new RegExp('^ fault vec=([0-9a-f]{2}) err=([0-9a-f]{8}) eip=([0-9a-f]{8})' + STATE.source);

function parseState(registers: string, flags: string, memory: string): MachineState | null {
  const changedRegs = new Map<number, number>();
  for (const assignment of registers.trim().split(/\s+/).filter((s) => s !== '')) {
    const [name, value] = assignment.split('=') as [string, string];
    const reg = (GPR32_NAMES as readonly string[]).indexOf(name);
    if (reg < 0) return null;
    changedRegs.set(reg, parseInt(value, 16));
  }
  return { changedRegs, flags: parseInt(flags, 16), memory };
}

/** Parses what follows "case <n>" or "seed <n>"; null if it is not an outcome. */
export function parseOutcome(rest: string): CaseOutcome | null {
  const fault = FAULT_LINE.exec(rest);
  if (fault) {
    const state = parseState(fault[4]!, fault[5]!, fault[6]!);
    if (state === null) return null;
    return { kind: 'fault', vector: parseInt(fault[1]!, 16), error: parseInt(fault[2]!, 16), eip: parseInt(fault[3]!, 16), ...state };
  }
  const match = STATE_LINE.exec(rest);
  const state = match ? parseState(match[1]!, match[2]!, match[3]!) : null;
  return state === null ? null : { kind: 'state', ...state };
}

export interface HarnessRun {
  /** Outcome of case i of the module, MISSING where the harness printed none. */
  readonly outcomes: CaseOutcome[];
  /** The harness printed "done" (every case ran). */
  readonly complete: boolean;
  /** Lines that are neither the banner, an outcome nor "done". */
  readonly strayLines: string[];
}

export function parseHarnessOutput(text: string, caseCount: number): HarnessRun {
  const outcomes: CaseOutcome[] = new Array(caseCount).fill(MISSING);
  const strayLines: string[] = [];
  let complete = false;
  for (const line of text.replace(/\r/g, '').split('\n')) {
    if (line === '' || line.startsWith('fuzz harness: ') && line.endsWith(' cases')) continue;
    if (line === 'done') { complete = true; continue; }
    const match = /^case ([0-9a-f]{4})(.*)$/.exec(line);
    const outcome = match ? parseOutcome(match[2]!) : null;
    const index = match ? parseInt(match[1]!, 16) : -1;
    if (outcome === null || index >= caseCount) { strayLines.push(line); continue; }
    outcomes[index] = outcome;
  }
  return { outcomes, complete, strayLines };
}

/** The outcome as a transcript line body (what follows "seed <n>"). */
export function formatOutcome(outcome: CaseOutcome): string {
  const h8 = (v: number): string => (v >>> 0).toString(16).padStart(8, '0');
  switch (outcome.kind) {
    case 'missing': return ' missing';
    case 'fault': return ` fault vec=${outcome.vector.toString(16).padStart(2, '0')} err=${h8(outcome.error)} eip=${h8(outcome.eip)}${formatState(outcome)}`;
    case 'state': return formatState(outcome);
  }
}

function formatState(state: MachineState): string {
  const regs = [...state.changedRegs.entries()].sort((a, b) => a[0] - b[0]).map(([r, v]) => ` ${GPR32_NAMES[r]}=${h8(v)}`);
  return `${regs.join('')} fl=${h8(state.flags)} mem=${state.memory}`;
}

/** Scratch offsets and final byte values that differ from the initial image. */
export function memoryChanges(memory: string): Map<number, number> {
  const changes = new Map<number, number>();
  if (memory === '-') return changes;
  for (const run of memory.split(',')) {
    const [offsetText, bytes] = run.split(':') as [string, string];
    const offset = parseInt(offsetText, 16);
    for (let i = 0; i < bytes.length / 2; i++) changes.set(offset + i, parseInt(bytes.slice(2 * i, 2 * i + 2), 16));
  }
  return changes;
}

export interface FieldDifference {
  readonly field: string;
  readonly ours: string;
  readonly qemu: string;
}

function finalRegister(fuzzCase: FuzzCase, outcome: { changedRegs: ReadonlyMap<number, number> }, reg: number): number {
  return (outcome.changedRegs.get(reg) ?? fuzzCase.regs[reg]!) >>> 0;
}

const h8 = (v: number): string => (v >>> 0).toString(16).padStart(8, '0');

/**
 * Differences between our outcome and QEMU's. `comparedFlags(eip)` gives the EFLAGS bits to compare: at the
 * end of the code (eip null) or before the instruction at a fault's EIP.
 */
export function compareOutcomes(fuzzCase: FuzzCase, comparedFlags: (faultEip: number | null) => number, ours: CaseOutcome, qemu: CaseOutcome): FieldDifference[] {
  if (ours.kind !== qemu.kind) return [{ field: 'outcome', ours: formatOutcome(ours).trim(), qemu: formatOutcome(qemu).trim() }];
  if (ours.kind === 'missing' || qemu.kind === 'missing') return [];
  const differences: FieldDifference[] = [];
  let mask = comparedFlags(null);
  if (ours.kind === 'fault' && qemu.kind === 'fault') {
    if (ours.vector !== qemu.vector) differences.push({ field: 'vector', ours: String(ours.vector), qemu: String(qemu.vector) });
    if (ours.error !== qemu.error) differences.push({ field: 'error code', ours: h8(ours.error), qemu: h8(qemu.error) });
    if (ours.eip !== qemu.eip) differences.push({ field: 'eip', ours: h8(ours.eip), qemu: h8(qemu.eip) });
    mask = ours.eip === qemu.eip ? comparedFlags(ours.eip) : 0;
  }
  return [...differences, ...compareStates(fuzzCase, mask, ours, qemu)];
}

function compareStates(fuzzCase: FuzzCase, comparedFlags: number, ours: MachineState, qemu: MachineState): FieldDifference[] {
  const differences: FieldDifference[] = [];
  for (let r = 0; r < 8; r++) {
    const a = finalRegister(fuzzCase, ours, r), b = finalRegister(fuzzCase, qemu, r);
    if (a !== b) differences.push({ field: GPR32_NAMES[r]!, ours: h8(a), qemu: h8(b) });
  }
  if ((ours.flags ^ qemu.flags) & comparedFlags) {
    differences.push({ field: `eflags (mask ${comparedFlags.toString(16).padStart(4, '0')})`, ours: h8(ours.flags & comparedFlags), qemu: h8(qemu.flags & comparedFlags) });
  }
  if (ours.memory !== qemu.memory) {
    const a = memoryChanges(ours.memory), b = memoryChanges(qemu.memory);
    const offsets = [...new Set([...a.keys(), ...b.keys()])].sort((x, y) => x - y);
    for (const offset of offsets) {
      const initial = fuzzCase.memory[offset]!;
      const x = a.get(offset) ?? initial, y = b.get(offset) ?? initial;
      if (x !== y) differences.push({ field: `mem[${offset.toString(16).padStart(3, '0')}]`, ours: x.toString(16).padStart(2, '0'), qemu: y.toString(16).padStart(2, '0') });
    }
  }
  return differences;
}

/** All eight registers and EFLAGS after the case, for a failure report. */
export function registerDump(fuzzCase: FuzzCase, outcome: CaseOutcome): string {
  if (outcome.kind === 'missing') return 'no outcome';
  const fault = outcome.kind === 'fault' ? `fault vec=${outcome.vector.toString(16).padStart(2, '0')} err=${h8(outcome.error)} eip=${h8(outcome.eip)}: ` : '';
  const regs = GPR32_NAMES.map((name, r) => `${name}=${h8(finalRegister(fuzzCase, outcome, r))}`).join(' ');
  return `${fault}${regs} fl=${h8(outcome.flags)} mem=${outcome.memory}`;
}
