// Command-line parsing for `kernelist`: commands, `run` options (modelled on QEMU's -kernel -append -initrd -m -hda -serial)
// and their values. Pure: it reads no files; every mistake is a CliError with a one-line message.

import { CliError } from './cli-error.js';

export const DEFAULT_MEMORY_MIB = 128;
export const MIN_MEMORY_MIB = 2;
export const MAX_MEMORY_MIB = 3072;

export interface ModuleSpec {
  /** The file to load: the module text up to its first space. */
  path: string;
  /** The whole module text, given to the guest as the module's string (QEMU does the same). */
  string: string;
}

export type SerialTarget = { kind: 'stdio' } | { kind: 'file'; path: string } | { kind: 'none' };
export type ClockKind = 'instructions' | 'wall';

export interface RunOptions {
  kernel: string;
  append: string | undefined;
  modules: ModuleSpec[];
  memoryMiB: number;
  disk: string | undefined;
  diskWriteBack: boolean;
  serial: SerialTarget;
  timeoutSeconds: number | undefined;
  clock: ClockKind;
  screen: boolean;
  verbose: boolean;
}

export type Command =
  | { kind: 'help'; topic: 'main' | 'run' | 'demo' }
  | { kind: 'version' }
  | { kind: 'run'; options: RunOptions }
  /** Boots the Kernelist kernel and its root filesystem (found by the caller) with `demo=<name>`. */
  | { kind: 'demo'; name: DemoName; options: Omit<RunOptions, 'kernel'> }
  /** Scans a kernel ELF for instructions that bypass the Nested Kernel (tools/nk-scan). */
  | { kind: 'nk-scan'; file: string };

/** The demos the kernel knows (its command line `demo=NAME`). */
export const DEMOS = ['heartbleed', 'rogue-driver'] as const;
export type DemoName = (typeof DEMOS)[number];
/** A demo runs to its verdict table; this bounds a kernel that hangs. */
export const DEMO_TIMEOUT_SECONDS = 300;

type Draft = Omit<RunOptions, 'kernel'> & { kernel: string | undefined };

interface OptionSpec {
  takesValue: boolean;
  apply(draft: Draft, value: string, name: string): void;
}

const RUN_OPTIONS: Record<string, OptionSpec> = {
  '--kernel': { takesValue: true, apply: (d, v, n) => setKernel(d, v, n) },
  '--append': { takesValue: true, apply: (d, v) => { d.append = v; } },
  '--cmdline': { takesValue: true, apply: (d, v) => { d.append = v; } },
  '--initrd': { takesValue: true, apply: (d, v, n) => { d.modules.push(...parseInitrd(v, n)); } },
  '--mem': { takesValue: true, apply: (d, v, n) => { d.memoryMiB = parseMemoryMiB(v, n); } },
  '-m': { takesValue: true, apply: (d, v, n) => { d.memoryMiB = parseMemoryMiB(v, n); } },
  '--disk': { takesValue: true, apply: (d, v, n) => { d.disk = nonEmpty(v, n); } },
  '--disk-write-back': { takesValue: false, apply: (d) => { d.diskWriteBack = true; } },
  '--serial': { takesValue: true, apply: (d, v, n) => { d.serial = parseSerial(v, n); } },
  '--timeout': { takesValue: true, apply: (d, v, n) => { d.timeoutSeconds = parseTimeout(v, n); } },
  '--clock': { takesValue: true, apply: (d, v, n) => { d.clock = parseClock(v, n); } },
  '--screen': { takesValue: false, apply: (d) => { d.screen = true; } },
  '--verbose': { takesValue: false, apply: (d) => { d.verbose = true; } },
  '-v': { takesValue: false, apply: (d) => { d.verbose = true; } },
};

export function parseCommandLine(argv: readonly string[]): Command {
  const [first, ...rest] = argv;
  if (first === undefined) throw new CliError('missing command (try kernelist --help)');
  if (first === '--help' || first === '-h' || first === 'help') return { kind: 'help', topic: rest[0] === 'run' ? 'run' : 'main' };
  if (first === '--version' || first === '-V') return { kind: 'version' };
  if (first === 'run') return parseRun(rest);
  if (first === 'demo') return parseDemo(rest);
  if (first === 'nk-scan') {
    if (rest.length !== 1 || rest[0]!.startsWith('-')) throw new CliError('usage: kernelist nk-scan FILE.elf');
    return { kind: 'nk-scan', file: rest[0]! };
  }
  if (first.startsWith('-')) throw new CliError(`unknown option '${first}' (try kernelist --help)`);
  throw new CliError(`unknown command '${first}' (try kernelist --help)`);
}

function parseRun(args: readonly string[]): Command {
  const draft: Draft = {
    kernel: undefined, append: undefined, modules: [], memoryMiB: DEFAULT_MEMORY_MIB, disk: undefined, diskWriteBack: false,
    serial: { kind: 'stdio' }, timeoutSeconds: undefined, clock: 'wall', screen: false, verbose: false,
  };
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!;
    if (arg === '--help' || arg === '-h') return { kind: 'help', topic: 'run' };
    if (!arg.startsWith('-') || arg === '-') {
      setKernel(draft, arg, 'kernel file');
      continue;
    }
    const eq = arg.startsWith('--') ? arg.indexOf('=') : -1;
    const name = eq > 0 ? arg.slice(0, eq) : arg;
    const spec = RUN_OPTIONS[name];
    if (!spec) throw new CliError(`unknown option '${name}' (try kernelist run --help)`);
    if (!spec.takesValue) {
      if (eq > 0) throw new CliError(`option '${name}' takes no value`);
      spec.apply(draft, '', name);
      continue;
    }
    let value: string;
    if (eq > 0) value = arg.slice(eq + 1);
    else if (i + 1 < args.length) value = args[++i]!;
    else throw new CliError(`option '${name}' needs a value`);
    spec.apply(draft, value, name);
  }
  if (draft.kernel === undefined) throw new CliError('no kernel given (kernelist run --kernel FILE, or kernelist run FILE)');
  if (draft.diskWriteBack && draft.disk === undefined) throw new CliError("option '--disk-write-back' needs --disk IMG");
  return { kind: 'run', options: { ...draft, kernel: draft.kernel } };
}

/** `kernelist demo NAME [run options]`: the kernel and root filesystem are implied, so --kernel is refused. */
function parseDemo(args: readonly string[]): Command {
  const [name, ...rest] = args;
  if (name === undefined || name === '--help' || name === '-h') return { kind: 'help', topic: 'demo' };
  if (!(DEMOS as readonly string[]).includes(name)) throw new CliError(`unknown demo '${name}' (demos: ${DEMOS.join(', ')})`);
  for (let i = 0; i < rest.length; i++) {
    const arg = rest[i]!;
    const option = arg.split('=')[0]!;
    if (option === '--kernel' || option === '--append' || option === '--cmdline' || option === '--initrd' || !arg.startsWith('-')) {
      throw new CliError(`demo ${name}: '${arg}' is not allowed (the demo chooses the kernel, its modules and its command line)`);
    }
    if (RUN_OPTIONS[option]?.takesValue && !arg.includes('=')) i++;
  }
  const parsed = parseRun(['--kernel', 'kernelist.elf', ...rest]);
  if (parsed.kind !== 'run') return { kind: 'help', topic: 'demo' };
  const { kernel: _kernel, ...options } = parsed.options;
  return { kind: 'demo', name: name as DemoName, options: { ...options, timeoutSeconds: options.timeoutSeconds ?? DEMO_TIMEOUT_SECONDS } };
}

function setKernel(draft: Draft, value: string, name: string): void {
  if (draft.kernel !== undefined) throw new CliError(`more than one kernel given ('${draft.kernel}' and '${value}')`);
  draft.kernel = nonEmpty(value, name);
}

function nonEmpty(value: string, name: string): string {
  if (value === '') throw new CliError(`${name}: empty file name`);
  return value;
}

/**
 * QEMU's -initrd syntax for Multiboot: modules separated by commas (",," is a literal comma), each a file name
 * optionally followed by a space and arguments; the whole text becomes the module string.
 */
export function parseInitrd(text: string, name = '--initrd'): ModuleSpec[] {
  const entries: string[] = [];
  let current = '';
  for (let i = 0; i < text.length; i++) {
    if (text[i] !== ',') current += text[i];
    else if (text[i + 1] === ',') current += text[++i];
    else {
      entries.push(current);
      current = '';
    }
  }
  entries.push(current);
  return entries.map((entry) => {
    const space = entry.indexOf(' ');
    const path = space < 0 ? entry : entry.slice(0, space);
    if (path === '') throw new CliError(`${name}: empty module file name in '${text}'`);
    return { path, string: entry };
  });
}

/** A RAM size in MiB: a whole number, optionally with QEMU's M or G suffix. */
export function parseMemoryMiB(text: string, name = '--mem'): number {
  const match = /^(\d+)([MmGg]i?[Bb]?)?$/.exec(text.trim());
  const scale = match?.[2]?.[0]?.toUpperCase() === 'G' ? 1024 : 1;
  const mib = match ? Number(match[1]) * scale : NaN;
  if (!Number.isSafeInteger(mib) || mib < MIN_MEMORY_MIB || mib > MAX_MEMORY_MIB) {
    throw new CliError(`${name}: '${text}' is not a RAM size from ${MIN_MEMORY_MIB} to ${MAX_MEMORY_MIB} MiB`);
  }
  return mib;
}

export function parseSerial(text: string, name = '--serial'): SerialTarget {
  if (text === 'stdio') return { kind: 'stdio' };
  if (text === 'none' || text === 'null') return { kind: 'none' };
  if (text.startsWith('file:') && text.length > 'file:'.length) return { kind: 'file', path: text.slice('file:'.length) };
  throw new CliError(`${name}: '${text}' is not stdio, file:PATH or none`);
}

export function parseTimeout(text: string, name = '--timeout'): number {
  const seconds = /^\d+(\.\d+)?$/.test(text.trim()) ? Number(text) : NaN;
  if (!(seconds > 0) || !Number.isFinite(seconds)) throw new CliError(`${name}: '${text}' is not a positive number of seconds`);
  return seconds;
}

export function parseClock(text: string, name = '--clock'): ClockKind {
  if (text === 'instructions' || text === 'wall') return text;
  throw new CliError(`${name}: '${text}' is not instructions or wall`);
}
