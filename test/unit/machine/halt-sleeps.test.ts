// HLT with interrupts enabled sleeps on a host timer until the next device event or host input: the host does
// not spin. Counted, not timed: while the guest sits in HLT for 300 ms of wall-clock time with every IRQ masked,
// the machine enters the CPU only when a device (here the 18.2 Hz PIT) has an event due, a few times, where a
// spinning host would enter it thousands of times.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Machine } from '../../../src/machine/index.js';

test('a halted guest with interrupts on leaves the host idle until the next device event', async () => {
  const m = new Machine({ memoryMiB: 4, clock: 'wall', rtcTime: new Date(0) });
  // mov al, 0xff; out 0x21, al; out 0xa1, al (mask every IRQ); sti; hlt; jmp back to the hlt
  m.memory.u8.set([0xb0, 0xff, 0xe6, 0x21, 0xe6, 0xa1, 0xfb, 0xf4, 0xeb, 0xfd], 0x100000);
  m.cpu.setSegmentCache(1, 0x08, 0, 0xffffffff, 0xc09b);
  m.cpu.cr0 |= 1;
  m.cpu.eip = 0x100000;
  let entries = 0;
  const run = m.cpu.run.bind(m.cpu);
  m.cpu.run = (budget: number) => { entries++; return run(budget); };
  const reason = await m.run({ timeoutMs: 300 });
  assert.equal(reason.kind, 'timeout');
  assert.equal(m.cpu.halted, true);
  assert.ok(entries < 100, `the CPU was entered ${entries} times in 300 ms of HLT`);
  assert.ok(m.cpu.retired < 1000, `${m.cpu.retired} instructions ran`);
});
