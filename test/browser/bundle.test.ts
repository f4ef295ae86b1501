// src/machine must run in a browser: bundle it for the browser platform and check that nothing Node-only
// slipped in, then run the bundle in a context that has no Node globals at all.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { build } from 'esbuild';
import { createContext, runInContext } from 'node:vm';
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';

const root = join(fileURLToPath(import.meta.url), '..', '..', '..', '..');

test('src/machine bundles for the browser with no Node built-ins', async () => {
  const result = await build({
    entryPoints: [join(root, 'src/machine/index.ts')],
    bundle: true,
    platform: 'browser',
    format: 'iife',
    globalName: 'Kernelist',
    write: false,
    logLevel: 'silent',
  });
  assert.equal(result.errors.length, 0);
  const code = result.outputFiles[0]!.text;
  assert.doesNotMatch(code, /require\(["']node:|from ["']node:|\bprocess\.|\bBuffer\./);

  // A bare context: no process, Buffer, require or setImmediate, as in a browser.
  const logs: string[] = [];
  const context = createContext({ console: { log: (s: string) => logs.push(String(s)) } });
  runInContext(code, context);
  const machine = runInContext(`
    const m = new Kernelist.Machine({ memoryMiB: 4, rtcTime: new Date(0) });
    // mov al,'K'; mov dx,0x3f8; out dx,al; hlt (IF=0 ends the run) at 1 MiB, entered directly.
    const code = [0xb0, 0x4b, 0x66, 0xba, 0xf8, 0x03, 0xee, 0xf4];
    let out = '';
    m.on('serial', (b) => { out += String.fromCharCode(b); });
    m.memory.u8.set(code, 0x100000);
    m.cpu.eip = 0x100000;
    m.cpu.setSegmentCache(1, 0x08, 0, 0xffffffff, 0xc09b);
    m.cpu.cr0 |= 1;
    m.step(100);
    ({ out, exited: m.exited });
  `, context) as { out: string; exited: { kind: string } };
  assert.equal(machine.out, 'K');
  assert.equal(machine.exited.kind, 'halt');
});
