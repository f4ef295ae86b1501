// Runs a case module in the fuzz harness on our Machine, in process.

import { readFileSync } from 'node:fs';
import { Machine, type ExitReason } from '../../src/machine/index.js';
import { harnessElf } from './paths.js';

/** Instructions per case run, generously: the harness copies up to 1 KiB and prints a line. */
const INSTRUCTIONS_PER_RUN = 200_000;
export const MODULE_STRING = 'cases.bin';

export interface GuestRun {
  readonly output: string;
  /** "exit=N" for a debug exit, else what ended the run. */
  readonly exit: string;
}

let harnessImage: Uint8Array | undefined;

/** `caseRuns`: cases times runs per case, for the instruction budget. */
export async function runOnMachine(module: Uint8Array, caseRuns: number): Promise<GuestRun> {
  harnessImage ??= new Uint8Array(readFileSync(harnessElf));
  const machine = new Machine({ memoryMiB: 128, clock: 'instructions', rtcTime: new Date(Date.UTC(2024, 0, 1)) });
  let output = '';
  machine.on('serial', (byte: number) => (output += String.fromCharCode(byte)));
  machine.loadMultiboot(harnessImage, { cmdline: 'harness.elf', modules: [{ data: module, string: MODULE_STRING }] });
  const reason = await machine.run({ maxInstructions: 1_000_000 + caseRuns * INSTRUCTIONS_PER_RUN });
  return { output, exit: exitText(reason) };
}

function exitText(reason: ExitReason): string {
  switch (reason.kind) {
    case 'debug-exit': return `exit=${reason.value}`;
    case 'triple-fault': case 'error': return `${reason.kind}: ${reason.message}`;
    default: return reason.kind;
  }
}
