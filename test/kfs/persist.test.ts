// Persistence across reboots: boots the kernel twice with the same ATA disk (root=ata), writes
// through the shell in the first boot and reads it back in the second; the tool's fsck checks the
// disk after each boot. On our machine (--disk-write-back keeps the guest's writes when the run
// ends) and, when it is installed, on QEMU (which writes the disk file directly).

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { hasQemu, missingBuild, runOurs, scratchDisk, tail, KERNEL_ELF, type Run } from '../kernel/kernel-runs.js';
import { kfs } from './helpers.js';

// The shell never exits, so a boot on our machine ends at its time limit (exit status 6).
const BOOT_SECONDS = 25;
const FIRST_BOOT = ['mkdir /tmp/keep', 'echo persisted across reboots > /tmp/keep/note', 'echo second line > /tmp/two', 'rm /tmp/two'];
const SECOND_BOOT = ['cat /tmp/keep/note', 'ls /tmp'];

type Boot = (disk: string, commands: string[]) => Promise<Run>;

// Our machine holds COM1 input until the guest reads it, so all of it can be given at once.
const ours: Boot = async (disk, commands) =>
  runOurs('root=ata', ['--disk', disk, '--disk-write-back'], commands.map((c) => `${c}\n`).join(''), BOOT_SECONDS);

// QEMU drops input that arrives before the kernel sets up the UART, so each command waits for a
// prompt; after the last one QEMU is stopped with SIGTERM, which it handles by closing the disk.
const qemu: Boot = (disk, commands) => new Promise((resolve) => {
  const child = spawn('qemu-system-i386', ['-cpu', 'max', '-m', '128', '-kernel', KERNEL_ELF, '-append', 'root=ata',
    '-serial', 'stdio', '-display', 'none', '-no-reboot', '-drive', `file=${disk},format=raw,if=ide,index=0`]);
  let output = '';
  let sent = 0;
  let prompts = 0;
  const limit = setTimeout(() => child.kill('SIGTERM'), BOOT_SECONDS * 1000);
  child.stdout.on('data', (chunk: Uint8Array) => {
    output += new TextDecoder('latin1').decode(chunk);
    const now = output.split('$ ').length - 1;
    if (now <= prompts) return;
    prompts = now;
    if (sent < commands.length) child.stdin.write(`${commands[sent++]}\n`);
    else child.kill('SIGTERM');
  });
  child.stderr.on('data', (chunk: Uint8Array) => { output += new TextDecoder('latin1').decode(chunk); });
  child.on('close', (status) => { clearTimeout(limit); resolve({ status, output }); });
});

async function checkPersistence(boot: Boot, where: string): Promise<void> {
  assert.equal(missingBuild(), null);
  const disk = scratchDisk();
  try {
    const first = await boot(disk.path, FIRST_BOOT);
    assert.match(first.output, /root: ata0 mounted on \//, `${where}: first boot\n${tail(first.output)}`);
    assert.equal(kfs('fsck', disk.path).stdout, '', `${where}: the disk is not clean after the first boot`);
    assert.equal(kfs('get', disk.path, '/tmp/keep/note').stdout, 'persisted across reboots\n');
    const second = await boot(disk.path, SECOND_BOOT);
    // Output lines may follow a "$ " prompt; ls marks directories with a '/'.
    assert.match(second.output, /^(\$ )?persisted across reboots\r?$/m, `${where}: second boot\n${tail(second.output)}`);
    assert.match(second.output, /^(\$ )?keep\/?\r?$/m, `${where}: ls /tmp\n${tail(second.output)}`);
    assert.doesNotMatch(second.output, /^(\$ )?two\r?$/m, `${where}: a removed file came back`);
    assert.doesNotMatch(first.output + second.output, /kfs: corrupt image/);
    assert.equal(kfs('fsck', disk.path).stdout, '', `${where}: the disk is not clean after the second boot`);
  } finally {
    disk.remove();
  }
}

test('files written on the ATA disk survive a reboot on our machine', async () => {
  await checkPersistence(ours, 'our machine');
});

test('files written on the ATA disk survive a reboot on QEMU', { skip: hasQemu() ? false : 'qemu-system-i386 is not installed' }, async () => {
  await checkPersistence(qemu, 'QEMU');
});
