// Records the golden transcripts of the guest test programs (test/guest/golden/<name>.txt) on QEMU TCG, applies the
// committed SDM overrides (<name>.sdm), and checks them again (--check) or against Bochs, the second oracle (--bochs).
//
//   node dist/tools/goldens.js [--check | --bochs] [name ...]
//
// QEMU: qemu-system-i386 -cpu max -accel tcg -m 128 -kernel <name>.elf ..., run in a scratch directory so that
// the command line and module strings the guest sees do not depend on where the repository is.
import { execFileSync, spawn } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { BOCHS_COMMAND, BOCHS_DEBUGGER_RC, bochsConfig } from './bochs.js';
import { join } from 'node:path';
import {
  elfPath,
  goldenPath,
  guestDir,
  moduleString,
  programs,
  sdmPath,
  TEST_DISK_SECTORS,
  type GuestProgram,
} from '../test/guest/manifest.js';
import {
  applySdmOverrides,
  firstDifference,
  goldenLines,
  goldenText,
  parseSdmOverrides,
  serialLines,
} from '../test/guest/transcript.js';

const QEMU_TIMEOUT_MS = 120_000;
const BOCHS_TIMEOUT_MS = 900_000;
const PARALLEL = 2;

interface Run {
  output: string;
  /** "exit=N" for a debug exit, else what happened instead. */
  exit: string;
  stderr: string;
}

function scratchDir(program: GuestProgram): string {
  const dir = mkdtempSync(join(tmpdir(), `golden-${program.name}-`));
  copyFileSync(elfPath(program.name), join(dir, `${program.name}.elf`));
  for (const m of program.modules) writeFileSync(join(dir, m.file), m.data);
  if (program.disk) writeFileSync(join(dir, 'disk.img'), program.disk());
  return dir;
}

function qemuArgs(program: GuestProgram): string[] {
  const args = ['-cpu', 'max', '-accel', 'tcg', '-m', '128', '-kernel', `${program.name}.elf`];
  args.push('-append', program.append);
  if (program.modules.length > 0) args.push('-initrd', program.modules.map(moduleString).join(','));
  args.push('-serial', 'stdio', '-display', 'none', '-monitor', 'none');
  args.push('-device', 'isa-debug-exit,iobase=0xf4,iosize=0x04', '-no-reboot');
  if (program.disk) args.push('-drive', 'file=disk.img,format=raw,if=ide,index=0');
  return args;
}

/** Runs a command, collecting stdout; a timeout kills it. */
function runProcess(cmd: string, args: string[], cwd: string, input: string | undefined, timeoutMs: number) {
  return new Promise<{ stdout: string; stderr: string; code: number | null; timedOut: boolean }>((resolve, reject) => {
    const child = spawn(cmd, args, { cwd, stdio: [input === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill('SIGKILL');
    }, timeoutMs);
    child.stdout!.setEncoding('latin1');
    child.stdout!.on('data', (s: string) => (stdout += s));
    child.stderr!.setEncoding('utf8');
    child.stderr!.on('data', (s: string) => (stderr += s));
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ stdout, stderr, code, timedOut });
    });
    // keep stdin open until the end: at EOF QEMU's stdio chardev would stop, and the bytes are there from the start
    if (input !== undefined) child.stdin!.write(input, 'latin1');
  });
}

async function runQemu(program: GuestProgram): Promise<Run> {
  const dir = scratchDir(program);
  try {
    const r = await runProcess('qemu-system-i386', qemuArgs(program), dir, program.serialInput, QEMU_TIMEOUT_MS);
    // isa-debug-exit: QEMU exits with (value << 1) | 1; -no-reboot turns a reset or triple fault into status 0
    const exit = r.timedOut
      ? 'exit=timeout'
      : r.code !== null && r.code % 2 === 1
        ? `exit=${(r.code - 1) / 2}`
        : `exit=qemu-status-${r.code}`;
    return { output: r.stdout, exit, stderr: r.stderr };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** QEMU's transcript with the SDM overrides applied: the golden as it should be. */
async function recordGolden(program: GuestProgram): Promise<{ lines: string[]; notes: string[] }> {
  const run = await runQemu(program);
  const notes: string[] = [];
  if (!run.exit.match(/^exit=\d+$/)) throw new Error(`${program.name}: QEMU ended with ${run.exit}\n${run.stderr}`);
  let lines = [...serialLines(run.output), run.exit];
  const commented = lines.find((line) => line.includes('  # '));
  if (commented !== undefined) throw new Error(`${program.name}: output contains the comment marker: ${commented}`);
  if (existsSync(sdmPath(program.name))) {
    const result = applySdmOverrides(lines, parseSdmOverrides(readFileSync(sdmPath(program.name), 'latin1')));
    if (result.problems.length > 0) throw new Error(`${program.name}.sdm: ${result.problems.join('; ')}`);
    for (const line of result.unneeded) notes.push(`QEMU already matches the SDM: ${line}`);
    notes.push(`${result.lines.filter((l, i) => l !== lines[i]).length} SDM override(s) applied`);
    lines = result.lines;
  }
  return { lines, notes };
}

async function makeGolden(program: GuestProgram, check: boolean): Promise<boolean> {
  const { lines, notes } = await recordGolden(program);
  const path = goldenPath(program.name);
  for (const note of notes) console.log(`  ${program.name}: ${note}`);
  if (!check) {
    writeFileSync(path, goldenText(lines), 'latin1');
    console.log(`${program.name}: wrote ${lines.length} lines (${lines[lines.length - 1]})`);
    return true;
  }
  if (!existsSync(path)) {
    console.log(`${program.name}: no golden yet`);
    return false;
  }
  const committed = readFileSync(path, 'latin1');
  if (committed === goldenText(lines)) {
    console.log(`${program.name}: unchanged (${lines.length} lines)`);
    return true;
  }
  const diff = firstDifference(goldenLines(committed), goldenLines(goldenText(lines))) ?? 'only comments differ';
  console.log(`${program.name}: CHANGED\n${diff}`);
  return false;
}

// ---- Bochs, the second oracle: a GRUB rescue ISO per program (/work/shared/anchors/tools/run-bochs.sh) ----

function grubConfig(program: GuestProgram): string {
  const modules = program.modules.map((m) => `  module /boot/${moduleString(m)}\n`).join('');
  return `set timeout=0\nset default=0\nmenuentry "${program.name}" {\n` +
    `  multiboot /boot/${program.name}.elf ${program.append}\n${modules}  boot\n}\n`;
}

function bochsConfigFor(program: GuestProgram, dir: string): string {
  const cylinders = TEST_DISK_SECTORS / (16 * 63);
  return bochsConfig(dir, program.disk ? { path: `${dir}/disk.img`, cylinders, heads: 16, sectorsPerTrack: 63 } : undefined);
}

async function runBochs(program: GuestProgram): Promise<Run> {
  const dir = scratchDir(program);
  try {
    const iso = join(dir, 'iso');
    mkdirSync(join(iso, 'boot', 'grub'), { recursive: true });
    copyFileSync(elfPath(program.name), join(iso, 'boot', `${program.name}.elf`));
    for (const m of program.modules) writeFileSync(join(iso, 'boot', m.file), m.data);
    writeFileSync(join(iso, 'boot', 'grub', 'grub.cfg'), grubConfig(program));
    execFileSync('grub-mkrescue', ['-o', join(dir, 'boot.iso'), iso], { stdio: 'ignore' });
    writeFileSync(join(dir, 'bochsrc'), bochsConfigFor(program, dir));
    writeFileSync(join(dir, 'debugger.rc'), BOCHS_DEBUGGER_RC);
    const [command, ...args] = BOCHS_COMMAND;
    const r = await runProcess(command, args, dir, undefined, BOCHS_TIMEOUT_MS);
    const com1 = join(dir, 'com1.txt');
    return {
      output: existsSync(com1) ? readFileSync(com1, 'latin1') : '',
      exit: r.timedOut ? 'exit=timeout' : 'exit=bochs',
      stderr: r.stderr,
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Compares Bochs' transcript with the golden, line by line, leaving out the exit line and bochsIgnore lines. */
async function compareBochs(program: GuestProgram): Promise<boolean> {
  const run = await runBochs(program);
  const keep = (line: string): boolean => !(program.bochsIgnore ?? []).some((re) => re.test(line));
  const golden = goldenLines(readFileSync(goldenPath(program.name), 'latin1')).slice(0, -1).filter(keep);
  const bochs = serialLines(run.output).filter(keep);
  const differing: string[] = [];
  for (let i = 0; i < Math.max(golden.length, bochs.length); i++) {
    if (golden[i] !== bochs[i]) differing.push(`  ${i + 1}: golden ${golden[i] ?? '(none)'}\n  ${i + 1}: bochs  ${bochs[i] ?? '(none)'}`);
  }
  if (differing.length === 0) {
    console.log(`${program.name}: Bochs agrees (${golden.length} lines compared)`);
    return true;
  }
  console.log(`${program.name}: Bochs differs on ${differing.length} of ${golden.length} lines (${run.exit})`);
  for (const d of differing.slice(0, 40)) console.log(d);
  return false;
}

async function inParallel<T>(items: T[], work: (item: T) => Promise<boolean>): Promise<boolean> {
  let next = 0;
  let ok = true;
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      const item = items[next++]!;
      try {
        if (!(await work(item))) ok = false;
      } catch (e) {
        ok = false;
        console.log((e as Error).message);
      }
    }
  };
  await Promise.all(Array.from({ length: PARALLEL }, worker));
  return ok;
}

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const mode = args.includes('--check') ? 'check' : args.includes('--bochs') ? 'bochs' : 'write';
  const names = args.filter((a) => !a.startsWith('--'));
  const unknown = names.filter((n) => !programs.some((p) => p.name === n));
  if (unknown.length > 0) throw new Error(`no such guest program: ${unknown.join(', ')}`);
  const selected = names.length > 0 ? programs.filter((p) => names.includes(p.name)) : programs;
  execFileSync('make', ['-s', '-C', guestDir], { stdio: 'inherit' });
  const ok =
    mode === 'bochs'
      ? await inParallel(selected, compareBochs)
      : await inParallel(selected, (p) => makeGolden(p, mode === 'check'));
  if (!ok) process.exitCode = 1;
}

main().catch((e: unknown) => {
  console.error((e as Error).message);
  process.exitCode = 1;
});
