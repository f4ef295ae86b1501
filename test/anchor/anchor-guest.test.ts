// The benchmark's anchor guest (../shared/anchors/guest) through the CLI, as a user runs it: it must print the
// CHECK line the anchors README gives for each size (the same line QEMU prints) and exit as QEMU does.
import { before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, chmodSync, readdirSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const repo = resolve(fileURLToPath(new URL('../../..', import.meta.url)));
const anchors = resolve(repo, '..', 'shared', 'anchors');
const cli = join(repo, 'dist', 'kernelist.mjs');

/** CHECK values from ../shared/anchors/README.md ("Expected CHECK values for some sizes"). */
const EXPECTED: [number, string][] = [[0, '811c9dc5'], [1, 'b354b462'], [2, 'a168c41c']];

function makeWritable(path: string): void {
  chmodSync(path, statSync(path).mode | 0o200);
  if (statSync(path).isDirectory()) for (const entry of readdirSync(path)) makeWritable(join(path, entry));
}

describe('the anchor guest under kernelist run', () => {
  let elf = '';
  before(() => {
    assert.ok(existsSync(join(anchors, 'guest', 'Makefile')), `${anchors}/guest is missing (the shared folder sits beside the repository)`);
    const dir = mkdtempSync(join(tmpdir(), 'kernelist-anchor-'));
    cpSync(join(anchors, 'guest'), join(dir, 'guest'), { recursive: true });
    makeWritable(dir);
    const make = spawnSync('make', ['-s', '-C', join(dir, 'guest'), 'guest.elf'], { encoding: 'utf8' });
    assert.equal(make.status, 0, make.stderr);
    elf = join(dir, 'guest', 'guest.elf');
  });

  test('bench=rings rings=1000 crosses rings through a call gate and int 0x80 and prints CHECK 02e95bae', () => {
    const r = spawnSync(process.execPath, [cli, 'run', '--kernel', elf, '--append', 'bench=rings rings=1000', '--timeout', '120'], { encoding: 'utf8' });
    assert.match(r.stdout, /^RINGS cpl user=3 gate=2 int=0 stacks=ok params=ok\r?$/m);
    assert.match(r.stdout, /^CHECK 02e95bae\r?$/m);
    assert.equal(r.status, 1, r.stderr);
  });

  for (const [work, check] of EXPECTED) {
    test(`--append work=${work} prints CHECK ${check} and exits with status 1 (isa-debug-exit 0)`, () => {
      const r = spawnSync(process.execPath, [cli, 'run', '--kernel', elf, '--append', `work=${work}`, '--timeout', '120'], { encoding: 'utf8' });
      assert.match(r.stdout, new RegExp(`^CHECK ${check}\\r?$`, 'm'));
      assert.match(r.stdout, /^DONE\r?$/m);
      assert.equal(r.status, 1, r.stderr);
    });
  }
});
