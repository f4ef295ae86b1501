// The CPU state at a Multiboot entry point must be the one QEMU 7.2's -kernel gives. The expected values were
// measured on qemu-system-i386 -cpu max with a probe kernel that prints its registers, GDTR, IDTR and GDT
// (EDX and EDI, which QEMU's option ROM leaves over from its copy loops and which vary with the kernel's layout,
// are zero here and not compared).
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { Machine } from '../../../src/machine/index.js';
import { simpleKernel } from '../boot/elf-builder.js';

describe('Multiboot entry state', () => {
  const m = new Machine({ memoryMiB: 32, rtcTime: new Date(0) });
  m.loadMultiboot(simpleKernel(), { cmdline: 'probe' });
  const s = m.cpu.snapshot();

  test('registers as QEMU leaves them', () => {
    assert.equal(s.eax, 0x2badb002);
    assert.equal(s.ebx, 0x9500);
    assert.equal(s.ecx, s.eip, 'QEMU leaves the entry point in ECX');
    assert.equal(s.esp, 0x6f08);
    assert.equal(s.eflags, 0x6);
    assert.equal(s.cr0, 0x11);
    assert.deepEqual([s.cs, s.ds, s.es, s.fs, s.gs, s.ss], [0x08, 0x10, 0x10, 0x10, 0x10, 0x10]);
  });

  test('the option ROM GDT: null, flat 32-bit code and data, 16-bit code and data', () => {
    assert.equal(m.cpu.gdtBase, 0xcb2b8);
    assert.equal(m.cpu.gdtLimit, 0x27);
    const entry = (k: number) => [m.memory.read32(0xcb2b8 + k * 8) >>> 0, m.memory.read32(0xcb2b8 + k * 8 + 4) >>> 0];
    assert.deepEqual([0, 1, 2, 3, 4].map(entry), [[0, 0], [0xffff, 0x00cf9a00], [0xffff, 0x00cf9300], [0xffff, 0x00009e00], [0xffff, 0x00009200]]);
    assert.equal(m.cpu.idtBase, 0);
    assert.equal(m.cpu.idtLimit, 0x3ff);
  });

  test('the PICs are programmed as SeaBIOS leaves them', () => {
    const r = m.pic.registers();
    assert.equal(r.masterImr, 0xb8);
    assert.equal(r.slaveImr, 0x8e);
    // With IRQ0 unmasked at vector 0x08, a PIT tick would arrive as vector 8.
    m.pic.setIrq(0, true);
    assert.equal(m.pic.hasInterrupt(), true);
    assert.equal(m.pic.acknowledge(), 0x08);
  });
});
