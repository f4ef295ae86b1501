// LOTRx86's Heartbleed demo (docs/lotrx86.md): `demo=heartbleed` runs the baseline and the PrivUser server
// against the attacker and must end with the two verdict lines, on our machine and on QEMU. The demo ends the
// run through the debug-exit port with 0 when its verdicts held. Nothing is built here (npm run setup does).

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { hasQemu, missingBuild, runOurs, runQemu, tail, ROOTFS_IMG, type Run } from './kernel-runs.js';

const VERDICTS_HELD = 1; // debug-exit value 0 -> status (0 << 1) | 1

/** The two closing lines, in order, as the last two verdict lines of the output. */
function checkVerdicts(run: Run, where: string): void {
  const lines = run.output.split('\n').map((l) => l.replace(/\r$/, '')).filter((l) => l.startsWith('heartbleed '));
  const verdicts = lines.filter((l) => /^heartbleed (baseline|privuser): /.test(l));
  assert.equal(verdicts.length, 2, `${where}: want exactly two verdict lines\n${tail(run.output)}`);
  const baseline = verdicts[0]!.match(/^heartbleed baseline: leaked (\d+)\/(\d+) key bytes$/);
  const privuser = verdicts[1]!.match(/^heartbleed privuser: leaked (\d+)\/(\d+) key bytes$/);
  assert.ok(baseline, `${where}: first verdict line: ${verdicts[0]}`);
  assert.ok(privuser, `${where}: second verdict line: ${verdicts[1]}`);
  assert.ok(Number(baseline[1]) > 0, `${where}: the baseline server leaked no key bytes`);
  assert.equal(baseline[2], privuser[2], `${where}: the key sizes differ`);
  assert.equal(privuser[1], '0', `${where}: the PrivUser server leaked key bytes`);
  assert.equal(lines[lines.length - 1], verdicts[1], `${where}: the privuser verdict is not the last line`);
  assert.match(run.output, /^privuser +PrivUser +correct /m, `${where}: honest signing must still work with PrivUser`);
  assert.equal(run.status, VERDICTS_HELD, `${where}: exit status ${run.status}\n${tail(run.output)}`);
}

test('demo=heartbleed on our machine: the key leaks from the heap, not from PrivUser', () => {
  assert.equal(missingBuild(), null);
  checkVerdicts(runOurs('demo=heartbleed', ['--initrd', ROOTFS_IMG], '', 120), 'our machine');
});

test('demo=heartbleed on QEMU', { skip: hasQemu() ? false : 'qemu-system-i386 is not installed' }, () => {
  assert.equal(missingBuild(), null);
  checkVerdicts(runQemu('demo=heartbleed', ['-initrd', ROOTFS_IMG], '', 120), 'QEMU');
});
