// Runs every guest test program (manifest.ts) on our Machine and compares its COM1 transcript with the golden
// recorded on QEMU (golden/<name>.txt, SDM overrides applied), line by line, ignoring "  # " comments.
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { Machine, type ExitReason } from '../../src/machine/index.js';
import { elfPath, goldenPath, guestDir, moduleString, multibootCmdline, programs, type GuestProgram } from './manifest.js';
import { exitLine, firstDifference, goldenLines, serialLines } from './transcript.js';

/** Machine notices shown with a failure. */
const LOG_TAIL = 10;

async function runOnMachine(program: GuestProgram, jit: JitMode): Promise<{ lines: string[]; log: string[]; reason: ExitReason }> {
  const machine = new Machine({ memoryMiB: 128, clock: 'instructions', jit });
  let output = '';
  const log: string[] = [];
  machine.on('serial', (byte: number) => (output += String.fromCharCode(byte)));
  machine.on('log', (line: string) => log.push(line));
  machine.loadMultiboot(new Uint8Array(readFileSync(elfPath(program.name))), {
    cmdline: multibootCmdline(program),
    modules: program.modules.map((m) => ({ data: m.data, string: moduleString(m) })),
  });
  if (program.disk) machine.attachDisk(program.disk(), { writeBack: false });
  if (program.serialInput !== undefined) machine.sendSerial(program.serialInput);
  const reason = await machine.run({ maxInstructions: program.maxInstructions });
  return { lines: [...serialLines(output), exitLine(reason)], log, reason };
}

type JitMode = 'on' | 'eager' | 'off';

// Every program runs three ways: as users run it (hot blocks compiled), with every block compiled on its first
// execution, and interpreted only, so that the block compiler and the interpreter are each held to the goldens.
describe('guest programs match their QEMU goldens', () => {
  before(() => {
    execFileSync('make', ['-s', '-C', guestDir], { stdio: 'inherit' });
  });

  for (const program of programs) for (const jit of ['on', 'eager', 'off'] as const) {
    test(`${program.name} (jit ${jit})`, async () => {
      const expected = goldenLines(readFileSync(goldenPath(program.name), 'latin1'));
      const { lines, log, reason } = await runOnMachine(program, jit);
      const difference = firstDifference(expected, lines);
      if (difference !== null) {
        const notices = log.length > 0 ? `\n--- machine log (last ${LOG_TAIL})\n${log.slice(-LOG_TAIL).join('\n')}` : '';
        assert.fail(`${program.name}: ${difference}\n--- exit ${JSON.stringify(reason)}${notices}`);
      }
    });
  }
});
