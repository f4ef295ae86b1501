// `npm run bench -- --nk`: the Nested Kernel's costs (docs/nested-kernel.md "Measurements"). Boots the kernel
// with `bench=nk nk=FIGURE:N` (kernel/core/nk_bench.c runs /bin/nk_bench, kernel/user/bin/nk_bench.c) in three
// configurations, on our machine and on QEMU TCG, and prints the NK=1 / NK=0 ratios beside PerspicuOS's
// (papers.md §3.7).
//
// Method (tools/bench-kernel.ts): one boot per figure and configuration with a large N, and one N = 0 boot per
// configuration as the baseline;
//   ns per iteration    = (median wall(N) - median wall(baseline)) / N
//   guest instructions  = our machine: the loop's RDTSC difference / N (exact, the loop alone);
//                         QEMU: (plugin count(N) - plugin count(baseline)) / N, so it also carries the figure's
//                         one-time set-up (the second process of yield and pipe), amortised over N.
// Both include the timer interrupts that fall into the loop. The same N is used for every configuration on a
// machine, so that a figure's rows compare equal work.

import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import {
  type Baseline, type Build, type InsnCount, type KernelBenchOptions, type Machine, CLI, MACHINES, REPO, bootKernel,
  buildInsnPlugin, kernelBuilt, logger, makeCommand, markdownTable, measureBaseline, number, parseKernelBenchArgs,
  perIteration, measureEachMachine, resultLine, scaled,
} from './bench-kernel.js';

const WORK_DIR = join(REPO, '.bench', 'nk');
const log = logger('--nk');

interface Config {
  name: string;
  label: string;
  build: Build;
  /** The append-only syscall log of the nested kernel (on by default in both builds; audit=off turns it off). */
  audit: boolean;
  /** The NK value the kernel must report ("bench nk: NK=<n> ..."). */
  nk: 0 | 1;
}

/** NK=0 is the stock kernel: vMMU calls compiled to direct writes, no gates, and no log (PerspicuOS's baseline). */
const CONFIGS: readonly Config[] = [
  { name: 'nk0', label: 'NK=0', build: 'build-nk0', audit: false, nk: 0 },
  { name: 'nk1-audit-off', label: 'NK=1 audit off', build: 'build', audit: false, nk: 1 },
  { name: 'nk1', label: 'NK=1 audit on', build: 'build', audit: true, nk: 1 },
];

interface Figure {
  name: string;
  label: string;
  /** PerspicuOS's ratios to its baseline from papers.md §3.7, "perspicuos / +appendlog", or why there are none. */
  perspicuos: string;
  /** Iterations per timed boot on each machine (about 1-2 s of loop with NK=1), before --scale. */
  count: Record<Machine, number>;
}

const FIGURES: readonly Figure[] = [
  { name: 'null', label: 'null syscall (getpid)', perspicuos: 'null syscall 1.07× / 4.41×', count: { ours: 50_000, qemu: 100_000 } },
  { name: 'openclose', label: 'open + close of /bin/true', perspicuos: 'open/close 0.98× / 1.32×', count: { ours: 500, qemu: 20_000 } },
  { name: 'sbrk', label: 'sbrk +256 pages, −256 pages', perspicuos: 'mmap 1 MiB 2.57× / 2.80×', count: { ours: 80, qemu: 150 } },
  { name: 'spawn', label: 'spawn /bin/true + wait', perspicuos: 'fork+exit 2.90× / 2.96×; fork+execve 2.52× / 2.59×', count: { ours: 100, qemu: 1_000 } },
  { name: 'yield', label: 'yield to a second process and back (2 switches)', perspicuos: '— (not in §3.7)', count: { ours: 4_000, qemu: 15_000 } },
  { name: 'pipe', label: 'pipe ping-pong, 1 byte each way (2 switches)', perspicuos: '— (lat_pipe/lat_ctx not in §3.7)', count: { ours: 2_000, qemu: 10_000 } },
];

const USAGE = `Usage: npm run bench -- --nk [options]      (node dist/tools/bench.js --nk [options])

Boots kernel/build-nk0 (NK=0, audit=off), kernel/build with audit=off and kernel/build (NK=1, with the audit log)
with "bench=nk nk=FIGURE:N" once per figure (and once with N = 0, the baseline) on our machine and on QEMU,
and prints guest instructions and ns per iteration and the NK=1 / NK=0 ratios beside PerspicuOS's
(docs/nested-kernel.md "Measurements"). Builds kernel/build-nk0 (make -C kernel NK=0) if it is missing.

  --runs N          timed boots per figure, configuration and machine (default 3; the median is used)
  --scale X         multiply every iteration count by X (default 1; e.g. 0.1 for a quick look: small
                    counts inflate the per-iteration figures with one-time costs and timer noise)
  --machines LIST   comma-separated: ours,qemu (default both; qemu is skipped if not installed)
  --figures LIST    comma-separated subset of ${FIGURES.map((f) => f.name).join(',')}
  --configs LIST    comma-separated subset of ${CONFIGS.map((c) => c.name).join(',')}
  --timeout S       give up on one boot after S seconds (default 300)
`;

interface NkOptions extends KernelBenchOptions { configs: string[] }

function parseNkArgs(argv: readonly string[]): NkOptions {
  let configs = CONFIGS.map((c) => c.name);
  const o = parseKernelBenchArgs(argv, '--nk', FIGURES.map((f) => f.name), (arg, value) => {
    if (arg !== '--configs') return false;
    const list = value().split(',');
    for (const c of list) if (!CONFIGS.some((d) => d.name === c)) throw new Error(`--configs: unknown configuration '${c}' (${CONFIGS.map((d) => d.name).join(', ')})`);
    configs = list;
    return true;
  });
  return { ...o, configs };
}

const nkAppend = (config: Config, figure: string, n: number): string => `quiet bench=nk nk=${figure}:${n}${config.audit ? '' : ' audit=off'}`;
/** nk_bench's result line: `nk-bench FIGURE iterations=N tsc=0xT`. */
const nkLine = (figure: string): RegExp => new RegExp(`^nk-bench ${figure} iterations=(\\d+) tsc=0x([0-9a-f]{16})\\r?$`, 'm');
const NK_REPORT = /^bench nk: NK=(\d) audit records (\d+)\r?$/m;

/** Boots config once with figure:n; the wall time, the loop's TSC difference and (with count) QEMU's count. */
async function boot(machine: Machine, config: Config, figure: string, n: number, timeoutSeconds: number, count: InsnCount | null):
  Promise<{ wallS: number; tsc: number; insns: number | null }> {
  const where = `${machine} ${config.name} ${figure}:${n}`;
  const b = await bootKernel(machine, config.build, nkAppend(config, figure, n), timeoutSeconds, count);
  const m = resultLine(b, nkLine(figure), where);
  const report = resultLine(b, NK_REPORT, where);
  if (Number(report[1]) !== config.nk) throw new Error(`${where}: kernel/${config.build} says NK=${report[1]}, want NK=${config.nk} (rebuild it: ${makeCommand(config.build)})`);
  if (Number(m[1]) !== n) throw new Error(`${where}: nk_bench ran ${m[1]} iterations, not ${n}`);
  return { wallS: b.wallS, tsc: Number.parseInt(m[2]!, 16), insns: b.insns };
}

interface Result { n: number; ns: number; insns: number | null; spread: string }

/** The instruction-count plugin's use for one boot on machine, or null (our machine, or no plugin). */
function countFor(machine: Machine, file: string): InsnCount | null {
  if (machine !== 'qemu') return null;
  const plugin = buildInsnPlugin(WORK_DIR);
  return plugin === null ? null : { plugin, file: join(WORK_DIR, file) };
}

async function measure(machine: Machine, config: Config, figure: Figure, o: NkOptions, baseline: Baseline): Promise<Result> {
  const n = scaled(figure.count[machine], o.scale);
  const walls: number[] = [];
  let tsc = 0;
  for (let r = 0; r < o.runs; r++) {
    const b = await boot(machine, config, figure.name, n, o.timeoutSeconds, null);
    walls.push(b.wallS);
    tsc = b.tsc;
    log(`${machine} ${config.name} ${figure.name}:${n} run ${r + 1}: wall ${b.wallS.toFixed(3)} s, tsc ${b.tsc}`);
  }
  let insns: number | null = null;
  if (machine === 'ours') insns = tsc / n;
  else if (baseline.insns !== null) {
    const counted = await boot(machine, config, figure.name, n, o.timeoutSeconds, countFor(machine, `insns-${config.name}-${figure.name}.txt`));
    if (counted.insns !== null) insns = (counted.insns - baseline.insns) / n;
  }
  const { ns, spread } = perIteration(walls, baseline.wallS, n);
  return { n, ns, insns, spread };
}

/** Results by configuration, then figure. */
type Results = Map<string, Map<string, Result>>;

async function measureMachine(machine: Machine, o: NkOptions): Promise<Results> {
  const results: Results = new Map();
  for (const config of CONFIGS.filter((c) => o.configs.includes(c.name))) {
    const count = countFor(machine, `insns-${config.name}-baseline.txt`);
    if (machine === 'qemu' && count === null) log('cannot build the QEMU instruction-count plugin: QEMU instructions are n/a');
    // One untimed boot first: the first boot of a build after another is slower (files not yet cached), and
    // would otherwise inflate the baseline.
    await boot(machine, config, 'null', 0, o.timeoutSeconds, null);
    const baseline = await measureBaseline(machine, config.build, nkAppend(config, 'null', 0), `${config.name} baseline (null:0)`,
      nkLine('null'), o.runs, o.timeoutSeconds, count, log);
    const byFigure = new Map<string, Result>();
    for (const figure of FIGURES.filter((f) => o.figures.includes(f.name))) byFigure.set(figure.name, await measure(machine, config, figure, o, baseline));
    results.set(config.name, byFigure);
  }
  return results;
}

function printTables(all: Map<Machine, Results>, o: NkOptions): void {
  const configs = CONFIGS.filter((c) => o.configs.includes(c.name));
  const figures = FIGURES.filter((f) => o.figures.includes(f.name));
  const get = (m: Machine, c: string, f: string): Result | undefined => all.get(m)?.get(c)?.get(f);
  const value = (r: Result | undefined, what: 'insns' | 'ns'): number | null => (r === undefined ? null : what === 'ns' ? r.ns : r.insns);
  const columns = MACHINES.flatMap((m) => configs.map((c) => ({ m, c })));
  const machineName = (m: Machine): string => (m === 'ours' ? 'ours' : 'QEMU');

  console.log(`Nested Kernel figures (one boot per figure and configuration, ${o.runs} timed run(s) each, scale ${o.scale}).`);
  for (const what of ['insns', 'ns'] as const) {
    console.log(what === 'insns'
      ? '\nGuest instructions per iteration (ours: the loop\'s TSC / N; QEMU: plugin count less the baseline boot\'s, / N):\n'
      : '\nns per iteration (host wall time: median boot less the baseline boot, / N):\n');
    const cell = (x: number | null): string => number(x, x !== null && x < 100 ? 1 : 0);
    console.log(markdownTable(['figure', ...columns.map(({ m, c }) => `${machineName(m)} ${c.label}`)],
      figures.map((f) => [f.label, ...columns.map(({ m, c }) => cell(value(get(m, c.name, f.name), what)))])));
  }

  const base = configs.find((c) => c.nk === 0);
  const nk1 = configs.filter((c) => c.nk === 1);
  if (base === undefined || nk1.length === 0) return;
  const ratio = (m: Machine, c: Config, f: string, what: 'insns' | 'ns'): string => {
    const p = value(get(m, c.name, f), what), q = value(get(m, base.name, f), what);
    return p === null || q === null || !(q > 0) ? 'n/a' : `${(p / q).toFixed(2)}×`;
  };
  const ratioColumns = (['insns', 'ns'] as const).flatMap((what) => MACHINES.map((m) => ({ what, m })));
  console.log(`\nRatios to NK=0 (${nk1.map((c) => c.label).join(' / ')}) beside PerspicuOS's to its baseline (perspicuos / +appendlog, papers.md §3.7):\n`);
  console.log(markdownTable(['figure', 'PerspicuOS', ...ratioColumns.map(({ what, m }) => `${machineName(m)} ${what === 'insns' ? 'instructions' : 'ns'}`)],
    figures.map((f) => [f.label, f.perspicuos, ...ratioColumns.map(({ what, m }) => nk1.map((c) => ratio(m, c, f.name, what)).join(' / '))])));

  console.log('\nIterations per boot and the spread of ns per iteration over the runs (min–max):\n');
  const part = (r: Result | undefined): string[] => (r ? [r.n.toLocaleString('en-US'), r.spread] : ['n/a', 'n/a']);
  console.log(markdownTable(['figure', 'configuration', 'ours N', 'ours ns min–max', 'QEMU N', 'QEMU ns min–max'],
    figures.flatMap((f) => configs.map((c) => [f.name, c.label, ...part(get('ours', c.name, f.name)), ...part(get('qemu', c.name, f.name))]))));
}

/** Builds kernel/build-nk0 when a configuration needs it and it is missing. */
function ensureBuilt(configs: readonly Config[]): void {
  for (const build of new Set(configs.map((c) => c.build))) {
    if (kernelBuilt(build)) continue;
    if (build === 'build') throw new Error(`kernel/build is missing: run ${makeCommand(build)} first`);
    log(`kernel/${build} is missing: running ${makeCommand(build)}`);
    // make's own output goes to stderr: stdout carries only the tables.
    const make = spawnSync('make', ['-s', '-C', join(REPO, 'kernel'), 'NK=0'], { cwd: REPO, stdio: ['ignore', process.stderr, 'inherit'] });
    if (make.status !== 0 || !kernelBuilt(build)) throw new Error(`${makeCommand(build)} failed`);
  }
}

/** The --nk mode of tools/bench.ts: argv is everything but --nk. Returns the exit status. */
export async function nkBench(argv: readonly string[]): Promise<number> {
  let o: NkOptions;
  try {
    o = parseNkArgs(argv);
  } catch (error) {
    process.stderr.write(`bench: ${(error as Error).message}\n`);
    return 2;
  }
  if (o.help) {
    process.stdout.write(USAGE);
    return 0;
  }
  try {
    if (!existsSync(CLI)) throw new Error(`${CLI} is missing: run npm run build first`);
    ensureBuilt(CONFIGS.filter((c) => o.configs.includes(c.name)));
    mkdirSync(WORK_DIR, { recursive: true });
    const all = await measureEachMachine(o.machines, log, (machine) => measureMachine(machine, o));
    process.stdout.write('\n');
    printTables(all, o);
    return 0;
  } catch (error) {
    process.stderr.write(`bench: ${(error as Error).message}\n`);
    return 1;
  }
}
