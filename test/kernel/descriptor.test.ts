// Host unit test of the kernel's descriptor encoders: kernel/arch/descriptor.c compiled for the host with
// test/kernel/descriptor_test.c (make -C kernel hosttest, part of the normal kernel build), checked byte by byte.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { HOST_DESCRIPTOR_TEST } from './kernel-runs.js';

test('descriptor encoders give the exact SDM bytes', () => {
  assert.ok(existsSync(HOST_DESCRIPTOR_TEST), `${HOST_DESCRIPTOR_TEST} is missing: run 'npm run setup'`);
  const r = spawnSync(HOST_DESCRIPTOR_TEST, [], { encoding: 'utf8', timeout: 30_000 });
  const failures = r.stdout.split('\n').filter((line) => line.startsWith('FAIL'));
  assert.deepEqual(failures, []);
  assert.equal(r.status, 0, r.stdout + r.stderr);
  assert.match(r.stdout, /^ok user code: limit 0xBFFFFFFF, DPL 3$/m);
  assert.match(r.stdout, /^(\d+) checks, 0 failed$/m);
});
