// Runs a case module in the fuzz harness on QEMU TCG, the oracle:
//   qemu-system-i386 -cpu max -accel tcg -kernel harness.elf -initrd cases.bin -serial file:serial.txt ...
// in a scratch directory, so that the module string the guest sees is always "cases.bin". COM1 goes to a file,
// not a pipe: QEMU's UART drops bytes when a pipe stays full (the reader here shares its thread with our machine).

import { spawn } from 'node:child_process';
import { copyFileSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { harnessElf } from './paths.js';
import { MODULE_STRING, type GuestRun } from './run-machine.js';

const QEMU = 'qemu-system-i386';
const TIMEOUT_MS = 300_000;
const SERIAL_FILE = 'serial.txt';

export function qemuArgs(): string[] {
  return [
    '-cpu', 'max', '-accel', 'tcg', '-m', '128', '-kernel', 'harness.elf', '-initrd', MODULE_STRING,
    '-serial', `file:${SERIAL_FILE}`, '-display', 'none', '-monitor', 'none',
    '-device', 'isa-debug-exit,iobase=0xf4,iosize=0x04', '-no-reboot',
  ];
}

export async function runOnQemu(module: Uint8Array): Promise<GuestRun> {
  const dir = mkdtempSync(join(tmpdir(), 'kernelist-fuzz-'));
  try {
    copyFileSync(harnessElf, join(dir, 'harness.elf'));
    writeFileSync(join(dir, MODULE_STRING), module);
    return await new Promise<GuestRun>((resolve, reject) => {
      const child = spawn(QEMU, qemuArgs(), { cwd: dir, stdio: ['ignore', 'ignore', 'pipe'] });
      let stderr = '';
      let timedOut = false;
      const timer = setTimeout(() => { timedOut = true; child.kill('SIGKILL'); }, TIMEOUT_MS);
      child.stderr.setEncoding('utf8');
      child.stderr.on('data', (s: string) => (stderr += s));
      child.on('error', (e) => { clearTimeout(timer); reject(new Error(`cannot run ${QEMU}: ${e.message}`)); });
      child.on('close', (code) => {
        clearTimeout(timer);
        // isa-debug-exit: status (value << 1) | 1
        const exit = timedOut ? 'timeout' : code !== null && code % 2 === 1 ? `exit=${(code - 1) / 2}` : `qemu-status-${code}${stderr ? ': ' + stderr.trim() : ''}`;
        const serial = join(dir, SERIAL_FILE);
        resolve({ output: existsSync(serial) ? readFileSync(serial, 'latin1') : '', exit });
      });
    });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
