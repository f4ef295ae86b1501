// Shrinks a mismatching case: drops one instruction at a time (every candidate of a round in one harness run
// per side) while the rules still accept the sequence and the two sides still disagree.

import { compareCases, type Mismatch } from './compare.js';
import type { FuzzCase } from './fuzz-case.js';
import type { Oracle } from './oracles.js';
import { analyzeCase } from './sequence-rules.js';

export async function minimizeMismatch(mismatch: Mismatch, ours: Oracle, qemu: Oracle): Promise<Mismatch> {
  let current = mismatch;
  for (;;) {
    const candidates: FuzzCase[] = [];
    const insns = current.fuzzCase.insns;
    for (let i = 0; i < insns.length; i++) {
      const shorter: FuzzCase = { ...current.fuzzCase, insns: [...insns.slice(0, i), ...insns.slice(i + 1)] };
      if (shorter.insns.length > 0 && analyzeCase(shorter).ok) candidates.push(shorter);
    }
    if (candidates.length === 0) return current;
    const still = await compareCases(candidates, ours, qemu);
    if (still.length === 0) return current;
    // keep chasing the same symptom when some candidate still shows it
    const fields = new Set(current.differences.map((d) => d.field));
    const next = still.find((m) => m.differences.some((d) => fields.has(d.field))) ?? still[0]!;
    current = next;
  }
}
