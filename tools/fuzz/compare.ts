// Runs cases on both sides and collects the mismatches, each with the flag mask its sequence allows.

import { encodeInstruction } from './encoder.js';
import type { FuzzCase } from './fuzz-case.js';
import { CODE_ADDRESS } from './layout.js';
import type { Oracle } from './oracles.js';
import { analyzeCase } from './sequence-rules.js';
import { compareOutcomes, type CaseOutcome, type FieldDifference } from './transcript.js';

export interface Mismatch {
  readonly fuzzCase: FuzzCase;
  readonly comparedFlags: (faultEip: number | null) => number;
  readonly ours: CaseOutcome;
  readonly qemu: CaseOutcome;
  readonly differences: FieldDifference[];
}

/**
 * The EFLAGS bits compared for a case, at its end (null) or at a fault at `eip` (none when the EIP is not the
 * start of one of its instructions). Throws for a case the rules reject (a generator bug).
 */
export function comparedFlagsOf(fuzzCase: FuzzCase): (faultEip: number | null) => number {
  const analysis = analyzeCase(fuzzCase);
  if (!analysis.ok) throw new Error(`seed ${fuzzCase.seed}: instruction ${analysis.index} breaks a rule: ${analysis.reason}`);
  const starts = new Map<number, number>();
  let at = CODE_ADDRESS;
  fuzzCase.insns.forEach((insn, i) => { starts.set(at, analysis.comparedFlagsBefore[i]!); at += encodeInstruction(insn).length; });
  starts.set(at, analysis.comparedFlags);
  return (eip) => (eip === null ? analysis.comparedFlags : starts.get(eip) ?? 0);
}

export function mismatchesOf(cases: readonly FuzzCase[], ours: readonly CaseOutcome[], qemu: readonly CaseOutcome[]): Mismatch[] {
  const found: Mismatch[] = [];
  cases.forEach((fuzzCase, i) => {
    const comparedFlags = comparedFlagsOf(fuzzCase);
    const a = ours[i]!, b = qemu[i]!;
    const differences = a.kind === 'missing' && b.kind === 'missing'
      ? [{ field: 'outcome', ours: 'missing', qemu: 'missing' }]
      : compareOutcomes(fuzzCase, comparedFlags, a, b);
    if (differences.length > 0) found.push({ fuzzCase, comparedFlags, ours: a, qemu: b, differences });
  });
  return found;
}

export async function compareCases(cases: readonly FuzzCase[], ours: Oracle, qemu: Oracle): Promise<Mismatch[]> {
  const [a, b] = await Promise.all([ours(cases), qemu(cases)]);
  return mismatchesOf(cases, a, b);
}
