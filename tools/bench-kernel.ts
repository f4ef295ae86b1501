// What the kernel benchmarks of tools/bench.ts share (--lotr: tools/bench-lotr.ts, --nk: tools/bench-nk.ts):
// booting a kernel build with a command line on our machine or on QEMU TCG and timing the whole process,
// the QEMU instruction-count plugin, the N = 0 baseline boot and its subtraction, medians, the common
// options, and markdown tables.
//
// The method both use: each figure runs as its own boot with a large iteration count N, and a boot with
// N = 0 is the baseline (boot, program load, exit), so
//   ns per iteration    = (median wall(N) - median wall(baseline)) / N      (host clock, whole process)
//   guest instructions  = our machine: the loop's RDTSC difference / N (its TSC counts retired instructions
//                         exactly); QEMU: (insns(N) - insns(baseline)) / N from the anchors' TCG plugin
//                         (/work/shared/anchors/tools/qemu-insncount.c), in separate untimed boots.

import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readFileSync, rmSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const REPO = resolve(fileURLToPath(new URL('../..', import.meta.url)));
/** The bundled CLI, which starts faster than dist/src/cli/main.js (same code). */
export const CLI = join(REPO, 'dist', 'kernelist.mjs');
const PLUGIN_SOURCE = resolve(REPO, '..', 'shared', 'anchors', 'tools', 'qemu-insncount.c');
/** Debug-exit value 0 (the benchmark program exited with 0) gives status (0 << 1) | 1 on both machines. */
export const BENCH_OK = 1;

export type Machine = 'ours' | 'qemu';
export const MACHINES: readonly Machine[] = ['ours', 'qemu'];

/** A kernel build directory under kernel/: 'build' (make -C kernel, NK=1) or 'build-nk0' (make -C kernel NK=0). */
export type Build = 'build' | 'build-nk0';
export const kernelElf = (build: Build): string => join(REPO, 'kernel', build, 'kernelist.elf');
export const rootfsImg = (build: Build): string => join(REPO, 'kernel', build, 'rootfs.img');
export const kernelBuilt = (build: Build): boolean => existsSync(kernelElf(build)) && existsSync(rootfsImg(build));
/** The make command that produces build. */
export const makeCommand = (build: Build): string => `make -C kernel${build === 'build' ? '' : ' NK=0'}`;

/** One boot: the whole process's wall time, its exit status and output, and (with a count file) QEMU's count. */
export interface KernelBoot { wallS: number; status: number | null; output: string; insns: number | null }

function bootCommand(machine: Machine, build: Build, append: string, plugin: string | null): [string, string[]] {
  if (machine === 'ours') {
    return [process.execPath, [CLI, 'run', '--kernel', kernelElf(build), '--append', append, '--initrd', rootfsImg(build), '--serial', 'stdio']];
  }
  return ['qemu-system-i386', ['-cpu', 'max', '-m', '128', '-kernel', kernelElf(build), '-append', append, '-initrd', rootfsImg(build),
    '-serial', 'stdio', '-display', 'none', '-monitor', 'none', '-device', 'isa-debug-exit,iobase=0xf4,iosize=4', '-no-reboot',
    ...(plugin === null ? [] : ['-plugin', plugin])]];
}

/** Where a counted QEMU boot gets its plugin and writes its count. */
export interface InsnCount { plugin: string; file: string }

/** Boots build once on machine with the kernel command line append and times the whole process; with count,
 * QEMU runs the instruction-count plugin into count.file. Rejects only when the program cannot start. */
export function bootKernel(machine: Machine, build: Build, append: string, timeoutSeconds: number, count: InsnCount | null): Promise<KernelBoot> {
  const [program, args] = bootCommand(machine, build, append, count === null ? null : `${count.plugin},out=${count.file}`);
  if (count !== null) rmSync(count.file, { force: true }); // a count left from an earlier run must not be read
  return new Promise((done, fail) => {
    const start = process.hrtime.bigint();
    const child = spawn(program, args, { cwd: REPO, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    const killer = setTimeout(() => child.kill('SIGKILL'), timeoutSeconds * 1000);
    child.stdout.on('data', (chunk: Buffer) => { output += chunk.toString('latin1'); });
    child.stderr.on('data', (chunk: Buffer) => { output += chunk.toString('latin1'); });
    child.on('error', (error) => { clearTimeout(killer); fail(new Error(`${program}: ${error.message}`)); });
    child.on('close', (status) => {
      clearTimeout(killer);
      const wallS = Number(process.hrtime.bigint() - start) / 1e9;
      let insns: number | null = null;
      if (count !== null) {
        const counted = existsSync(count.file) ? /insns total=(\d+)/.exec(readFileSync(count.file, 'utf8')) : null;
        insns = counted ? Number(counted[1]) : null;
        rmSync(count.file, { force: true });
      }
      done({ wallS, status, output, insns });
    });
  });
}

/** The match of line (a multi-line regexp) in a boot that ended with BENCH_OK; throws, naming where and with the
 * last lines of output, otherwise. */
export function resultLine(boot: KernelBoot, line: RegExp, where: string): RegExpExecArray {
  const m = line.exec(boot.output);
  if (boot.status !== BENCH_OK || !m) {
    throw new Error(`${where}: exit status ${boot.status}${m ? '' : ', no result line'}\n${boot.output.split('\n').slice(-8).join('\n')}`);
  }
  return m;
}

/** Builds the anchors' TCG plugin into workDir (not into the tree); its path, or null when it cannot. */
export function buildInsnPlugin(workDir: string): string | null {
  const plugin = join(workDir, 'qemu-insncount.so');
  if (!existsSync(PLUGIN_SOURCE)) return null;
  if (existsSync(plugin) && statSync(plugin).mtimeMs >= statSync(PLUGIN_SOURCE).mtimeMs) return plugin;
  const gcc = spawnSync('gcc', ['-O2', '-shared', '-fPIC', '-fvisibility=hidden', '-o', plugin, PLUGIN_SOURCE], { stdio: ['ignore', 'ignore', 'inherit'] });
  return gcc.status === 0 ? plugin : null;
}

export function qemuInstalled(): boolean {
  return spawnSync('sh', ['-c', 'command -v qemu-system-i386'], { stdio: 'ignore' }).status === 0;
}

/** The N = 0 boot: median wall time, and (QEMU, when the plugin works) its instruction count. */
/** Measures on each machine in turn; QEMU's columns are left out (n/a) when it is not installed. */
export async function measureEachMachine<R>(machines: readonly Machine[], log: (text: string) => void,
  measure: (machine: Machine) => Promise<R>): Promise<Map<Machine, R>> {
  const qemu = qemuInstalled();
  const all = new Map<Machine, R>();
  for (const machine of machines) {
    if (machine === 'qemu' && !qemu) {
      log('qemu-system-i386 is not installed: its columns are n/a');
      continue;
    }
    all.set(machine, await measure(machine));
  }
  return all;
}

export interface Baseline { wallS: number; insns: number | null }

/** Times runs baseline boots of build on machine with append (label names it in the log); on QEMU with a
 * plugin, one more untimed boot counts its instructions. line must match in every boot. */
export async function measureBaseline(machine: Machine, build: Build, append: string, label: string, line: RegExp,
  runs: number, timeoutSeconds: number, count: InsnCount | null, log: (text: string) => void): Promise<Baseline> {
  const walls: number[] = [];
  const where = `${machine} ${build} ${label}`;
  for (let r = 0; r < runs; r++) {
    const b = await bootKernel(machine, build, append, timeoutSeconds, null);
    resultLine(b, line, where);
    walls.push(b.wallS);
  }
  const wallS = median(walls);
  log(`${where}: median wall ${wallS.toFixed(3)} s of ${walls.map((w) => w.toFixed(3)).join(', ')}`);
  let insns: number | null = null;
  if (machine === 'qemu' && count !== null) {
    const b = await bootKernel(machine, build, append, timeoutSeconds, count);
    resultLine(b, line, where);
    insns = b.insns;
    if (insns === null) log('the QEMU instruction-count plugin gave no count: QEMU instructions are n/a');
  }
  return { wallS, insns };
}

/** ns per iteration from the timed boots' walls less the baseline, and its spread (min–max) over the runs. */
export function perIteration(walls: readonly number[], baselineS: number, n: number): { ns: number; spread: string } {
  const ns = (s: number): number => ((s - baselineS) * 1e9) / n;
  return { ns: ns(median(walls)), spread: `${ns(Math.min(...walls)).toFixed(0)}–${ns(Math.max(...walls)).toFixed(0)}` };
}

/** The options every kernel benchmark mode takes. */
export interface KernelBenchOptions {
  runs: number;
  scale: number;
  machines: Machine[];
  figures: string[];
  timeoutSeconds: number;
  help: boolean;
}

/** Parses the common options (--runs, --scale, --machines, --figures, --timeout, --help) of mode ('--lotr',
 * '--nk') with figures as the known figure names; extra takes a mode's own options (true when it used arg,
 * calling value() for its value). Throws with a one-line message on bad input. */
export function parseKernelBenchArgs(argv: readonly string[], mode: string, figures: readonly string[],
  extra: (arg: string, value: () => string) => boolean = () => false): KernelBenchOptions {
  const o: KernelBenchOptions = { runs: 3, scale: 1, machines: [...MACHINES], figures: [...figures], timeoutSeconds: 300, help: false };
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
        for (const f of list) if (!figures.includes(f)) throw new Error(`--figures: unknown figure '${f}'`);
        o.figures = list;
        break;
      }
      case '--help': case '-h': o.help = true; break;
      default:
        if (!extra(arg, value)) throw new Error(`unknown option '${arg}' for ${mode} (try ${mode} --help)`);
    }
  }
  return o;
}

export function wholeNumber(name: string, text: string, min: number): number {
  const n = /^\d+$/.test(text) ? Number(text) : NaN;
  if (!Number.isSafeInteger(n) || n < min) throw new Error(`${name}: '${text}' is not a whole number ≥ ${min}`);
  return n;
}

/** An iteration count times --scale, at least 1. */
export const scaled = (count: number, scale: number): number => Math.max(1, Math.round(count * scale));

export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

/** A markdown table: the header row, the separator, then one line per row. */
export function markdownTable(header: readonly string[], rows: readonly (readonly string[])[]): string {
  const line = (cells: readonly string[]): string => `| ${cells.join(' | ')} |`;
  return [line(header), `|${header.map(() => '---|').join('')}`, ...rows.map(line)].join('\n');
}

/** x with d decimals, thousands separated; 'n/a' for null or a non-finite x. */
export function number(x: number | null, d = 0): string {
  return x === null || !Number.isFinite(x) ? 'n/a' : x.toLocaleString('en-US', { minimumFractionDigits: d, maximumFractionDigits: d });
}

/** A logger that prefixes mode, to stderr (stdout carries the tables). */
export function logger(mode: string): (text: string) => void {
  return (text) => process.stderr.write(`[bench ${mode}] ${text}\n`);
}
