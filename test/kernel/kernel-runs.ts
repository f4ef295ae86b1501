// Helpers for the kernel tests: boot kernel/build/kernelist.elf on our machine (the built CLI) or on QEMU,
// and read the test mode's output (KTEST lines and the closing count line, kernel/include/kernel/ktest.h).

import { spawn, spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const REPO_ROOT = fileURLToPath(new URL('../../../', import.meta.url));
export const KERNEL_ELF = join(REPO_ROOT, 'kernel', 'build', 'kernelist.elf');
export const ROOTFS_IMG = join(REPO_ROOT, 'kernel', 'build', 'rootfs.img');
export const KERNEL_ISO = join(REPO_ROOT, 'kernel', 'build', 'kernelist.iso');
export const HOST_DESCRIPTOR_TEST = join(REPO_ROOT, 'kernel', 'build', 'host', 'descriptor-test');
const CLI = join(REPO_ROOT, 'dist', 'kernelist.mjs');

export interface Run {
  status: number | null;
  output: string; // the guest's serial output (and, for QEMU, its own messages)
}

/** Says what is missing when setup has not built the kernel, so the test fails with a clear reason. */
export function missingBuild(): string | null {
  for (const file of [KERNEL_ELF, ROOTFS_IMG, CLI]) {
    if (!existsSync(file)) return `${file} is missing: run 'npm run setup' (it runs make -C kernel)`;
  }
  return null;
}

export const hasQemu = (): boolean => spawnSync('sh', ['-c', 'command -v qemu-system-i386'], { stdio: 'ignore' }).status === 0;

/** Boots the kernel on our machine. extra: more CLI arguments; input: bytes for COM1. */
export function runOurs(append: string, extra: string[] = [], input = '', timeoutSeconds = 300): Run {
  const args = [CLI, 'run', '--kernel', KERNEL_ELF, '--append', append, '--serial', 'stdio', '--timeout', String(timeoutSeconds), ...extra];
  // The spawn limit only stops a hung child; the machine's own --timeout comes first.
  const r = spawnSync(process.execPath, args, { cwd: REPO_ROOT, input, encoding: 'latin1', timeout: (timeoutSeconds + 60) * 1000 });
  return { status: r.status, output: r.stdout + r.stderr };
}

/**
 * Boots the kernel on our machine and types each command at the shell once its prompt ("$ ") appears, as
 * a person would (the console echoes at once, so typing ahead would interleave echo and output). Resolves
 * with everything printed once the last command's prompt is back, or after timeoutSeconds.
 */
export function runShellSession(commands: string[], extra: string[], timeoutSeconds = 60): Promise<Run> {
  const args = [CLI, 'run', '--kernel', KERNEL_ELF, '--serial', 'stdio', '--timeout', String(timeoutSeconds), ...extra];
  return typeCommands(process.execPath, args, commands, timeoutSeconds);
}

/** The same on QEMU; qemuArgs say how to boot (-kernel ... or -cdrom ...). */
export function runQemuShellSession(commands: string[], qemuArgs: string[], timeoutSeconds = 60): Promise<Run> {
  const args = ['-cpu', 'max', '-m', '128', '-serial', 'stdio', '-display', 'none', '-no-reboot', ...qemuArgs];
  return typeCommands('qemu-system-i386', args, commands, timeoutSeconds);
}

/** Runs program, sending the next command each time one more "$ " prompt has been printed. */
function typeCommands(program: string, args: string[], commands: string[], timeoutSeconds: number): Promise<Run> {
  return new Promise((resolve) => {
    const child = spawn(program, args, { cwd: REPO_ROOT, stdio: ['pipe', 'pipe', 'pipe'] });
    const timer = setTimeout(() => child.kill(), timeoutSeconds * 1000);
    let output = '';
    let sent = 0;
    let promptsSeen = 0;
    child.stdout.on('data', (chunk: Buffer) => {
      output += chunk.toString('latin1');
      const prompts = output.split('$ ').length - 1;
      if (prompts <= promptsSeen) return;
      promptsSeen = prompts;
      if (sent < commands.length) child.stdin.write(`${commands[sent++]}\n`);
      else child.kill();
    });
    child.stderr.on('data', (chunk: Buffer) => { output += chunk.toString('latin1'); });
    child.on('close', (status) => { clearTimeout(timer); resolve({ status, output }); });
  });
}

/** Boots the kernel on QEMU (TCG, -cpu max) with the isa-debug-exit device. */
export function runQemu(append: string, extra: string[], input = '', timeoutSeconds = 300): Run {
  const args = ['-cpu', 'max', '-m', '128', '-kernel', KERNEL_ELF, '-append', append, '-serial', 'stdio', '-display', 'none',
    '-device', 'isa-debug-exit,iobase=0xf4,iosize=4', '-no-reboot', ...extra];
  const r = spawnSync('qemu-system-i386', args, { cwd: REPO_ROOT, input, encoding: 'latin1', timeout: timeoutSeconds * 1000 });
  return { status: r.status, output: r.stdout + r.stderr };
}

/** A scratch copy of the root filesystem image, to attach as a disk; remove() deletes it. */
export function scratchDisk(): { path: string; remove: () => void } {
  const dir = mkdtempSync(join(tmpdir(), 'kernelist-disk-'));
  const path = join(dir, 'disk.img');
  copyFileSync(ROOTFS_IMG, path);
  return { path, remove: () => rmSync(dir, { recursive: true, force: true }) };
}

export interface TestReport {
  passed: string[];
  failed: string[]; // "name: why"
  skipped: string[]; // "name: reason"
  closing: { passed: number; failed: number; skipped: number } | null;
}

/** Reads the KTEST lines and the closing line of a test-mode run. */
export function parseReport(output: string): TestReport {
  const report: TestReport = { passed: [], failed: [], skipped: [], closing: null };
  for (const raw of output.split('\n')) {
    const line = raw.replace(/\r$/, '');
    let m: RegExpMatchArray | null;
    if ((m = line.match(/^KTEST PASS (\S+)$/))) report.passed.push(m[1]!);
    else if ((m = line.match(/^KTEST FAIL (.*)$/))) report.failed.push(m[1]!);
    else if ((m = line.match(/^KTEST SKIP (.*)$/))) report.skipped.push(m[1]!);
    else if ((m = line.match(/^(\d+) passed, (\d+) failed(?:, (\d+) skipped)?$/))) {
      report.closing = { passed: Number(m[1]), failed: Number(m[2]), skipped: Number(m[3] ?? 0) };
    }
  }
  return report;
}

/** The last lines of output, for assertion messages. */
export const tail = (output: string, lines = 40): string => output.split('\n').slice(-lines).join('\n');
