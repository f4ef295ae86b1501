// Boots the Kernelist kernel's test mode (test=all: every in-kernel and user-space test) on our machine and,
// when qemu-system-i386 is installed, on QEMU; boots the root filesystem from the ATA disk; and drives the
// shell. Nothing is built here: `npm run setup` (scripts/setup.mjs) runs make -C kernel first.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { hasQemu, missingBuild, parseReport, runOurs, runQemu, runQemuShellSession, runShellSession, scratchDisk, tail,
  KERNEL_ISO, ROOTFS_IMG, type Run } from './kernel-runs.js';

// Debug-exit port 0xF4 value v ends the run with status (v << 1) | 1, on our machine as on QEMU.
const ALL_PASSED = 1;

/** Checks a test=all run: no FAIL, a closing line that matches the KTEST lines, exit value 0. */
function checkTestMode(run: Run, where: string, allowSkips: boolean): void {
  const report = parseReport(run.output);
  assert.ok(report.closing, `${where}: no closing "N passed, N failed" line\n${tail(run.output)}`);
  assert.deepEqual(report.failed, [], `${where}: tests failed\n${tail(run.output)}`);
  if (!allowSkips) assert.deepEqual(report.skipped, [], `${where}: nothing may skip here`);
  assert.equal(report.closing.passed, report.passed.length, `${where}: the closing line miscounts passes`);
  assert.equal(report.closing.failed, 0);
  assert.equal(report.closing.skipped, report.skipped.length, `${where}: the closing line miscounts skips`);
  assert.ok(report.passed.length >= 50, `${where}: only ${report.passed.length} tests ran`);
  assert.equal(run.status, ALL_PASSED, `${where}: exit status ${run.status}\n${tail(run.output)}`);
}

test('kernel test mode passes on our machine, nothing skipped', () => {
  assert.equal(missingBuild(), null);
  const run = runOurs('test=all', ['--initrd', ROOTFS_IMG]);
  checkTestMode(run, 'our machine', false);
  assert.match(run.output, /protections: PAE paging, WP on, NX on, SMEP on, SMAP on, ring-3 segment limit enforced/);
});

test('kernel test mode passes on QEMU', { skip: hasQemu() ? false : 'qemu-system-i386 is not installed' }, () => {
  assert.equal(missingBuild(), null);
  const run = runQemu('test=all', ['-initrd', ROOTFS_IMG]);
  checkTestMode(run, 'QEMU', true);
  // The only skips QEMU TCG may cause are the segment-limit ones (LOTRx86's M-SR2 among them), and the kernel
  // warns about it at boot.
  for (const skip of parseReport(run.output).skipped) assert.match(skip, /^(user_segment_limit_enforced|lotr_ring2_segments_exclude_kernel): /);
});

test('an unknown test name fails the run', () => {
  assert.equal(missingBuild(), null);
  const run = runOurs('test=kthread_exit_status,no_such_test', ['--initrd', ROOTFS_IMG], '', 60);
  const report = parseReport(run.output);
  assert.deepEqual(report.passed, ['kthread_exit_status']);
  assert.deepEqual(report.failed, ['no_such_test: no such test']);
  assert.equal(run.status, 3, tail(run.output));
});

test('the root filesystem boots from the ATA disk (root=ata) on our machine', () => {
  assert.equal(missingBuild(), null);
  const disk = scratchDisk();
  try {
    const run = runOurs('root=ata test=spawn_frees_everything,elf_loader_rejects_malformed', ['--disk', disk.path], '', 120);
    assert.match(run.output, /root: ata0 mounted on \//, tail(run.output));
    const report = parseReport(run.output);
    assert.deepEqual(report.failed, [], tail(run.output));
    assert.equal(report.passed.length, 2, tail(run.output));
    assert.equal(run.status, ALL_PASSED);
  } finally {
    disk.remove();
  }
});

test('the root filesystem boots from -hda (root=ata) on QEMU', { skip: hasQemu() ? false : 'qemu-system-i386 is not installed' }, () => {
  assert.equal(missingBuild(), null);
  const disk = scratchDisk();
  try {
    const run = runQemu('root=ata test=spawn_frees_everything', ['-drive', `file=${disk.path},format=raw,if=ide,index=0`], '', 120);
    assert.match(run.output, /root: ata0 mounted on \//, tail(run.output));
    assert.deepEqual(parseReport(run.output).failed, []);
    assert.equal(run.status, ALL_PASSED, tail(run.output));
  } finally {
    disk.remove();
  }
});

test('the shell runs ls, echo with >, cat and ps on our machine', async () => {
  assert.equal(missingBuild(), null);
  const commands = ['ls /bin', 'echo hi > /tmp/x', 'cat /tmp/x', 'ps', 'echo one two | cat'];
  const run = await runShellSession(commands, ['--initrd', ROOTFS_IMG]);
  const out = run.output.replace(/\r/g, '');
  assert.match(out, /\$ ls \/bin\n(?:.*\n)*sh\n/, tail(out));
  assert.match(out, /\$ echo hi > \/tmp\/x\n\$ cat \/tmp\/x\nhi\n/, tail(out));
  assert.match(out, /\$ ps\n\s*PID .*\n(?:.*\n)*\s+0 .*kernel\n(?:.*\n)*.* sh\n/, tail(out));
  assert.match(out, /\$ echo one two \| cat\none two\n/, tail(out));
  assert.doesNotMatch(out, /panic|killed pid|timeout/, tail(out));
});

// The ISO is not part of the default build (it needs grub-mkrescue): `make -C kernel iso` makes it.
const isoSkip = !hasQemu() ? 'qemu-system-i386 is not installed' : !existsSync(KERNEL_ISO) ? `${KERNEL_ISO} not built (make -C kernel iso)` : false;

test('the GRUB ISO boots to the shell on QEMU', { skip: isoSkip }, async () => {
  const run = await runQemuShellSession(['ls /bin', 'echo iso > /tmp/y', 'cat /tmp/y'], ['-cdrom', KERNEL_ISO], 90);
  const out = run.output.replace(/\r/g, '');
  assert.match(out, /root: ram0 mounted on \//, tail(out));
  assert.match(out, /\$ ls \/bin\n(?:.*\n)*sh\n/, tail(out));
  assert.match(out, /\$ cat \/tmp\/y\niso\n/, tail(out));
});
