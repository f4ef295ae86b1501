// `npm run bench`: times kernelist on the anchor guest of /work/shared/anchors next to QEMU TCG, v86 and Bochs
// (that folder's run-anchors.sh does the timing), or with --quick times only kernelist and prints MIPS.

import { spawn, spawnSync } from 'node:child_process';
import { chmodSync, cpSync, existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { lotrBench } from './bench-lotr.js';
import { nkBench } from './bench-nk.js';

const REPO = resolve(fileURLToPath(new URL('../..', import.meta.url)));
/** The bundled CLI, which starts faster than dist/src/cli/main.js (same code). */
const CLI = join(REPO, 'dist', 'kernelist.mjs');
const DEFAULT_SOURCE = resolve(REPO, '..', 'shared', 'anchors');
const WORK_DIR = join(REPO, '.bench', 'anchors');

// Guest kernel instruction counts from the anchors README (QEMU plugin, kernel .text only):
// work=0 runs 1,214,484; work=200 runs 2,622,403,026, so one round is (2,622,403,026 - 1,214,484) / 200.
const BOOT_INSTRUCTIONS = 1_214_484;
const INSTRUCTIONS_W200 = 2_622_403_026;
const INSTRUCTIONS_PER_ROUND = (INSTRUCTIONS_W200 - BOOT_INSTRUCTIONS) / 200; // 13,105,942.71

interface BenchOptions {
  quick: boolean;
  rings: boolean;
  work: number | undefined;
  runs: number | undefined;
  warmup: number | undefined;
  anchors: string | undefined;
  source: string;
  timeoutSeconds: number;
  help: boolean;
}

const USAGE = `Usage: npm run bench -- [options]      (node dist/tools/bench.js [options])

Copies ${DEFAULT_SOURCE} to .bench/anchors, builds the anchor guest and runs its
run-anchors.sh with kernelist as the "custom" row, then prints the table and our
ratio to each anchor.

  --work N          workload rounds (default 200; --quick: 10)
  --runs N          timed runs per configuration (default 5; --quick: 1)
  --warmup N        untimed runs before them (default 1; --quick: 0)
  --anchors "LIST"  anchor rows, e.g. "qemu-tcg v86 v86-nojit bochs" (default: the script's)
  --rings           the bench=rings table (privilege transitions) instead of bench=cpu
  --lotr [...]      LOTRx86 costs on the kernel (tools/bench-lotr.ts; --lotr --help for its options)
  --nk [...]        Nested Kernel costs, NK=0 against NK=1 (tools/bench-nk.ts; --nk --help for its options)
  --quick           run only kernelist on the guest and print MIPS and time to first serial byte
  --timeout S       --quick: give up on a run after S seconds (default 600)
  --source DIR      the anchors folder to copy (default ${DEFAULT_SOURCE})
`;

function parseBenchArgs(argv: readonly string[]): BenchOptions {
  const o: BenchOptions = {
    quick: false, rings: false, work: undefined, runs: undefined, warmup: undefined, anchors: undefined,
    source: DEFAULT_SOURCE, timeoutSeconds: 600, help: false,
  };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    const value = (): string => {
      const v = argv[++i];
      if (v === undefined) throw new Error(`option '${arg}' needs a value`);
      return v;
    };
    switch (arg) {
      case '--quick': o.quick = true; break;
      case '--rings': o.rings = true; break;
      case '--work': o.work = count(arg, value()); break;
      case '--runs': o.runs = count(arg, value(), 1); break;
      case '--warmup': o.warmup = count(arg, value()); break;
      case '--anchors': o.anchors = value(); break;
      case '--timeout': o.timeoutSeconds = count(arg, value(), 1); break;
      case '--source': o.source = resolve(value()); break;
      case '--help': case '-h': o.help = true; break;
      default: throw new Error(`unknown option '${arg}' (try --help)`);
    }
  }
  if (o.quick && o.rings) throw new Error('--quick times bench=cpu only; leave out --rings');
  if (o.quick && o.anchors !== undefined) throw new Error('--quick runs no anchors; leave out --anchors');
  return o;
}

function count(name: string, text: string, min = 0): number {
  const n = /^\d+$/.test(text) ? Number(text) : NaN;
  if (!Number.isSafeInteger(n) || n < min) throw new Error(`${name}: '${text}' is not a whole number ≥ ${min}`);
  return n;
}

/** Copies the (read-only) anchors folder over the work copy, keeping its results/ and node_modules/. */
function prepareWorkDir(source: string): void {
  if (!existsSync(join(source, 'run-anchors.sh'))) throw new Error(`${source}: no run-anchors.sh here (give --source DIR)`);
  if (!existsSync(CLI)) throw new Error(`${CLI} is missing: run npm run build first`);
  mkdirSync(WORK_DIR, { recursive: true });
  makeWritable(WORK_DIR);
  cpSync(source, WORK_DIR, { recursive: true, force: true, filter: (path) => !/[/\\](results|node_modules)$/.test(path) });
  makeWritable(WORK_DIR);
  patchBochsSound();
  log(`copied ${source} to ${WORK_DIR}`);
}

/**
 * Debian's Bochs 2.7 aborts here ("buffer overflow" in its ALSA mixer thread) unless its sound output is
 * the dummy driver, so the work copy of run-bochs.sh gets that one line (the shared original stays as it is).
 */
function patchBochsSound(): void {
  const script = join(WORK_DIR, 'tools', 'run-bochs.sh');
  if (!existsSync(script)) return;
  const text = readFileSync(script, 'utf8');
  if (text.includes('sound: driver=dummy') || !text.includes('speaker: enabled=0')) return;
  writeFileSync(script, text.replace('speaker: enabled=0', 'speaker: enabled=0\nsound: driver=dummy'));
}

function makeWritable(path: string): void {
  const stat = statSync(path);
  chmodSync(path, stat.mode | 0o200);
  if (stat.isDirectory()) for (const entry of readdirSync(path)) if (entry !== 'node_modules') makeWritable(join(path, entry));
}

function buildGuest(work: number | undefined): void {
  const args = ['-s', '-C', 'guest', ...(work === undefined ? [] : [`WORK=${work}`]), 'guest.elf'];
  log(`building the guest: make ${args.join(' ')}`);
  const make = spawnSync('make', args, { cwd: WORK_DIR, stdio: ['ignore', 'inherit', 'inherit'] });
  if (make.status !== 0) throw new Error('building the anchor guest failed (needs make, nasm and gcc -m32)');
  const hostref = spawnSync('make', ['-s', '-C', 'guest', 'hostref'], { cwd: WORK_DIR, stdio: ['ignore', 'ignore', 'ignore'] });
  if (hostref.status !== 0) log('hostref did not build: the checksum is not checked');
}

function customCommand(): string {
  return `node '${CLI.replace(/'/g, `'\\''`)}' run {ELF} --cmdline "{CMDLINE}"`;
}

async function runAnchors(o: BenchOptions): Promise<void> {
  const env: NodeJS.ProcessEnv = { ...process.env, CUSTOM_NAME: 'kernelist', CUSTOM_CMD: customCommand() };
  if (o.work !== undefined) env.WORK = String(o.work);
  if (o.runs !== undefined) env.RUNS = String(o.runs);
  if (o.warmup !== undefined) env.WARMUP = String(o.warmup);
  if (o.anchors !== undefined) env.ANCHORS = o.anchors;
  if (o.rings) env.RINGS = '1';
  log(`running run-anchors.sh (CUSTOM_CMD=${env.CUSTOM_CMD})`);
  const status = await new Promise<number>((done) => {
    const child = spawn('bash', ['run-anchors.sh'], { cwd: WORK_DIR, env, stdio: ['ignore', 'inherit', 'inherit'] });
    child.on('close', (code) => done(code ?? 1));
  });
  if (status !== 0) throw new Error(`run-anchors.sh exited with status ${status}`);
  const results = join(WORK_DIR, 'results');
  process.stdout.write('\n');
  if (o.rings) printRingsRatios(results);
  else printCpuRatios(results);
}

interface Stats { min: number; median: number; max: number }
interface BenchJson { wall_s: Stats | null; work_s: Stats | null; phases?: Record<string, { name: string | null; per_s: number | null }> }

function readJson<T>(path: string): T | undefined {
  return existsSync(path) ? (JSON.parse(readFileSync(path, 'utf8')) as T) : undefined;
}

function printCpuRatios(results: string): void {
  const meta = readJson<{ work: number; anchors: string[] }>(join(results, 'meta.json'));
  if (!meta) throw new Error(`${results}/meta.json is missing`);
  const workload = (row: string): number | undefined => {
    const w0 = readJson<BenchJson>(join(results, `${row}-w0.json`))?.wall_s?.median;
    const wW = readJson<BenchJson>(join(results, `${row}-w${meta.work}.json`))?.wall_s?.median;
    return w0 === undefined || wW === undefined ? undefined : wW - w0;
  };
  const wall = (row: string): number | undefined => readJson<BenchJson>(join(results, `${row}-w${meta.work}.json`))?.wall_s?.median;
  const ours = { workload: workload('custom'), wall: wall('custom') };
  console.log(`kernelist against each anchor (work=${meta.work}; > 1 means kernelist takes longer):`);
  console.log('| anchor | workload time ratio (diff) | whole-run wall ratio |');
  console.log('|---|---|---|');
  for (const row of meta.anchors.filter((a) => a !== 'custom')) {
    console.log(`| ${row} | ${ratio(ours.workload, workload(row))} | ${ratio(ours.wall, wall(row))} |`);
  }
}

function printRingsRatios(results: string): void {
  const meta = readJson<{ anchors: string[] }>(join(results, 'rings-meta.json'));
  if (!meta) throw new Error(`${results}/rings-meta.json is missing`);
  const rates = (row: string): (number | null)[] => {
    const phases = readJson<BenchJson>(join(results, `rings-${row}.json`))?.phases ?? {};
    return ['1', '2', '3'].map((p) => phases[p]?.per_s ?? null);
  };
  const ours = rates('custom');
  console.log('kernelist against each anchor, round trips per second (< 1 means kernelist is slower):');
  console.log('| anchor | gate (ring 3->2) | int 0x80 (ring 3->0) | near call |');
  console.log('|---|---|---|---|');
  for (const row of meta.anchors.filter((a) => a !== 'custom' && a !== 'native')) {
    const theirs = rates(row);
    console.log(`| ${row} | ${ours.map((r, i) => ratio(r ?? undefined, theirs[i] ?? undefined)).join(' | ')} |`);
  }
}

function ratio(ours: number | undefined, theirs: number | undefined): string {
  return ours === undefined || theirs === undefined || !(theirs > 0) ? 'n/a' : `${(ours / theirs).toFixed(2)}x`;
}

interface QuickRun {
  wallMs: number;
  firstByteMs: number | null;
  runMs: number | null;
  doneMs: number | null;
  status: number | null;
  output: string;
}

function timeOneRun(work: number, timeoutSeconds: number): Promise<QuickRun> {
  return new Promise((done) => {
    const start = process.hrtime.bigint();
    const elapsed = (): number => Number(process.hrtime.bigint() - start) / 1e6;
    const child = spawn(process.execPath, [CLI, 'run', join(WORK_DIR, 'guest', 'guest.elf'), '--cmdline', `work=${work}`],
      { cwd: WORK_DIR, stdio: ['ignore', 'pipe', 'inherit'] });
    const run: QuickRun = { wallMs: 0, firstByteMs: null, runMs: null, doneMs: null, status: null, output: '' };
    const killer = setTimeout(() => child.kill('SIGKILL'), timeoutSeconds * 1000);
    child.stdout.on('data', (chunk: Buffer) => {
      const now = elapsed();
      run.firstByteMs ??= now;
      run.output += chunk.toString('latin1');
      if (run.runMs === null && /(^|\n)RUN\r?\n/.test(run.output)) run.runMs = now;
      if (run.doneMs === null && /(^|\n)DONE\r?\n/.test(run.output)) run.doneMs = now;
    });
    child.on('close', (code) => {
      clearTimeout(killer);
      done({ ...run, wallMs: elapsed(), status: code });
    });
  });
}

function expectedCheck(work: number): string | undefined {
  const hostref = join(WORK_DIR, 'guest', 'hostref');
  if (!existsSync(hostref)) return undefined;
  const out = spawnSync(hostref, [String(work)], { encoding: 'utf8' });
  return /CHECK ([0-9a-f]{8})/.exec(out.stdout ?? '')?.[1];
}

async function quick(o: BenchOptions): Promise<void> {
  const work = o.work ?? 10;
  const runs = o.runs ?? 1;
  const warmup = o.warmup ?? 0;
  const expected = expectedCheck(work);
  const instructions = BOOT_INSTRUCTIONS + work * INSTRUCTIONS_PER_ROUND;
  log(`timing kernelist on the anchor guest, work=${work} (${Math.round(instructions).toLocaleString('en-US')} guest instructions), ` +
    `${runs} run(s) after ${warmup} warm-up`);
  const timed: QuickRun[] = [];
  for (let i = 0; i < warmup + runs; i++) {
    const r = await timeOneRun(work, o.timeoutSeconds);
    if (i >= warmup) {
      timed.push(r);
      console.log(`run ${timed.length}: ${describeQuickRun(r, work, instructions, expected)}`);
    }
  }
  const ok = timed.filter((r) => r.status === 1);
  if (ok.length > 1) {
    const wall = median(ok.map((r) => r.wallMs));
    const first = median(ok.map((r) => r.firstByteMs ?? NaN));
    console.log(`median of ${ok.length}: wall ${(wall / 1000).toFixed(3)} s, first serial byte ${(first / 1000).toFixed(3)} s, ` +
      `${(instructions / (wall * 1000)).toFixed(1)} MIPS whole run`);
  }
  if (ok.length < timed.length) throw new Error(`${timed.length - ok.length} run(s) did not end with the guest's exit status 1`);
}

function describeQuickRun(r: QuickRun, work: number, instructions: number, expected: string | undefined): string {
  const check = /CHECK ([0-9a-f]{8})/.exec(r.output)?.[1];
  const checkNote = check === undefined ? 'no CHECK line'
    : expected === undefined ? `CHECK ${check}`
    : check === expected ? `CHECK ${check} ok` : `CHECK ${check} WRONG (expected ${expected})`;
  if (r.status !== 1) return `FAILED: exit status ${r.status} (the guest exits with 1), ${checkNote}`;
  const workload = r.runMs !== null && r.doneMs !== null && r.doneMs > r.runMs && work > 0
    ? `${(work * INSTRUCTIONS_PER_ROUND / ((r.doneMs - r.runMs) * 1000)).toFixed(1)} MIPS from RUN to DONE` : 'RUN->DONE n/a';
  const first = r.firstByteMs === null ? 'never' : `${(r.firstByteMs / 1000).toFixed(3)} s`;
  return `wall ${(r.wallMs / 1000).toFixed(3)} s, first serial byte ${first}, ` +
    `${(instructions / (r.wallMs * 1000)).toFixed(1)} MIPS whole run, ${workload}, ${checkNote}`;
}

function median(values: number[]): number {
  const sorted = values.filter((v) => Number.isFinite(v)).sort((a, b) => a - b);
  if (sorted.length === 0) return NaN;
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

function log(text: string): void {
  process.stderr.write(`[bench] ${text}\n`);
}

async function main(argv: string[]): Promise<number> {
  if (argv.includes('--lotr')) return lotrBench(argv.filter((a) => a !== '--lotr')); // its own options
  if (argv.includes('--nk')) return nkBench(argv.filter((a) => a !== '--nk')); // its own options
  let o: BenchOptions;
  try {
    o = parseBenchArgs(argv);
  } catch (error) {
    process.stderr.write(`bench: ${(error as Error).message}\n`);
    return 2;
  }
  if (o.help) {
    process.stdout.write(USAGE);
    return 0;
  }
  try {
    prepareWorkDir(o.source);
    buildGuest(o.quick ? undefined : o.work);
    if (o.quick) await quick(o);
    else await runAnchors(o);
    return 0;
  } catch (error) {
    process.stderr.write(`bench: ${(error as Error).message}\n`);
    return 1;
  }
}

process.exitCode = await main(process.argv.slice(2));
