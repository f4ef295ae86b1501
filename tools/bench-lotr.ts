// `npm run bench -- --lotr`: LOTRx86's costs (docs/lotrx86.md "Measurements"). Boots the kernel with
// `bench=lotr lotr=FIGURE:N` (kernel/lotr/bench.c runs /bin/hb_bench, kernel/user/bin/hb_bench.c) on our machine
// and on QEMU TCG, and prints a markdown table beside the cost model of papers.md §2.9.
//
// Method. Each figure runs as its own boot with a large iteration count N, and the same boot with N = 0 is the
// baseline (boot, program load, exit). Then
//   ns per round trip           = (median wall(N) - median wall(baseline)) / N      (host clock, whole process)
//   guest instructions per trip = our machine: the loop's RDTSC difference / N (its TSC counts retired
//                                 instructions exactly); QEMU: (insns(N) - insns(baseline)) / N from the anchors'
//                                 TCG plugin (/work/shared/anchors/tools/qemu-insncount.c), in separate untimed boots.
// Both include the loop's own instructions and the timer interrupts that fall into the loop (amortised).
// The syscall figure is taken twice: on the default kernel (NK=1: every system call passes the Nested Kernel's
// nk_audit gate, two CR0.WP writes, which QEMU answers with a full TLB flush) and on kernel/build-nk0 (NK=0).

import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const REPO = resolve(fileURLToPath(new URL('../..', import.meta.url)));
const CLI = join(REPO, 'dist', 'kernelist.mjs');
/** kernel/build is the default kernel (NK=1, the Nested Kernel gates every system call); kernel/build-nk0 is
 * the NK=0 baseline build (make -C kernel NK=0), used for the one syscall row that shows the bare int 0x80. */
type Build = 'build' | 'build-nk0';
const kernelElf = (build: Build): string => join(REPO, 'kernel', build, 'kernelist.elf');
const rootfsImg = (build: Build): string => join(REPO, 'kernel', build, 'rootfs.img');
const PLUGIN_SOURCE = resolve(REPO, '..', 'shared', 'anchors', 'tools', 'qemu-insncount.c');
const WORK_DIR = join(REPO, '.bench', 'lotr');
const PLUGIN = join(WORK_DIR, 'qemu-insncount.so');
/** Debug-exit value 0 (hb_bench exited with 0) gives status (0 << 1) | 1 on both machines. */
const BENCH_OK = 1;

type Machine = 'ours' | 'qemu';

interface Figure {
  name: string;
  /** hb_bench's figure, and the kernel build it boots. */
  program: string;
  build: Build;
  label: string;
  /** papers.md §2.9, 80386 clocks of the round trip, or null where §2.9 gives none. */
  model: string;
  /** Iterations per timed boot on each machine (about 1-3 s of loop), before --scale. */
  count: Record<Machine, number>;
}

const FIGURES: readonly Figure[] = [
  { name: 'near', program: 'near', build: 'build', label: 'near call (`call`/`ret`, 3 arguments)', model: '— (§2.9 has none)', count: { ours: 20_000_000, qemu: 100_000_000 } },
  { name: 'privcall0', program: 'privcall0', build: 'build', label: 'privcall, 0 arguments', model: '154 (gate 86 + RETF 68)', count: { ours: 1_000_000, qemu: 2_000_000 } },
  { name: 'privcall3', program: 'privcall3', build: 'build', label: 'privcall, 3 arguments (in registers)', model: '154 (174 if the gate copied 3 params)', count: { ours: 1_000_000, qemu: 2_000_000 } },
  { name: 'syscall', program: 'syscall', build: 'build', label: '`int 0x80` null syscall (getpid)', model: '181 (INT 99 + IRET 82)', count: { ours: 500_000, qemu: 200_000 } },
  { name: 'syscall-nk0', program: 'syscall', build: 'build-nk0', label: '`int 0x80` null syscall, NK=0 kernel (no Nested Kernel gate)', model: '181', count: { ours: 500_000, qemu: 2_000_000 } },
  { name: 'sign-heap', program: 'sign-heap', build: 'build', label: 'sign one 64-byte message, key in heap', model: '—', count: { ours: 100_000, qemu: 500_000 } },
  { name: 'sign-privuser', program: 'sign-privuser', build: 'build', label: 'sign one 64-byte message, key in PrivUser', model: '—', count: { ours: 100_000, qemu: 500_000 } },
];
const MODEL_RATIO = 154 / 181;
const SIGNATURES = 10_000;

interface LotrOptions {
  runs: number;
  scale: number;
  machines: Machine[];
  figures: string[];
  timeoutSeconds: number;
  help: boolean;
}

const USAGE = `Usage: npm run bench -- --lotr [options]      (node dist/tools/bench.js --lotr [options])

Boots kernel/build/kernelist.elf (and kernel/build-nk0's, for syscall-nk0) with "bench=lotr lotr=FIGURE:N" once per figure (and once with N = 0,
the baseline) on our machine and on QEMU, and prints the LOTRx86 cost table (docs/lotrx86.md).

  --runs N          timed boots per figure and machine (default 3; the median is used)
  --scale X         multiply every iteration count by X (default 1; e.g. 0.1 for a quick look: small
                    counts inflate the per-trip figures with one-time costs and timer noise)
  --machines LIST   comma-separated: ours,qemu (default both; qemu is skipped if not installed)
  --figures LIST    comma-separated subset of ${FIGURES.map((f) => f.name).join(',')}
  --timeout S       give up on one boot after S seconds (default 300)
`;

function parseLotrArgs(argv: readonly string[]): LotrOptions {
  const o: LotrOptions = { runs: 3, scale: 1, machines: ['ours', 'qemu'], figures: FIGURES.map((f) => f.name), timeoutSeconds: 300, help: false };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    const value = (): string => {
      const v = argv[++i];
      if (v === undefined) throw new Error(`option '${arg}' needs a value`);
      return v;
    };
    switch (arg) {
      case '--runs': o.runs = wholeNumber(arg, value(), 1); break;
      case '--timeout': o.timeoutSeconds = wholeNumber(arg, value(), 1); break;
      case '--scale': {
        const text = value();
        const x = Number(text);
        if (!/^\d*\.?\d+$/.test(text) || !(x > 0)) throw new Error(`--scale: '${text}' is not a positive number`);
        o.scale = x;
        break;
      }
      case '--machines': {
        const list = value().split(',');
        for (const m of list) if (m !== 'ours' && m !== 'qemu') throw new Error(`--machines: unknown machine '${m}' (ours, qemu)`);
        o.machines = list as Machine[];
        break;
      }
      case '--figures': {
        const list = value().split(',');
        for (const f of list) if (!FIGURES.some((g) => g.name === f)) throw new Error(`--figures: unknown figure '${f}'`);
        o.figures = list;
        break;
      }
      case '--help': case '-h': o.help = true; break;
      default: throw new Error(`unknown option '${arg}' for --lotr (try --lotr --help)`);
    }
  }
  return o;
}

function wholeNumber(name: string, text: string, min: number): number {
  const n = /^\d+$/.test(text) ? Number(text) : NaN;
  if (!Number.isSafeInteger(n) || n < min) throw new Error(`${name}: '${text}' is not a whole number ≥ ${min}`);
  return n;
}

/** One line of hb_bench: `lotr-bench FIGURE iterations=N tsc=T check=X`. */
interface FigureLine { iterations: number; tsc: number; check: string }

interface Boot { wallS: number; line: FigureLine; insns: number | null }

function bootCommand(machine: Machine, build: Build, spec: string, plugin: string | null): [string, string[]] {
  const append = `quiet bench=lotr lotr=${spec}`;
  if (machine === 'ours') {
    return [process.execPath, [CLI, 'run', '--kernel', kernelElf(build), '--append', append, '--initrd', rootfsImg(build), '--serial', 'stdio']];
  }
  return ['qemu-system-i386', ['-cpu', 'max', '-m', '128', '-kernel', kernelElf(build), '-append', append, '-initrd', rootfsImg(build),
    '-serial', 'stdio', '-display', 'none', '-monitor', 'none', '-device', 'isa-debug-exit,iobase=0xf4,iosize=4', '-no-reboot',
    ...(plugin === null ? [] : ['-plugin', plugin])]];
}

/** Boots once and times the whole process; with countFile, QEMU runs the instruction-count plugin into it. */
function boot(machine: Machine, build: Build, figure: string, n: number, timeoutSeconds: number, countFile: string | null): Promise<Boot> {
  const spec = `${figure}:${n}`;
  const [program, args] = bootCommand(machine, build, spec, countFile === null ? null : `${PLUGIN},out=${countFile}`);
  if (countFile !== null) rmSync(countFile, { force: true }); // a count left from an earlier run must not be read
  return new Promise((done, fail) => {
    const start = process.hrtime.bigint();
    const child = spawn(program, args, { cwd: REPO, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    const killer = setTimeout(() => child.kill('SIGKILL'), timeoutSeconds * 1000);
    child.stdout.on('data', (chunk: Buffer) => { output += chunk.toString('latin1'); });
    child.stderr.on('data', (chunk: Buffer) => { output += chunk.toString('latin1'); });
    child.on('error', (error) => { clearTimeout(killer); fail(new Error(`${program}: ${error.message}`)); });
    child.on('close', (code) => {
      clearTimeout(killer);
      const wallS = Number(process.hrtime.bigint() - start) / 1e9;
      const where = `${machine} ${build} ${spec}`;
      const m = new RegExp(`^lotr-bench ${figure} iterations=(\\d+) tsc=(\\d+) check=([0-9a-f]{8})\\r?$`, 'm').exec(output);
      if (code !== BENCH_OK || !m) {
        fail(new Error(`${where}: exit status ${code}${m ? '' : ', no result line'}\n${output.split('\n').slice(-8).join('\n')}`));
        return;
      }
      let insns: number | null = null;
      if (countFile !== null) {
        const counted = existsSync(countFile) ? /insns total=(\d+)/.exec(readFileSync(countFile, 'utf8')) : null;
        insns = counted ? Number(counted[1]) : null;
      }
      done({ wallS, line: { iterations: Number(m[1]), tsc: Number(m[2]), check: m[3]! }, insns });
    });
  });
}

/** Builds the anchors' TCG plugin into .bench/lotr (not into the tree); false when it cannot. */
function buildPlugin(): boolean {
  if (!existsSync(PLUGIN_SOURCE)) return false;
  if (existsSync(PLUGIN) && statSync(PLUGIN).mtimeMs >= statSync(PLUGIN_SOURCE).mtimeMs) return true;
  const gcc = spawnSync('gcc', ['-O2', '-shared', '-fPIC', '-fvisibility=hidden', '-o', PLUGIN, PLUGIN_SOURCE], { stdio: ['ignore', 'ignore', 'inherit'] });
  return gcc.status === 0;
}

interface Result { n: number; nsPerTrip: number; insnsPerTrip: number | null; spread: string; check: string }

interface Baseline { wallS: number; insns: number | null }

/** The N = 0 boot of build on machine: median wall time, and (QEMU, when the plugin works) its instruction count. */
async function measureBaseline(machine: Machine, build: Build, o: LotrOptions): Promise<Baseline> {
  const walls: number[] = [];
  for (let r = 0; r < o.runs; r++) walls.push((await boot(machine, build, 'near', 0, o.timeoutSeconds, null)).wallS);
  const wallS = median(walls);
  log(`${machine} ${build} baseline (near:0): median wall ${wallS.toFixed(3)} s of ${walls.map((w) => w.toFixed(3)).join(', ')}`);
  let insns: number | null = null;
  if (machine === 'qemu') {
    if (buildPlugin()) {
      insns = (await boot(machine, build, 'near', 0, o.timeoutSeconds, join(WORK_DIR, 'insns-baseline.txt'))).insns;
      if (insns === null) log('the QEMU instruction-count plugin gave no count: QEMU instructions are n/a');
    } else {
      log(`cannot build ${PLUGIN_SOURCE}: QEMU instructions are n/a`);
    }
  }
  return { wallS, insns };
}

async function measure(machine: Machine, figure: Figure, o: LotrOptions, baseline: Baseline): Promise<Result> {
  const baselineS = baseline.wallS, baselineInsns = baseline.insns;
  const n = Math.max(1, Math.round(figure.count[machine] * o.scale));
  const walls: number[] = [];
  let line: FigureLine | undefined;
  for (let r = 0; r < o.runs; r++) {
    const b = await boot(machine, figure.build, figure.program, n, o.timeoutSeconds, null);
    walls.push(b.wallS);
    // Same count, same work: the check must not change (the TSC may, by the timer interrupts that fell in).
    if (line && b.line.check !== line.check) throw new Error(`${machine} ${figure.name}: check ${b.line.check} in run ${r + 1}, ${line.check} before`);
    line = b.line;
    log(`${machine} ${figure.name}:${n} run ${r + 1}: wall ${b.wallS.toFixed(3)} s, tsc ${b.line.tsc}`);
  }
  let insnsPerTrip: number | null = null;
  if (machine === 'ours') insnsPerTrip = line!.tsc / n;
  else if (baselineInsns !== null) {
    const counted = await boot(machine, figure.build, figure.program, n, o.timeoutSeconds, join(WORK_DIR, `insns-${figure.name}.txt`));
    if (counted.insns !== null) insnsPerTrip = (counted.insns - baselineInsns) / n;
  }
  const loopS = median(walls) - baselineS;
  const spread = `${((Math.min(...walls) - baselineS) * 1e9 / n).toFixed(0)}–${((Math.max(...walls) - baselineS) * 1e9 / n).toFixed(0)}`;
  return { n, nsPerTrip: (loopS * 1e9) / n, insnsPerTrip, spread, check: line!.check };
}

async function measureMachine(machine: Machine, o: LotrOptions): Promise<Map<string, Result>> {
  const baselines = new Map<Build, Baseline>();
  const results = new Map<string, Result>();
  for (const figure of FIGURES.filter((f) => o.figures.includes(f.name))) {
    if (!existsSync(kernelElf(figure.build)) || !existsSync(rootfsImg(figure.build))) {
      log(`${figure.name}: kernel/${figure.build} is not built (make -C kernel${figure.build === 'build' ? '' : ' NK=0'}): n/a`);
      continue;
    }
    let baseline = baselines.get(figure.build);
    if (!baseline) baselines.set(figure.build, baseline = await measureBaseline(machine, figure.build, o));
    results.set(figure.name, await measure(machine, figure, o, baseline));
  }
  // Both signers sign the same messages with the same key the same number of times: their checks must agree.
  const heap = results.get('sign-heap'), priv = results.get('sign-privuser');
  if (heap && priv && heap.n === priv.n && heap.check !== priv.check) {
    throw new Error(`${machine}: the PrivUser signatures differ from the heap ones (check ${priv.check}, want ${heap.check})`);
  }
  return results;
}

function printTable(all: Map<Machine, Map<string, Result>>, o: LotrOptions): void {
  const cell = (m: Machine, f: string, what: 'insns' | 'ns'): string => {
    const r = all.get(m)?.get(f);
    if (!r) return 'n/a';
    if (what === 'ns') return r.nsPerTrip.toFixed(r.nsPerTrip < 100 ? 1 : 0);
    return r.insnsPerTrip === null ? 'n/a' : r.insnsPerTrip.toFixed(1);
  };
  const machines: Machine[] = ['ours', 'qemu'];
  console.log(`LOTRx86 round trips (one boot per figure, ${o.runs} timed run(s) each, scale ${o.scale}; ns = (median wall - baseline boot) / N):\n`);
  console.log('| figure | 386 cost model, clocks (papers.md §2.9) | our machine: guest insns | our machine: ns | QEMU TCG: guest insns | QEMU TCG: ns |');
  console.log('|---|---|---|---|---|---|');
  for (const f of FIGURES.filter((g) => o.figures.includes(g.name))) {
    console.log(`| ${f.label} | ${f.model} | ${machines.map((m) => `${cell(m, f.name, 'insns')} | ${cell(m, f.name, 'ns')}`).join(' | ')} |`);
  }
  const ratio = (m: Machine, a: string, b: string, what: 'insns' | 'ns'): string => {
    const x = all.get(m)?.get(a), y = all.get(m)?.get(b);
    if (!x || !y) return 'n/a';
    const [p, q] = what === 'ns' ? [x.nsPerTrip, y.nsPerTrip] : [x.insnsPerTrip, y.insnsPerTrip];
    return p === null || q === null || !(q > 0) ? 'n/a' : (p / q).toFixed(2);
  };
  for (const sys of ['syscall', 'syscall-nk0']) {
    for (const p of ['privcall0', 'privcall3']) {
      console.log(`| ratio ${p} / ${sys} | ${MODEL_RATIO.toFixed(2)} (154/181) | ${machines.map((m) => `${ratio(m, p, sys, 'insns')} | ${ratio(m, p, sys, 'ns')}`).join(' | ')} |`);
    }
  }
  const signing = (m: Machine, f: string, what: 'insns' | 'ns'): string => {
    const r = all.get(m)?.get(f);
    if (!r) return 'n/a';
    if (what === 'ns') return `${((r.nsPerTrip * SIGNATURES) / 1e6).toFixed(1)} ms`;
    return r.insnsPerTrip === null ? 'n/a' : `${((r.insnsPerTrip * SIGNATURES) / 1e6).toFixed(2)} M`;
  };
  for (const f of ['sign-heap', 'sign-privuser']) {
    if (!o.figures.includes(f)) continue;
    console.log(`| ${SIGNATURES.toLocaleString('en-US')} signatures, key in ${f === 'sign-heap' ? 'heap' : 'PrivUser'} | — | ${machines.map((m) => `${signing(m, f, 'insns')} | ${signing(m, f, 'ns')}`).join(' | ')} |`);
  }
  console.log(`| ratio PrivUser / heap signing | — | ${machines.map((m) => `${ratio(m, 'sign-privuser', 'sign-heap', 'insns')} | ${ratio(m, 'sign-privuser', 'sign-heap', 'ns')}`).join(' | ')} |`);
  console.log('\nIterations per boot and the spread of ns over the runs (min–max):\n');
  console.log('| figure | our machine N | ns min–max | check | QEMU N | ns min–max | check |');
  console.log('|---|---|---|---|---|---|---|');
  for (const f of FIGURES.filter((g) => o.figures.includes(g.name))) {
    const part = (r: Result | undefined): string => r ? `${r.n.toLocaleString('en-US')} | ${r.spread} | ${r.check}` : 'n/a | n/a | n/a';
    console.log(`| ${f.name} | ${part(all.get('ours')?.get(f.name))} | ${part(all.get('qemu')?.get(f.name))} |`);
  }
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

function log(text: string): void {
  process.stderr.write(`[bench --lotr] ${text}\n`);
}

/** The --lotr mode of tools/bench.ts: argv is everything but --lotr. Returns the exit status. */
export async function lotrBench(argv: readonly string[]): Promise<number> {
  let o: LotrOptions;
  try {
    o = parseLotrArgs(argv);
  } catch (error) {
    process.stderr.write(`bench: ${(error as Error).message}\n`);
    return 2;
  }
  if (o.help) {
    process.stdout.write(USAGE);
    return 0;
  }
  try {
    for (const file of [CLI, kernelElf('build'), rootfsImg('build')]) {
      if (!existsSync(file)) throw new Error(`${file} is missing: run npm run build and make -C kernel first`);
    }
    mkdirSync(WORK_DIR, { recursive: true });
    const qemu = spawnSync('sh', ['-c', 'command -v qemu-system-i386'], { stdio: 'ignore' }).status === 0;
    const all = new Map<Machine, Map<string, Result>>();
    for (const machine of o.machines) {
      if (machine === 'qemu' && !qemu) {
        log('qemu-system-i386 is not installed: its columns are n/a');
        continue;
      }
      all.set(machine, await measureMachine(machine, o));
    }
    for (const name of o.figures) rmSync(join(WORK_DIR, `insns-${name}.txt`), { force: true });
    process.stdout.write('\n');
    printTable(all, o);
    return 0;
  } catch (error) {
    process.stderr.write(`bench: ${(error as Error).message}\n`);
    return 1;
  }
}
