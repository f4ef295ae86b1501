// The Nested Kernel's rogue-driver demo (docs/nested-kernel.md) on both builds and both machines: with NK=1
// every attack of the exploit must be stopped, with NK=0 (make -C kernel NK=0, kernel/build-nk0/) every one
// must succeed, one line per attack, and the kernel must run to the end (debug-exit 0). The NK=1 kernel comes
// from npm run setup; the NK=0 kernel is built here with make (incremental).

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { hasQemu, missingBuild, tail, REPO_ROOT, type Run } from './kernel-runs.js';

const CLI = join(REPO_ROOT, 'dist', 'kernelist.mjs');
const ATTACKS = ['syscall-table', 'code-patch', 'idt', 'pte', 'cr3-gate', 'clear-wp', 'audit-log', 'gdt', 'tss-cr3'];
const DEMO_DONE = 1; // debug-exit value 0 -> status (0 << 1) | 1
const builds = { 1: join(REPO_ROOT, 'kernel', 'build'), 0: join(REPO_ROOT, 'kernel', 'build-nk0') } as const;

function ensureBuilt(nk: 0 | 1): void {
  if (nk === 1) {
    assert.equal(missingBuild(), null);
    return;
  }
  const r = spawnSync('make', ['-s', '-C', join(REPO_ROOT, 'kernel'), 'NK=0'], { encoding: 'utf8', timeout: 600_000 });
  assert.equal(r.status, 0, `make -C kernel NK=0 failed:\n${r.stdout}${r.stderr}`);
}

function runOn(machine: 'ours' | 'qemu', nk: 0 | 1, append: string, timeoutSeconds = 240): Run {
  const kernel = join(builds[nk], 'kernelist.elf');
  const rootfs = join(builds[nk], 'rootfs.img');
  const r = machine === 'ours'
    ? spawnSync(process.execPath, [CLI, 'run', '--kernel', kernel, '--initrd', rootfs, '--append', append, '--serial', 'stdio',
        '--timeout', String(timeoutSeconds)], { cwd: REPO_ROOT, encoding: 'latin1', timeout: (timeoutSeconds + 60) * 1000 })
    : spawnSync('qemu-system-i386', ['-cpu', 'max', '-m', '128', '-kernel', kernel, '-initrd', rootfs, '-append', append,
        '-serial', 'stdio', '-display', 'none', '-device', 'isa-debug-exit,iobase=0xf4,iosize=4', '-no-reboot'],
      { cwd: REPO_ROOT, encoding: 'latin1', timeout: timeoutSeconds * 1000 });
  return { status: r.status, output: r.stdout + r.stderr };
}

/** Every attack has exactly one verdict line, in order, with the verdict this build must give. */
function checkVerdicts(run: Run, nk: 0 | 1, where: string): void {
  const lines = run.output.split('\n').map((l) => l.replace(/\r$/, '')).filter((l) => /^rogue-driver NK=\d \S+: /.test(l));
  assert.deepEqual(lines, ATTACKS.map((a) => `rogue-driver NK=${nk} ${a}: ${nk ? 'stopped' : 'succeeded'}`), `${where}\n${tail(run.output)}`);
  if (nk) {
    // Each faulting write is reported with the attacker's EIPs; the refused WP clear leaves WP set.
    assert.equal((run.output.match(/^nk: stopped a (write to|jump into) .* kernel eip 0x[0-9a-f]+, pid \d+ \(nk_exploit\) user eip 0x[0-9a-f]+/gm) ?? []).length, 8, where);
    assert.match(run.output, /nk_exploit clear-wp: CR0.WP is still set/, where);
    assert.match(run.output, /^nk: stopped a write to the TSS \(nested-kernel memory\) at /m, where);
  } else {
    assert.match(run.output, /nk_exploit syscall-table: getpid\(\) returned the attacker's 0x1337/, where);
    assert.match(run.output, /nk_exploit cr3-gate: CR3 holds the forged PDPT/, where);
    assert.match(run.output, /nk_exploit gdt: a far call from ring 3 ran kernel code at CPL 0/, where);
    assert.match(run.output, /nk_exploit tss-cr3: the TSS names the forged PDPT and the attacker's EIP/, where);
  }
}

for (const nk of [1, 0] as const) {
  test(`demo=rogue-driver NK=${nk} on our machine`, () => {
    ensureBuilt(nk);
    const run = runOn('ours', nk, 'demo=rogue-driver');
    checkVerdicts(run, nk, `our machine NK=${nk}`);
    assert.equal(run.status, DEMO_DONE, `exit status ${run.status}\n${tail(run.output)}`);
  });

  test(`demo=rogue-driver NK=${nk} on QEMU`, { skip: hasQemu() ? false : 'qemu-system-i386 is not installed' }, () => {
    ensureBuilt(nk);
    const run = runOn('qemu', nk, 'demo=rogue-driver');
    checkVerdicts(run, nk, `QEMU NK=${nk}`);
    assert.equal(run.status, DEMO_DONE, `exit status ${run.status}\n${tail(run.output)}`);
  });

  // Two boots: the kernel keeps at most 200 characters of a test= list.
  test(`the nested-kernel KTESTs pass with NK=${nk} on our machine`, () => {
    ensureBuilt(nk);
    let run = runOn('ours', nk, 'test=nk_rogue_driver,nk_write_policies,nk_control_registers_forced,nk_ptp_declared_zeroed_readonly,' +
      'nk_pte_validation,nk_kernel_code_and_tables_readonly,nk_audit_and_proclist');
    assert.match(run.output, /^7 passed, 0 failed/m, tail(run.output));
    assert.equal(run.status, 1, tail(run.output));
    run = runOn('ours', nk, 'test=nk_descriptor_tables_readonly,nk_ldt_validation');
    assert.match(run.output, /^2 passed, 0 failed/m, tail(run.output));
    assert.equal(run.status, 1, tail(run.output));
  });
}
