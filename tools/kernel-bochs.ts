// Boots the Kernelist kernel on Bochs, the second oracle, from a GRUB rescue ISO, and reports its test mode:
//   node dist/tools/kernel-bochs.js [--append "test=all"] [--timeout SECONDS] [--kernel ELF] [--rootfs IMG]
// It watches COM1 for the closing "N passed, N failed" line (or a panic), stops Bochs there, prints every
// FAIL and SKIP line and the closing line, and exits 0 only when nothing failed and nothing skipped: the
// isolation tests must pass, not skip, on Bochs, which enforces segment limits as the SDM says.
import { execFileSync, spawn } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BOCHS_COMMAND, BOCHS_DEBUGGER_RC, bochsConfig } from './bochs.js';

interface Options { append: string; timeoutSeconds: number; kernel: string; rootfs: string }

function parseOptions(argv: string[]): Options {
  const options: Options = { append: 'test=all', timeoutSeconds: 900, kernel: 'kernel/build/kernelist.elf', rootfs: 'kernel/build/rootfs.img' };
  for (let i = 0; i < argv.length; i++) {
    const value = argv[i + 1];
    if (value === undefined) throw new Error(`${argv[i]} needs a value`);
    if (argv[i] === '--append') options.append = value;
    else if (argv[i] === '--timeout') options.timeoutSeconds = Number(value);
    else if (argv[i] === '--kernel') options.kernel = value;
    else if (argv[i] === '--rootfs') options.rootfs = value;
    else throw new Error(`unknown option ${argv[i]}`);
    i++;
  }
  if (!(options.timeoutSeconds > 0)) throw new Error('--timeout needs a positive number of seconds');
  for (const file of [options.kernel, options.rootfs]) if (!existsSync(file)) throw new Error(`${file} is missing (make -C kernel)`);
  return options;
}

const CLOSING = /^\d+ passed, \d+ failed(, \d+ skipped)?$/m;

/** Runs Bochs in `dir` until COM1 holds the closing line or a panic, or the timeout; returns COM1. */
function runUntilDone(dir: string, timeoutSeconds: number): Promise<{ com1: string; timedOut: boolean }> {
  const [command, ...args] = BOCHS_COMMAND;
  const child = spawn(command, args, { cwd: dir, stdio: 'ignore' });
  const com1Path = join(dir, 'com1.txt');
  const started = Date.now();
  return new Promise((resolve) => {
    const poll = setInterval(() => {
      const com1 = existsSync(com1Path) ? readFileSync(com1Path, 'latin1') : '';
      const timedOut = Date.now() - started > timeoutSeconds * 1000;
      if (CLOSING.test(com1) || /^panic: /m.test(com1) || timedOut || child.exitCode !== null) {
        clearInterval(poll);
        child.kill('SIGKILL');
        resolve({ com1, timedOut: timedOut && !CLOSING.test(com1) });
      }
    }, 1000);
  });
}

async function main(): Promise<number> {
  const options = parseOptions(process.argv.slice(2));
  const dir = mkdtempSync(join(tmpdir(), 'kernelist-bochs-'));
  try {
    const iso = join(dir, 'iso');
    mkdirSync(join(iso, 'boot', 'grub'), { recursive: true });
    copyFileSync(options.kernel, join(iso, 'boot', 'kernelist.elf'));
    copyFileSync(options.rootfs, join(iso, 'boot', 'rootfs.img'));
    writeFileSync(join(iso, 'boot', 'grub', 'grub.cfg'), 'set timeout=0\nset default=0\nmenuentry "Kernelist" {\n' +
      `  multiboot /boot/kernelist.elf ${options.append}\n  module /boot/rootfs.img rootfs\n  boot\n}\n`);
    execFileSync('grub-mkrescue', ['-o', join(dir, 'boot.iso'), iso], { stdio: 'ignore' });
    writeFileSync(join(dir, 'bochsrc'), bochsConfig(dir));
    writeFileSync(join(dir, 'debugger.rc'), BOCHS_DEBUGGER_RC);
    const { com1, timedOut } = await runUntilDone(dir, options.timeoutSeconds);
    const lines = com1.split('\n').map((l) => l.replace(/\r$/, ''));
    for (const line of lines) if (/^(cpu: |KTEST (FAIL|SKIP) |panic: |warning)/.test(line)) console.log(line);
    const closing = lines.find((l) => CLOSING.test(l));
    if (timedOut || closing === undefined) {
      console.log(`kernel-bochs: no closing line after ${options.timeoutSeconds} s; last lines:\n${lines.slice(-5).join('\n')}`);
      return 1;
    }
    console.log(closing);
    return / 0 failed/.test(closing) && !/skipped/.test(closing) ? 0 : 1;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

main().then((code) => process.exit(code), (error: unknown) => {
  console.error(`kernel-bochs: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(2);
});
