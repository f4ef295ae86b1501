// The two sides of the comparison as functions from cases to outcomes: our Machine, and QEMU either live or as
// recorded in a committed transcript. Cases go to the harness in modules of at most BATCH_SIZE cases.

import { buildModule } from './case-module.js';
import type { FuzzCase } from './fuzz-case.js';
import { runOnMachine, type GuestRun } from './run-machine.js';
import { runOnQemu } from './run-qemu.js';
import { MISSING, parseHarnessOutput, type CaseOutcome } from './transcript.js';

export const BATCH_SIZE = 1000;

export type Oracle = (cases: readonly FuzzCase[]) => Promise<CaseOutcome[]>;

export class HarnessError extends Error {}

function batches<T>(items: readonly T[]): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += BATCH_SIZE) out.push(items.slice(i, i + BATCH_SIZE));
  return out;
}

/** Runs a module; `caseRuns` (cases times runs per case) sizes the instruction budget. */
type Runner = (module: Uint8Array, caseRuns: number) => Promise<GuestRun>;

/** Runs one batch and parses it; a harness that did not finish is an error unless some case hung or crashed it. */
async function runBatch(side: string, cases: readonly FuzzCase[], run: Runner, runs: number): Promise<CaseOutcome[]> {
  const result = await run(buildModule(cases, runs), cases.length * runs);
  const parsed = parseHarnessOutput(result.output, cases.length);
  if (parsed.strayLines.length > 0 || !parsed.complete || result.exit !== 'exit=0') {
    const firstMissing = parsed.outcomes.findIndex((o) => o.kind === 'missing');
    const where = firstMissing >= 0 ? ` (no outcome from seed ${cases[firstMissing]!.seed} on)` : '';
    const stray = parsed.strayLines.slice(0, 3).map((l) => `\n  ${l}`).join('');
    if (firstMissing < 0 || parsed.strayLines.length > 0) throw new HarnessError(`${side}: the harness ended with ${result.exit}${where}${stray}`);
    // leave the missing outcomes: the comparison reports them against the side that has them
    console.error(`${side}: the harness ended with ${result.exit}${where}`);
  }
  return parsed.outcomes;
}

async function runAll(side: string, cases: readonly FuzzCase[], run: Runner, parallel: number, runs = 1): Promise<CaseOutcome[]> {
  const parts = batches(cases);
  const results: CaseOutcome[][] = new Array(parts.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < parts.length) {
      const k = next++;
      results[k] = await runBatch(side, parts[k]!, run, runs);
    }
  };
  await Promise.all(Array.from({ length: Math.min(parallel, parts.length) }, worker));
  return results.flat();
}

/** Our machine; `runs` > 1 runs every case that often, so that its block gets compiled (COMPILE_THRESHOLD). */
export function machineOracle(runs = 1): Oracle {
  return (cases) => runAll('our machine', cases, runOnMachine, 1, runs);
}

export const ourMachine: Oracle = machineOracle(1);

export const liveQemu: Oracle = (cases) => runAll('QEMU', cases, runOnQemu, 2);

/** QEMU's outcomes from a recorded transcript, by seed (only for cases exactly as the generator makes them). */
export function recordedQemu(outcomes: ReadonlyMap<number, CaseOutcome>): Oracle {
  return async (cases) => cases.map((c) => outcomes.get(c.seed) ?? MISSING);
}
