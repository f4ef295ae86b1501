// Where the fuzzer's files live in the repository (the same from dist/tools/fuzz and dist/test/fuzz), and the
// harness build.

import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';

export const repoRoot = fileURLToPath(new URL('../../../', import.meta.url));
export const harnessDir = join(repoRoot, 'tools', 'fuzz', 'harness');
export const workDir = join(repoRoot, 'tools', 'fuzz', 'work');
export const harnessElf = join(workDir, 'harness.elf');
export const expectedDir = join(repoRoot, 'test', 'fuzz', 'expected');

/** Builds tools/fuzz/work/harness.elf (make; needs nasm and ld). */
export function buildHarness(): void {
  execFileSync('make', ['-s', '-C', harnessDir], { stdio: ['ignore', 'inherit', 'inherit'] });
}
