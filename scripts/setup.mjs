#!/usr/bin/env node
// One-step set-up for `npm start`, `npm test` and `npm run bench`: installs npm dependencies when they
// are missing, installs the guest toolchain (nasm, gcc-multilib) with apt-get when run as root on Debian,
// compiles the TypeScript and builds the guest programs. Safe to run repeatedly.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const quiet = process.argv.includes('--quiet');
const say = (line) => { if (!quiet) console.error(`setup: ${line}`); };

function run(cmd, args, options = {}) {
  const r = spawnSync(cmd, args, { cwd: root, stdio: quiet ? ['ignore', 'ignore', 'inherit'] : 'inherit', ...options });
  if (r.status !== 0) {
    console.error(`setup: '${cmd} ${args.join(' ')}' failed (exit ${r.status ?? r.signal})`);
    process.exit(1);
  }
}

const has = (cmd) => spawnSync('sh', ['-c', `command -v ${cmd}`], { stdio: 'ignore' }).status === 0;
const hasMultilib = () => spawnSync('sh', ['-c', 'echo "int main(void){return 0;}" | gcc -m32 -x c -c -o /dev/null -'], { stdio: 'ignore' }).status === 0;

if (!existsSync(join(root, 'node_modules', 'typescript'))) {
  say('installing npm dependencies');
  run('npm', [existsSync(join(root, 'package-lock.json')) ? 'ci' : 'install', '--no-audit', '--no-fund']);
}

const missing = [];
if (!has('nasm')) missing.push('nasm');
if (!has('gcc') || !hasMultilib()) missing.push('gcc-multilib');
if (!has('ld')) missing.push('binutils');
if (!has('make')) missing.push('make');
if (missing.length > 0) {
  if (process.getuid?.() === 0 && has('apt-get')) {
    say(`installing ${missing.join(' ')} with apt-get`);
    run('apt-get', ['update', '-qq']);
    run('apt-get', ['install', '-y', '-qq', ...missing], { env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' } });
  } else {
    console.error(`setup: the guest programs need ${missing.join(', ')}; install them (sudo apt-get install ${missing.join(' ')}) and run again`);
    process.exit(1);
  }
}

say('compiling TypeScript');
run(join(root, 'node_modules', '.bin', 'tsc'), ['-p', 'tsconfig.json']);
// The CLI as one file: Node starts it about 25 ms sooner than the tree of ES modules.
run(join(root, 'node_modules', '.bin', 'esbuild'), ['src/cli/main.ts', '--bundle', '--platform=node', '--format=esm',
  '--outfile=dist/kernelist.mjs', '--log-level=warning']);
say('building guest programs');
run('make', ['-s', '-C', 'test/guest']);
// The kernel, its user programs and the root filesystem image (which needs dist/tools/kfs from tsc above).
say('building the kernel');
run('make', ['-s', '-C', 'kernel']);
// The GRUB rescue ISO only where GRUB's tools are installed (CI installs them); its test skips otherwise.
if (has('grub-mkrescue') && has('xorriso') && has('mformat')) run('make', ['-s', '-C', 'kernel', 'iso'], { stdio: quiet ? 'ignore' : 'inherit' });
