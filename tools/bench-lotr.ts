// `npm run bench -- --lotr`: LOTRx86's costs (docs/lotrx86.md "Measurements"). Boots the kernel with
// `bench=lotr lotr=FIGURE:N` (kernel/lotr/bench.c runs /bin/hb_bench, kernel/user/bin/hb_bench.c) on our machine
// and on QEMU TCG, and prints a markdown table beside the cost model of papers.md §2.9.
//
// Method (shared with --nk in tools/bench-kernel.ts). Each figure runs as its own boot with a large iteration
// count N, and the same boot with N = 0 is the baseline (boot, program load, exit). Then
//   ns per round trip           = (median wall(N) - median wall(baseline)) / N      (host clock, whole process)
//   guest instructions per trip = our machine: the loop's RDTSC difference / N (its TSC counts retired
//                                 instructions exactly); QEMU: (insns(N) - insns(baseline)) / N from the anchors'
//                                 TCG plugin (/work/shared/anchors/tools/qemu-insncount.c), in separate untimed boots.
// Both include the loop's own instructions and the timer interrupts that fall into the loop (amortised).
// The syscall figure is taken twice: on the default kernel (NK=1: every system call passes the Nested Kernel's
// nk_audit gate, two CR0.WP writes, which QEMU answers with a full TLB flush) and on kernel/build-nk0 (NK=0).

import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import {
  type Baseline, type Build, type InsnCount, type KernelBenchOptions, type Machine, CLI, REPO, bootKernel, buildInsnPlugin,
  kernelBuilt, kernelElf, logger, makeCommand, markdownTable, measureBaseline, parseKernelBenchArgs, perIteration, measureEachMachine,
  resultLine, rootfsImg, scaled,
} from './bench-kernel.js';

// Figures boot kernel/build, the default kernel (NK=1, the Nested Kernel gates every system call), except
// syscall-nk0: kernel/build-nk0 (make -C kernel NK=0), the one syscall row that shows the bare int 0x80.
const WORK_DIR = join(REPO, '.bench', 'lotr');

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

type LotrOptions = KernelBenchOptions;

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

const FIGURE_NAMES = FIGURES.map((f) => f.name);

/** One line of hb_bench: `lotr-bench FIGURE iterations=N tsc=T check=X`. */
interface FigureLine { iterations: number; tsc: number; check: string }

/** The kernel command line of one boot of hb_bench's figure with n iterations. */
const lotrAppend = (figure: string, n: number): string => `quiet bench=lotr lotr=${figure}:${n}`;
/** The result line of figure in a boot's output. */
const lotrLine = (figure: string): RegExp => new RegExp(`^lotr-bench ${figure} iterations=(\\d+) tsc=(\\d+) check=([0-9a-f]{8})\\r?$`, 'm');

/** Boots once and parses figure's line; with count, QEMU also counts the boot's instructions. */
async function boot(machine: Machine, build: Build, figure: string, n: number, timeoutSeconds: number, count: InsnCount | null): Promise<{ wallS: number; line: FigureLine; insns: number | null }> {
  const b = await bootKernel(machine, build, lotrAppend(figure, n), timeoutSeconds, count);
  const m = resultLine(b, lotrLine(figure), `${machine} ${build} ${figure}:${n}`);
  return { wallS: b.wallS, line: { iterations: Number(m[1]), tsc: Number(m[2]), check: m[3]! }, insns: b.insns };
}

interface Result { n: number; nsPerTrip: number; insnsPerTrip: number | null; spread: string; check: string }

/** The N = 0 boot of build on machine (near:0): median wall time, and on QEMU its instruction count. */
async function lotrBaseline(machine: Machine, build: Build, o: LotrOptions): Promise<Baseline> {
  let count: InsnCount | null = null;
  if (machine === 'qemu') {
    const plugin = buildInsnPlugin(WORK_DIR);
    if (plugin === null) log('cannot build the QEMU instruction-count plugin: QEMU instructions are n/a');
    else count = { plugin, file: join(WORK_DIR, 'insns-baseline.txt') };
  }
  return measureBaseline(machine, build, lotrAppend('near', 0), 'baseline (near:0)', lotrLine('near'), o.runs, o.timeoutSeconds, count, log);
}

async function measure(machine: Machine, figure: Figure, o: LotrOptions, baseline: Baseline): Promise<Result> {
  const baselineS = baseline.wallS, baselineInsns = baseline.insns;
  const n = scaled(figure.count[machine], o.scale);
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
    const plugin = buildInsnPlugin(WORK_DIR)!; // the baseline's count needed it built
    const counted = await boot(machine, figure.build, figure.program, n, o.timeoutSeconds, { plugin, file: join(WORK_DIR, `insns-${figure.name}.txt`) });
    if (counted.insns !== null) insnsPerTrip = (counted.insns - baselineInsns) / n;
  }
  const { ns, spread } = perIteration(walls, baselineS, n);
  return { n, nsPerTrip: ns, insnsPerTrip, spread, check: line!.check };
}

async function measureMachine(machine: Machine, o: LotrOptions): Promise<Map<string, Result>> {
  const baselines = new Map<Build, Baseline>();
  const results = new Map<string, Result>();
  for (const figure of FIGURES.filter((f) => o.figures.includes(f.name))) {
    if (!kernelBuilt(figure.build)) {
      log(`${figure.name}: kernel/${figure.build} is not built (${makeCommand(figure.build)}): n/a`);
      continue;
    }
    let baseline = baselines.get(figure.build);
    if (!baseline) baselines.set(figure.build, baseline = await lotrBaseline(machine, figure.build, o));
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
  const rows: string[][] = [];
  for (const f of FIGURES.filter((g) => o.figures.includes(g.name))) {
    rows.push([f.label, f.model, ...machines.flatMap((m) => [cell(m, f.name, 'insns'), cell(m, f.name, 'ns')])]);
  }
  const ratio = (m: Machine, a: string, b: string, what: 'insns' | 'ns'): string => {
    const x = all.get(m)?.get(a), y = all.get(m)?.get(b);
    if (!x || !y) return 'n/a';
    const [p, q] = what === 'ns' ? [x.nsPerTrip, y.nsPerTrip] : [x.insnsPerTrip, y.insnsPerTrip];
    return p === null || q === null || !(q > 0) ? 'n/a' : (p / q).toFixed(2);
  };
  for (const sys of ['syscall', 'syscall-nk0']) {
    for (const p of ['privcall0', 'privcall3']) {
      rows.push([`ratio ${p} / ${sys}`, `${MODEL_RATIO.toFixed(2)} (154/181)`, ...machines.flatMap((m) => [ratio(m, p, sys, 'insns'), ratio(m, p, sys, 'ns')])]);
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
    rows.push([`${SIGNATURES.toLocaleString('en-US')} signatures, key in ${f === 'sign-heap' ? 'heap' : 'PrivUser'}`, '—', ...machines.flatMap((m) => [signing(m, f, 'insns'), signing(m, f, 'ns')])]);
  }
  rows.push(['ratio PrivUser / heap signing', '—', ...machines.flatMap((m) => [ratio(m, 'sign-privuser', 'sign-heap', 'insns'), ratio(m, 'sign-privuser', 'sign-heap', 'ns')])]);
  console.log(markdownTable(['figure', '386 cost model, clocks (papers.md §2.9)', 'our machine: guest insns', 'our machine: ns', 'QEMU TCG: guest insns', 'QEMU TCG: ns'], rows));
  console.log('\nIterations per boot and the spread of ns over the runs (min–max):\n');
  const part = (r: Result | undefined): string[] => r ? [r.n.toLocaleString('en-US'), r.spread, r.check] : ['n/a', 'n/a', 'n/a'];
  console.log(markdownTable(['figure', 'our machine N', 'ns min–max', 'check', 'QEMU N', 'ns min–max', 'check'],
    FIGURES.filter((g) => o.figures.includes(g.name)).map((f) => [f.name, ...part(all.get('ours')?.get(f.name)), ...part(all.get('qemu')?.get(f.name))])));
}

const log = logger('--lotr');

/** The --lotr mode of tools/bench.ts: argv is everything but --lotr. Returns the exit status. */
export async function lotrBench(argv: readonly string[]): Promise<number> {
  let o: LotrOptions;
  try {
    o = parseKernelBenchArgs(argv, '--lotr', FIGURE_NAMES);
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
    const all = await measureEachMachine(o.machines, log, (machine) => measureMachine(machine, o));
    process.stdout.write('\n');
    printTable(all, o);
    return 0;
  } catch (error) {
    process.stderr.write(`bench: ${(error as Error).message}\n`);
    return 1;
  }
}
