// Shared helpers for the KFS tests: running the kfs tool, temporary folders, and building the
// kernel's filesystem code for the host (test/kfs/host/) when gcc is there.

import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const REPO_ROOT = fileURLToPath(new URL('../../../', import.meta.url));
export const KFS_TOOL = join(REPO_ROOT, 'dist', 'tools', 'kfs', 'kfs.js');
const HOST_DIR = join(REPO_ROOT, 'test', 'kfs', 'host');
const KERNEL_DIR = join(REPO_ROOT, 'kernel');

export interface RunResult {
  status: number | null;
  stdout: string;
  stderr: string;
}

/** Runs a program to the end (a time limit only turns a hang into a failure). */
export function run(command: string, args: string[]): RunResult {
  const result = spawnSync(command, args, { encoding: 'latin1', timeout: 120_000, maxBuffer: 256 * 1024 * 1024 });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

/** Runs `node dist/tools/kfs/kfs.js ...args`. */
export function kfs(...args: string[]): RunResult {
  return run(process.execPath, [KFS_TOOL, ...args]);
}

/** A fresh temporary folder and its cleanup. */
export function tempDir(prefix: string): { path: string; cleanup: () => void } {
  const path = mkdtempSync(join(tmpdir(), prefix));
  return { path, cleanup: () => rmSync(path, { recursive: true, force: true }) };
}

/** Whether a host gcc is installed. */
export function haveGcc(): boolean {
  return spawnSync('gcc', ['--version'], { encoding: 'latin1' }).status === 0;
}

/** Compiles kernel/fs/*.c with the host shim and the named driver file into outDir/name. */
export function buildHostProgram(outDir: string, name: 'kfsh' | 'ktest_host'): string {
  const fsSources = readdirSync(join(KERNEL_DIR, 'fs')).filter((f) => f.endsWith('.c')).sort()
    .map((f) => join(KERNEL_DIR, 'fs', f));
  const extra = name === 'kfsh'
    ? [join(HOST_DIR, 'kfsh.c'), join(HOST_DIR, 'filedev.c')]
    : [join(HOST_DIR, 'ktest_host.c'), join(KERNEL_DIR, 'drivers', 'ramdisk.c')];
  const out = join(outDir, name);
  const result = run('gcc', [
    '-std=c11', '-O1', '-g', '-Wall', '-Wextra', '-Werror', '-fno-builtin', '-fsanitize=address,undefined',
    '-fno-sanitize-recover=all', `-I${join(KERNEL_DIR, 'include')}`, `-I${HOST_DIR}`, '-o', out,
    ...fsSources, join(HOST_DIR, 'shim.c'), ...extra,
  ]);
  if (result.status !== 0) throw new Error(`gcc failed:\n${result.stderr}`);
  return out;
}
