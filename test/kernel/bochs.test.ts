// The kernel's test mode on Bochs, the second oracle (tools/kernel-bochs.ts): Bochs enforces segment limits as
// the SDM says, so the tests QEMU TCG must skip (LOTRx86's M-SR2 among them) run here and must pass, not skip.
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { REPO_ROOT, missingBuild } from './kernel-runs.js';

const hasBochs = ['bochs', 'grub-mkrescue', 'unshare'].every((cmd) => spawnSync('sh', ['-c', `command -v ${cmd}`], { stdio: 'ignore' }).status === 0);

test('kernel test mode passes on Bochs, nothing skipped', { skip: hasBochs ? false : 'bochs or grub-mkrescue is not installed' }, () => {
  assert.equal(missingBuild(), null);
  const r = spawnSync(process.execPath, [join(REPO_ROOT, 'dist', 'tools', 'kernel-bochs.js'), '--append', 'test=all', '--timeout', '600'],
    { cwd: REPO_ROOT, encoding: 'utf8', timeout: 660_000 });
  assert.equal(r.status, 0, `kernel-bochs said:\n${r.stdout}${r.stderr}`);
  assert.match(r.stdout, /^\d+ passed, 0 failed$/m);
});
