import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { IoBus } from '../../../src/machine/bus/io-bus.js';
import type { IrqLine } from '../../../src/machine/bus/irq.js';
import { Ps2Controller8042, scancodesForKey, scancodesForText } from '../../../src/machine/devices/ps2-8042.js';

class PulseCounter implements IrqLine {
  level = false;
  pulses = 0;
  raise(): void { if (!this.level) this.pulses++; this.level = true; }
  lower(): void { this.level = false; }
}

function setup(): { ps2: Ps2Controller8042; io: IoBus; irq: PulseCounter; resets: { count: number }; a20: boolean[] } {
  const io = new IoBus();
  const irq = new PulseCounter();
  const resets = { count: 0 };
  const a20: boolean[] = [];
  const ps2 = new Ps2Controller8042(irq, () => { resets.count++; }, (enabled) => a20.push(enabled));
  ps2.attach(io);
  return { ps2, io, irq, resets, a20 };
}

/** Reads every byte the controller offers, polling OBF as a driver does. */
function drain(io: IoBus): number[] {
  const bytes: number[] = [];
  while (io.read8(0x64) & 0x01) bytes.push(io.read8(0x60));
  return bytes;
}

function command(io: IoBus, cmd: number, data?: number): number[] {
  io.write8(0x64, cmd);
  if (data !== undefined) io.write8(0x60, data);
  return drain(io);
}

function keyboard(io: IoBus, ...bytes: number[]): number[] {
  for (const b of bytes) io.write8(0x60, b);
  return drain(io);
}

describe('Ps2Controller8042', () => {
  describe('scan codes', () => {
    test('typeText sends set 1 make/break codes with Left Shift around shifted characters', () => {
      const { ps2, io } = setup();
      ps2.typeText('aB\n');
      assert.deepEqual(drain(io), [0x1e, 0x9e, 0x2a, 0x30, 0xb0, 0xaa, 0x1c, 0x9c]);
    });

    test('backspace, tab, escape, digits and punctuation', () => {
      assert.deepEqual(scancodesForText('\b\t\x1b'), [0x0e, 0x8e, 0x0f, 0x8f, 0x01, 0x81]);
      assert.deepEqual(scancodesForText('1!'), [0x02, 0x82, 0x2a, 0x02, 0x82, 0xaa]);
      assert.deepEqual(scancodesForText(' /?'), [0x39, 0xb9, 0x35, 0xb5, 0x2a, 0x35, 0xb5, 0xaa]);
      assert.deepEqual(scancodesForText('zm'), [0x2c, 0xac, 0x32, 0xb2]);
    });

    test('a character no US key types is a host error', () => {
      assert.throws(() => scancodesForText('€'), RangeError);
      assert.throws(() => scancodesForKey('Hyper'), RangeError);
    });

    test('named keys, extended keys behind 0xE0, and chords', () => {
      assert.deepEqual(scancodesForKey('Enter'), [0x1c, 0x9c]);
      assert.deepEqual(scancodesForKey('Escape'), [0x01, 0x81]);
      assert.deepEqual(scancodesForKey('Up'), [0xe0, 0x48, 0xe0, 0xc8]);
      assert.deepEqual(scancodesForKey('Down'), [0xe0, 0x50, 0xe0, 0xd0]);
      assert.deepEqual(scancodesForKey('Left'), [0xe0, 0x4b, 0xe0, 0xcb]);
      assert.deepEqual(scancodesForKey('Right'), [0xe0, 0x4d, 0xe0, 0xcd]);
      assert.deepEqual(scancodesForKey('F1'), [0x3b, 0xbb]);
      assert.deepEqual(scancodesForKey('F10'), [0x44, 0xc4]);
      assert.deepEqual(scancodesForKey('Ctrl'), [0x1d, 0x9d]);
      assert.deepEqual(scancodesForKey('Alt'), [0x38, 0xb8]);
      assert.deepEqual(scancodesForKey('Ctrl+C'), [0x1d, 0x2e, 0xae, 0x9d]);
      assert.deepEqual(scancodesForKey('Ctrl+Alt+Delete'), [0x1d, 0x38, 0xe0, 0x53, 0xe0, 0xd3, 0xb8, 0x9d]);
    });

    test('pressKey and sendScancodes queue bytes one at a time with an IRQ1 pulse each', () => {
      const { ps2, io, irq } = setup();
      ps2.pressKey('Up');
      assert.equal(irq.pulses, 1, 'only the first byte is in the output buffer');
      assert.equal(ps2.pendingInput(), 3);
      assert.deepEqual(drain(io), [0xe0, 0x48, 0xe0, 0xc8]);
      assert.equal(irq.pulses, 4);
      ps2.sendScancodes([0x10, 0x90]);
      assert.deepEqual(drain(io), [0x10, 0x90]);
    });
  });

  describe('controller commands', () => {
    test('self-test answers 0x55, interface test 0x00, and the system flag is set', () => {
      const { io } = setup();
      assert.deepEqual(command(io, 0xaa), [0x55]);
      assert.deepEqual(command(io, 0xab), [0x00]);
      assert.equal(io.read8(0x64) & 0x04, 0x04);
    });

    test('no mouse: the mouse port test reports a fault and D4 bytes get no answer', () => {
      const { io } = setup();
      assert.deepEqual(command(io, 0xa9), [0x02]);
      assert.deepEqual(command(io, 0xd4, 0xff), []);
    });

    test('config byte: 0x20 reads the post-BIOS value, 0x60 writes it; 0xA7/0xA8 and 0xAD/0xAE flip its bits', () => {
      const { io } = setup();
      assert.deepEqual(command(io, 0x20), [0x61]);
      command(io, 0xa8);
      assert.deepEqual(command(io, 0x20), [0x41]);
      command(io, 0xa7);
      command(io, 0xad);
      assert.deepEqual(command(io, 0x20), [0x71]);
      command(io, 0xae);
      command(io, 0x60, 0x24);
      assert.deepEqual(command(io, 0x20), [0x24], 'translation bit and the rest kept as written');
    });

    test('the config IRQ1 bit gates the pulse but not the data', () => {
      const { ps2, io, irq } = setup();
      command(io, 0x60, 0x60);
      const before = irq.pulses;
      ps2.typeText('a');
      assert.equal(irq.pulses, before);
      assert.equal(io.read8(0x64) & 0x01, 0x01);
      io.write8(0x64, 0x60);
      io.write8(0x60, 0x61);
      assert.equal(irq.pulses, before + 1, 'enabling with a byte waiting raises IRQ1');
      assert.deepEqual(drain(io), [0x1e, 0x9e]);
    });

    test('a disabled keyboard interface holds keystrokes until 0xAE', () => {
      const { ps2, io } = setup();
      command(io, 0xad);
      ps2.typeText('q');
      assert.deepEqual(drain(io), []);
      io.write8(0x64, 0xae);
      assert.deepEqual(drain(io), [0x10, 0x90]);
    });

    test('status bit 3 tells whether the last write went to 0x64 or 0x60', () => {
      const { io } = setup();
      io.write8(0x64, 0xae);
      assert.equal(io.read8(0x64) & 0x08, 0x08);
      io.write8(0x60, 0xf4);
      assert.equal(io.read8(0x64) & 0x08, 0);
      assert.equal(io.read8(0x64) & 0x10, 0x10, 'keyboard not inhibited');
    });

    test('reading an empty output buffer returns the last byte again', () => {
      const { io } = setup();
      command(io, 0xaa);
      assert.equal(io.read8(0x64) & 0x01, 0);
      assert.equal(io.read8(0x60), 0x55);
    });

    test('output port: 0xD0 reads it, 0xD1 with bit 0 clear resets, bit 1 drives A20', () => {
      const { io, resets, a20 } = setup();
      assert.deepEqual(command(io, 0xd0), [0xcf]);
      command(io, 0xd1, 0xcd);
      assert.deepEqual(a20, [false]);
      command(io, 0xd1, 0xdf);
      assert.deepEqual(a20, [false, true]);
      assert.equal(resets.count, 0);
      command(io, 0xd1, 0xde);
      assert.equal(resets.count, 1);
    });

    test('0xFE pulses the reset line; 0xFF pulses nothing', () => {
      const { io, resets } = setup();
      io.write8(0x64, 0xff);
      assert.equal(resets.count, 0);
      io.write8(0x64, 0xfe);
      assert.equal(resets.count, 1);
    });

    test('0xD2 puts a byte in the output buffer as if the keyboard sent it; 0xD3 as mouse data', () => {
      const { io, irq } = setup();
      const before = irq.pulses;
      assert.deepEqual(command(io, 0xd2, 0x42), [0x42]);
      assert.equal(irq.pulses, before + 1);
      io.write8(0x64, 0xd3);
      io.write8(0x60, 0x5a);
      assert.equal(io.read8(0x64) & 0x21, 0x21, 'OBF and AUX OBF');
      assert.equal(io.read8(0x60), 0x5a);
      assert.equal(irq.pulses, before + 1, 'mouse data does not raise IRQ1');
    });

    test('controller RAM bytes 0x21-0x3F read back what 0x61-0x7F wrote', () => {
      const { io } = setup();
      command(io, 0x65, 0x99);
      assert.deepEqual(command(io, 0x25), [0x99]);
    });
  });

  describe('keyboard commands', () => {
    test('reset answers ACK then BAT passed', () => {
      const { io } = setup();
      assert.deepEqual(keyboard(io, 0xff), [0xfa, 0xaa]);
    });

    test('echo, identify and LED/typematic arguments', () => {
      const { io } = setup();
      assert.deepEqual(keyboard(io, 0xee), [0xee]);
      assert.deepEqual(keyboard(io, 0xf2), [0xfa, 0xab, 0x41], 'ID 0x83 translated to 0x41');
      assert.deepEqual(keyboard(io, 0xed, 0x07), [0xfa, 0xfa]);
      assert.deepEqual(keyboard(io, 0xf3, 0x20), [0xfa, 0xfa]);
      command(io, 0x60, 0x21); // translation off
      assert.deepEqual(keyboard(io, 0xf2), [0xfa, 0xab, 0x83]);
    });

    test('scan code set: query, select, and an invalid set', () => {
      const { io } = setup();
      assert.deepEqual(keyboard(io, 0xf0, 0x00), [0xfa, 0xfa, 0x41], 'set 2 seen through translation');
      assert.deepEqual(keyboard(io, 0xf0, 0x01), [0xfa, 0xfa]);
      command(io, 0x60, 0x21);
      assert.deepEqual(keyboard(io, 0xf0, 0x00), [0xfa, 0xfa, 0x01]);
      assert.deepEqual(keyboard(io, 0xf0, 0x07), [0xfa, 0xfe]);
    });

    test('the byte after ED is its argument even when it looks like a command (as QEMU)', () => {
      const { io } = setup();
      assert.deepEqual(keyboard(io, 0xed, 0xee), [0xfa, 0xfa]);
      assert.deepEqual(keyboard(io, 0xee), [0xee]);
    });

    test('0xF5 stops scanning (keys wait), 0xF4 resumes', () => {
      const { ps2, io } = setup();
      assert.deepEqual(keyboard(io, 0xf5), [0xfa]);
      ps2.typeText('w');
      assert.deepEqual(drain(io), []);
      assert.deepEqual(keyboard(io, 0xf4), [0xfa, 0x11, 0x91]);
    });

    test('0xF6 acknowledges; unknown commands ask for a resend; 0xFE resends the last byte', () => {
      const { io } = setup();
      assert.deepEqual(keyboard(io, 0xf6), [0xfa]);
      assert.deepEqual(keyboard(io, 0x12), [0xfe]);
      keyboard(io, 0xee);
      assert.deepEqual(keyboard(io, 0xfe), [0xee]);
    });

    test('writing to the keyboard re-enables a disabled interface', () => {
      const { io } = setup();
      command(io, 0xad);
      assert.deepEqual(keyboard(io, 0xee), [0xee]);
      assert.deepEqual(command(io, 0x20), [0x61]);
    });

    test('replies come before queued keystrokes and keystrokes survive a keyboard reset', () => {
      const { ps2, io } = setup();
      command(io, 0xad);
      ps2.typeText('e');
      io.write8(0x64, 0xae);
      io.write8(0x60, 0xff); // the first scan code byte is already in the output buffer
      assert.deepEqual(drain(io), [0x12, 0xfa, 0xaa, 0x92]);
    });
  });
});
