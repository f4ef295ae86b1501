// The differential fuzzer's command line (docs/fuzzing.md):
//   npm run fuzz -- [--seeds 1-200,300] [--count N [--from S]] [--qemu] [--no-minimize] [--max-reports N] [--runs N]
//   npm run fuzz -- --record        QEMU's outcomes for the CI seed set into test/fuzz/expected/
//   npm run fuzz -- --list --seeds 7 the generated sequences, without running them
// Without --qemu the cases are compared with the committed transcript, when it covers them.

import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { relative } from 'node:path';
import { compareCases, mismatchesOf, type Mismatch } from './compare.js';
import type { FuzzCase } from './fuzz-case.js';
import { formatInstruction, formatListing } from './listing.js';
import { minimizeMismatch } from './minimize.js';
import { liveQemu, machineOracle, ourMachine, recordedQemu, type Oracle } from './oracles.js';
import { buildHarness, repoRoot } from './paths.js';
import {
  casesFingerprint, formatTranscript, generateCases, readTranscript, recordedSeeds, recordedTranscriptPath, RECORDED_SEEDS,
} from './recorded.js';
import { formatMismatch, initialStateText } from './report.js';

interface Options {
  seeds: number[];
  qemu: boolean;
  record: boolean;
  list: boolean;
  minimize: boolean;
  maxReports: number;
  runs: number;
}

const USAGE = 'usage: npm run fuzz -- [--seeds 1-200,300] [--count N [--from S]] [--qemu] [--no-minimize] [--max-reports N] [--runs N] | --record | --list --seeds S';

function parseSeeds(text: string): number[] {
  const seeds: number[] = [];
  for (const part of text.split(',')) {
    const m = /^(\d+)(?:-(\d+))?$/.exec(part.trim());
    if (!m) throw new Error(`bad seed list "${text}"`);
    const first = Number(m[1]), last = m[2] === undefined ? first : Number(m[2]);
    if (last < first) throw new Error(`bad seed range "${part}"`);
    for (let s = first; s <= last; s++) seeds.push(s);
  }
  return seeds;
}

function parseArgs(argv: string[]): Options {
  const options: Options = { seeds: parseSeeds('1-200'), qemu: false, record: false, list: false, minimize: true, maxReports: 10, runs: 1 };
  let count: number | undefined;
  let from: number | undefined;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    const value = (): string => {
      const v = argv[++i];
      if (v === undefined) throw new Error(`${arg} needs a value\n${USAGE}`);
      return v;
    };
    if (arg === '--seeds') options.seeds = parseSeeds(value());
    else if (arg === '--count') count = Number(value());
    else if (arg === '--from') from = Number(value());
    else if (arg === '--qemu') options.qemu = true;
    else if (arg === '--record') options.record = true;
    else if (arg === '--list') options.list = true;
    else if (arg === '--no-minimize') options.minimize = false;
    else if (arg === '--max-reports') options.maxReports = Number(value());
    else if (arg === '--runs') options.runs = Number(value());
    else if (arg === '--help' || arg === '-h') { console.log(USAGE); process.exit(0); }
    else throw new Error(`unknown option ${arg}\n${USAGE}`);
  }
  if (count !== undefined) {
    if (!(Number.isInteger(count) && count > 0)) throw new Error('--count needs a positive integer');
    // a fresh range each time unless --from says where; printed so that the run can be repeated
    const start = from ?? 1_000_000 + Math.floor(Math.random() * 1_000_000_000);
    options.seeds = Array.from({ length: count }, (_, k) => start + k);
  }
  return options;
}

function seedsText(seeds: readonly number[]): string {
  if (seeds.length === 0) return 'none';
  const parts: string[] = [];
  let start = seeds[0]!, prev = start;
  for (const s of [...seeds.slice(1), NaN]) {
    if (s === prev + 1) { prev = s; continue; }
    parts.push(start === prev ? `${start}` : `${start}-${prev}`);
    start = prev = s;
  }
  return parts.join(',');
}

/** What a minimized mismatch is made of (rows, operand kinds and sizes), to report each kind once in full. */
function signature(mismatch: Mismatch): string {
  return mismatch.fuzzCase.insns.map((i) => `${i.row.code.toString(16)}/${i.row.ext ?? ''}/${i.rm?.kind ?? ''}/${i.opsize16}`).join(' ');
}

function qemuVersion(): string {
  return execFileSync('qemu-system-i386', ['--version'], { encoding: 'utf8' }).split('\n')[0]!.trim();
}

async function record(): Promise<number> {
  const cases = generateCases(recordedSeeds());
  const started = Date.now();
  const qemu = await liveQemu(cases);
  const missing = qemu.findIndex((o) => o.kind === 'missing');
  if (missing >= 0) throw new Error(`QEMU gave no outcome for seed ${cases[missing]!.seed}; nothing written`);
  const path = recordedTranscriptPath();
  writeFileSync(path, formatTranscript(cases, qemu, qemuVersion()));
  console.log(`wrote ${relative(repoRoot, path)}: ${cases.length} seeds in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  const ours = await ourMachine(cases);
  const mismatches = mismatchesOf(cases, ours, qemu);
  console.log(`our machine disagrees on ${mismatches.length} of them${mismatches.length ? ': ' + seedsText(mismatches.map((m) => m.fuzzCase.seed)) : ''}`);
  return 0;
}

/** QEMU's side without a live QEMU: the committed transcript, if it covers these seeds and is current. */
function recordedOracle(cases: readonly FuzzCase[]): Oracle | string {
  const transcript = readTranscript();
  if (transcript === null) return 'no recorded transcript';
  const { first, last } = RECORDED_SEEDS;
  if (!cases.every((c) => c.seed >= first && c.seed <= last)) return `the recorded transcript covers seeds ${first}-${last} only`;
  if (casesFingerprint(generateCases(recordedSeeds())) !== transcript.fingerprint) return 'the recorded transcript is stale (the generator or the opcode table changed): npm run fuzz -- --record';
  return recordedQemu(transcript.outcomes);
}

async function main(): Promise<number> {
  const options = parseArgs(process.argv.slice(2));
  buildHarness();
  if (options.record) return record();
  const cases = generateCases(options.seeds);
  if (options.list) {
    for (const c of cases) console.log(`seed ${c.seed}: ${initialStateText(c)}\n${formatListing(c.insns)}`);
    return 0;
  }
  let qemu: Oracle;
  if (options.qemu) {
    qemu = liveQemu;
  } else {
    const recorded = recordedOracle(cases);
    if (typeof recorded === 'string') {
      console.error(`${recorded}; running our machine only (use --qemu to compare with a live QEMU)`);
      const ours = await ourMachine(cases);
      const faults = cases.filter((_, i) => ours[i]!.kind === 'fault').map((c) => c.seed);
      const missing = cases.filter((_, i) => ours[i]!.kind === 'missing').map((c) => c.seed);
      console.log(`${cases.length} seeds (${seedsText(options.seeds)}): ${faults.length} faulted, ${missing.length} without an outcome`);
      return missing.length > 0 ? 1 : 0;
    }
    qemu = recorded;
  }
  const ours = machineOracle(options.runs);
  const started = Date.now();
  const mismatches = await compareCases(cases, ours, qemu);
  const seconds = ((Date.now() - started) / 1000).toFixed(1);
  console.log(`${cases.length} seed${cases.length === 1 ? '' : 's'} (${seedsText(options.seeds)}) against ${options.qemu ? 'QEMU' : 'the recorded QEMU transcript'} in ${seconds} s: ` +
    `${mismatches.length} mismatch${mismatches.length === 1 ? '' : 'es'}`);
  const seen = new Map<string, number>();
  for (const mismatch of mismatches.slice(0, options.maxReports)) {
    let shown: Mismatch = mismatch;
    let note = '';
    if (options.qemu && options.minimize) {
      shown = await minimizeMismatch(mismatch, ours, liveQemu);
      note = ` (minimized from ${mismatch.fuzzCase.insns.length} to ${shown.fuzzCase.insns.length} instructions)`;
    }
    const key = signature(shown);
    const earlier = seen.get(key);
    if (earlier !== undefined) {
      console.log(`\nseed ${mismatch.fuzzCase.seed}${note}: the same instructions as seed ${earlier}: ${shown.fuzzCase.insns.map(formatInstruction).join('; ')}`);
      continue;
    }
    seen.set(key, mismatch.fuzzCase.seed);
    console.log('\n' + formatMismatch(shown, note));
  }
  if (mismatches.length > options.maxReports) console.log(`\n... and ${mismatches.length - options.maxReports} more`);
  if (mismatches.length > 0) console.log(`\nmismatching seeds: ${seedsText(mismatches.map((m) => m.fuzzCase.seed))}`);
  return mismatches.length > 0 ? 1 : 0;
}

main().then((code) => { process.exitCode = code; }, (e: unknown) => {
  console.error((e as Error).message);
  process.exitCode = 2;
});
