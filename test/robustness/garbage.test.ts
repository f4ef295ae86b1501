// Nothing a guest does may raise a host exception: random machine code and random port traffic must end in an
// architectural outcome (a fault, a halt, a triple fault, an exit), or a clear "not implemented" report, never
// an internal error.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { Machine, type ExitReason } from '../../src/machine/index.js';

function xorshift(seed: number): () => number {
  let s = seed | 0 || 1;
  return () => { s ^= s << 13; s ^= s >>> 17; s ^= s << 5; return s >>> 0; };
}

/** Boots a machine in the Multiboot entry state with `code` at 1 MiB (no IDT: faults escalate to a triple fault). */
function machineWithCode(code: Uint8Array, jit: 'on' | 'eager' | 'off'): Machine {
  const m = new Machine({ memoryMiB: 8, rtcTime: new Date(0), jit });
  m.memory.u8.set(code, 0x100000);
  m.cpu.setSegmentCache(1, 0x08, 0, 0xffffffff, 0xc09b);
  for (const seg of [0, 2, 3, 4, 5]) m.cpu.setSegmentCache(seg, 0x10, 0, 0xffffffff, 0xc093);
  m.cpu.cr0 |= 1;
  m.cpu.idtLimit = 0;
  m.cpu.r32[4] = 0x90000;
  m.cpu.eip = 0x100000;
  return m;
}

function acceptable(reason: ExitReason | undefined): boolean {
  if (reason === undefined) return true;
  if (reason.kind === 'error') return reason.message.startsWith('not implemented:');
  return true;
}

describe('garbage in, architecture out', () => {
  test('600 random code pages run without an internal error (three JIT modes)', async () => {
    const bad: string[] = [];
    for (let seed = 1; seed <= 200; seed++) {
      const next = xorshift(seed * 2654435761);
      const code = Uint8Array.from({ length: 4096 }, () => next() & 0xff);
      for (const jit of ['on', 'eager', 'off'] as const) {
        const m = machineWithCode(code, jit);
        const reason = await m.run({ maxInstructions: 20_000 });
        if (!acceptable(reason)) bad.push(`seed ${seed} jit ${jit}: ${JSON.stringify(reason)}`);
      }
    }
    assert.deepEqual(bad, []);
  });

  test('random reads and writes of every port leave the machine running', () => {
    const m = new Machine({ memoryMiB: 8, rtcTime: new Date(0) });
    const next = xorshift(12345);
    for (let k = 0; k < 200_000; k++) {
      const port = next() & 0xffff;
      // Keep off the ports that end the run by design (an access up to 3 bytes below still reaches them).
      const near = (p: number, size: number) => port > p - 4 && port < p + size;
      if (near(0xf4, 4) || near(0x8900, 1) || near(0x64, 1) || near(0x92, 1)) continue;
      const width = next() % 3;
      if (next() & 1) {
        if (width === 0) m.io.write8(port, next()); else if (width === 1) m.io.write16(port, next()); else m.io.write32(port, next());
      } else if (width === 0) m.io.read8(port); else if (width === 1) m.io.read16(port); else m.io.read32(port);
    }
    assert.equal(m.exited, undefined);
    assert.doesNotThrow(() => m.step(1000));
  });
});
