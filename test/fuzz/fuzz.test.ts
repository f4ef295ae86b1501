// The differential fuzzer's fixed seed set: the cases are generated again (deterministic per seed), run in the
// harness on our machine, and compared with QEMU's committed transcript (test/fuzz/expected/, recorded with
// `npm run fuzz -- --record`): all registers, the scratch memory and the EFLAGS bits the SDM defines.
import { before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { COMPILE_THRESHOLD } from '../../src/machine/cpu/jit/block-compiler.js';
import { mismatchesOf } from '../../tools/fuzz/compare.js';
import type { FuzzCase } from '../../tools/fuzz/fuzz-case.js';
import { machineOracle } from '../../tools/fuzz/oracles.js';
import { buildHarness } from '../../tools/fuzz/paths.js';
import {
  casesFingerprint, generateCases, readTranscript, recordedSeeds, recordedTranscriptPath, RECORDED_SEEDS, type RecordedTranscript,
} from '../../tools/fuzz/recorded.js';
import { formatMismatch } from '../../tools/fuzz/report.js';
import { MISSING } from '../../tools/fuzz/transcript.js';

const SHOWN = 5;
/** Seeds also run often enough for their blocks to be compiled. */
const COMPILED_SEEDS = 300;

function loadTranscript(cases: readonly FuzzCase[]): RecordedTranscript {
  const transcript = readTranscript();
  assert.ok(transcript !== null, `${recordedTranscriptPath()} is missing: record it with npm run fuzz -- --record (needs QEMU)`);
  assert.equal(casesFingerprint(cases), transcript.fingerprint,
    'the generator or the opcode table changed since the QEMU transcript was recorded: record it again with npm run fuzz -- --record (needs QEMU)');
  return transcript;
}

async function checkAgainstTranscript(cases: FuzzCase[], transcript: RecordedTranscript, runs: number): Promise<void> {
  const ours = await machineOracle(runs)(cases);
  const qemu = cases.map((c) => transcript.outcomes.get(c.seed) ?? MISSING);
  const mismatches = mismatchesOf(cases, ours, qemu);
  if (mismatches.length === 0) return;
  const shown = mismatches.slice(0, SHOWN).map((m) => formatMismatch(m)).join('\n\n');
  const more = mismatches.length > SHOWN ? `\n\n... and ${mismatches.length - SHOWN} more` : '';
  const seeds = mismatches.map((m) => m.fuzzCase.seed).join(',');
  assert.fail(`${mismatches.length} of ${cases.length} seeds differ from QEMU (seeds ${seeds}); ` +
    `minimize one with npm run fuzz -- --qemu --seeds <seed>\n\n${shown}${more}`);
}

describe(`differential fuzz, seeds ${RECORDED_SEEDS.first}-${RECORDED_SEEDS.last}, against the recorded QEMU transcript`, () => {
  const cases = generateCases(recordedSeeds());
  before(() => buildHarness());

  test('each case run once', async () => {
    await checkAgainstTranscript(cases, loadTranscript(cases), 1);
  });

  test(`the first ${COMPILED_SEEDS} cases run ${COMPILE_THRESHOLD + 5} times each (compiled blocks)`, async () => {
    await checkAgainstTranscript(cases.slice(0, COMPILED_SEEDS), loadTranscript(cases), COMPILE_THRESHOLD + 5);
  });
});
