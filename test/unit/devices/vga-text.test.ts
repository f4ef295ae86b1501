import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { IoBus } from '../../../src/machine/bus/io-bus.js';
import { PhysicalMemory } from '../../../src/machine/memory/physical-memory.js';
import { VgaText } from '../../../src/machine/devices/vga-text.js';

function setup(): { vga: VgaText; io: IoBus; memory: PhysicalMemory } {
  const memory = new PhysicalMemory(1024 * 1024);
  const io = new IoBus();
  const vga = new VgaText(memory);
  vga.attach(io);
  return { vga, io, memory };
}

function putText(memory: PhysicalMemory, row: number, col: number, text: string, attr = 0x07): void {
  for (let i = 0; i < text.length; i++) {
    const address = 0xb8000 + (row * 80 + col + i) * 2;
    memory.write8(address, text.charCodeAt(i));
    memory.write8(address + 1, attr);
  }
}

function setCursor(io: IoBus, position: number): void {
  io.write8(0x3d4, 0x0f); io.write8(0x3d5, position & 0xff);
  io.write8(0x3d4, 0x0e); io.write8(0x3d5, position >> 8);
}

describe('VgaText', () => {
  describe('screen contents', () => {
    test('text in guest RAM at 0xB8000 appears in screenText, trailing spaces trimmed', () => {
      const { vga, memory } = setup();
      for (let i = 0; i < 80 * 25; i++) memory.write16(0xb8000 + i * 2, 0x0720);
      putText(memory, 0, 0, 'Hello, world');
      putText(memory, 24, 70, 'bottom');
      const lines = vga.screenLines();
      assert.equal(lines.length, 25);
      assert.equal(lines[0], 'Hello, world');
      assert.equal(lines[1], '');
      assert.equal(lines[24], ' '.repeat(70) + 'bottom');
      assert.equal(vga.screenText(), lines.join('\n'));
    });

    test('cell() returns the character and attribute bytes', () => {
      const { vga, memory } = setup();
      putText(memory, 3, 5, 'X', 0x1f);
      assert.deepEqual(vga.cell(3, 5), { char: 0x58, attr: 0x1f });
    });

    test('code page 437 maps to Unicode, with NUL shown as a space', () => {
      const { vga, memory } = setup();
      const codes = [0xc9, 0xcd, 0xbb, 0x01, 0x00, 0xb0, 0xe1, 0x7f, 0x9c, 0xf8, 0x41];
      codes.forEach((code, i) => memory.write8(0xb8000 + i * 2, code));
      assert.equal(vga.screenLines()[0], '╔═╗☺ ░ß⌂£°A');
    });

    test('the CRTC start address scrolls the displayed window', () => {
      const { vga, io, memory } = setup();
      putText(memory, 0, 0, 'first');
      putText(memory, 1, 0, 'second');
      io.write8(0x3d4, 0x0c); io.write8(0x3d5, 0);
      io.write8(0x3d4, 0x0d); io.write8(0x3d5, 80);
      assert.equal(vga.screenLines()[0], 'second');
      assert.deepEqual(vga.cell(0, 0).char, 0x73);
    });
  });

  describe('cursor', () => {
    test('cursor location registers give row and column', () => {
      const { vga, io } = setup();
      setCursor(io, 5 * 80 + 17);
      assert.deepEqual(vga.cursor(), { row: 5, col: 17, visible: true });
    });

    test('a 16-bit OUT to 0x3D4 writes index and data together', () => {
      const { vga, io } = setup();
      const position = 24 * 80 + 79;
      io.write16(0x3d4, 0x0f | ((position & 0xff) << 8));
      io.write16(0x3d4, 0x0e | ((position >> 8) << 8));
      assert.deepEqual(vga.cursor(), { row: 24, col: 79, visible: true });
    });

    test('cursor start bit 5 disables the cursor; off-screen positions are not visible', () => {
      const { vga, io } = setup();
      io.write8(0x3d4, 0x0a);
      assert.equal(io.read8(0x3d5), 0x0d, 'mode 3 cursor start');
      io.write8(0x3d5, 0x20);
      assert.equal(vga.cursor().visible, false);
      io.write8(0x3d5, 0x0d);
      setCursor(io, 2000);
      assert.equal(vga.cursor().visible, false);
    });
  });

  describe('registers', () => {
    test('other CRTC registers are stored and read back, and the index reads back', () => {
      const { io } = setup();
      io.write8(0x3d4, 0x13);
      assert.equal(io.read8(0x3d5), 0x28, 'mode 3 offset register');
      io.write8(0x3d5, 0x50);
      assert.equal(io.read8(0x3d4), 0x13);
      assert.equal(io.read8(0x3d5), 0x50);
    });

    test('input status 1 toggles retrace on each read, deterministically', () => {
      const { io } = setup();
      const reads = [io.read8(0x3da), io.read8(0x3da), io.read8(0x3da), io.read8(0x3da)].map((v) => v & 0x08);
      assert.deepEqual(reads, [0x08, 0, 0x08, 0]);
    });

    test('attribute controller: index/data flip-flop, reset by reading 0x3DA', () => {
      const { io } = setup();
      io.read8(0x3da);
      io.write8(0x3c0, 0x10);
      io.write8(0x3c0, 0x0c);
      assert.equal(io.read8(0x3c1), 0x0c);
      io.write8(0x3c0, 0x31); // index with palette address source set
      assert.equal(io.read8(0x3c0), 0x31);
      io.read8(0x3da); // back to index state
      io.write8(0x3c0, 0x12);
      io.write8(0x3c0, 0x0f);
      io.write8(0x3c0, 0x10);
      assert.equal(io.read8(0x3c1), 0x0c, 'register 0x10 unchanged');
    });

    test('misc output is written at 0x3C2 and read at 0x3CC', () => {
      const { io } = setup();
      assert.equal(io.read8(0x3cc), 0x67);
      io.write8(0x3c2, 0x63);
      assert.equal(io.read8(0x3cc), 0x63);
    });

    test('sequencer and graphics controller registers read back', () => {
      const { io } = setup();
      io.write16(0x3c4, 0x0302);
      io.write16(0x3ce, 0x0e06);
      io.write8(0x3c4, 0x02);
      assert.equal(io.read8(0x3c5), 0x03);
      io.write8(0x3ce, 0x06);
      assert.equal(io.read8(0x3cf), 0x0e);
    });

    test('DAC entries are written and read as three 6-bit components', () => {
      const { io } = setup();
      io.write8(0x3c8, 5);
      io.write8(0x3c9, 0x3f); io.write8(0x3c9, 0xff); io.write8(0x3c9, 0x01);
      io.write8(0x3c7, 5);
      assert.deepEqual([io.read8(0x3c9), io.read8(0x3c9), io.read8(0x3c9)], [0x3f, 0x3f, 0x01]);
    });

    test('reset restores mode 3 CRTC values', () => {
      const { vga, io } = setup();
      io.write8(0x3d4, 0x0a); io.write8(0x3d5, 0x20);
      vga.reset();
      io.write8(0x3d4, 0x0a);
      assert.equal(io.read8(0x3d5), 0x0d);
    });
  });
});
