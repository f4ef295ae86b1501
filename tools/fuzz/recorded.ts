// The committed QEMU transcript of the fixed seed set that CI checks our machine against
// (test/fuzz/expected/seeds-<first>-<last>.txt): a header with the module fingerprint, then "seed <n> <outcome>".

import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { buildModule, fingerprint } from './case-module.js';
import type { FuzzCase } from './fuzz-case.js';
import { generateCase } from './generate.js';
import { expectedDir } from './paths.js';
import { formatOutcome, parseOutcome, type CaseOutcome } from './transcript.js';

/** The seed set CI runs: small enough to take a few seconds on our machine. */
export const RECORDED_SEEDS = { first: 1, last: 2000 } as const;

export function recordedSeeds(): number[] {
  return seedRange(RECORDED_SEEDS.first, RECORDED_SEEDS.last);
}

export function seedRange(first: number, last: number): number[] {
  return Array.from({ length: last - first + 1 }, (_, i) => first + i);
}

export function recordedTranscriptPath(): string {
  return join(expectedDir, `seeds-${RECORDED_SEEDS.first}-${RECORDED_SEEDS.last}.txt`);
}

/** The fingerprint of the cases the generator makes for these seeds, as the transcript header records it. */
export function casesFingerprint(cases: readonly FuzzCase[]): string {
  return fingerprint(buildModule(cases));
}

export function generateCases(seeds: readonly number[]): FuzzCase[] {
  return seeds.map((seed) => generateCase(seed));
}

export interface RecordedTranscript {
  readonly fingerprint: string;
  readonly outcomes: Map<number, CaseOutcome>;
}

export function formatTranscript(cases: readonly FuzzCase[], outcomes: readonly CaseOutcome[], qemuVersion: string): string {
  const { first, last } = RECORDED_SEEDS;
  const lines = [
    `# QEMU's outcomes for fuzz seeds ${first}-${last}, recorded by \`npm run fuzz -- --record\` (${qemuVersion}, -cpu max, TCG).`,
    '# Format: docs/fuzzing.md. Registers that did not change and EFLAGS bits left undefined are not compared.',
    `# fingerprint ${casesFingerprint(cases)}`,
    ...cases.map((c, i) => `seed ${c.seed}${formatOutcome(outcomes[i]!)}`),
  ];
  return lines.join('\n') + '\n';
}

export function readTranscript(path = recordedTranscriptPath()): RecordedTranscript | null {
  if (!existsSync(path)) return null;
  let fp = '';
  const outcomes = new Map<number, CaseOutcome>();
  for (const line of readFileSync(path, 'latin1').split('\n')) {
    const header = /^# fingerprint ([0-9a-f]{8})$/.exec(line);
    if (header) { fp = header[1]!; continue; }
    const match = /^seed (\d+)(.*)$/.exec(line);
    if (!match) continue;
    const outcome = parseOutcome(match[2]!);
    if (outcome === null) throw new Error(`${path}: unreadable line: ${line}`);
    outcomes.set(Number(match[1]), outcome);
  }
  return { fingerprint: fp, outcomes };
}
