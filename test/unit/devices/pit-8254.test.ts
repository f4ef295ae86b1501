import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { IoBus } from '../../../src/machine/bus/io-bus.js';
import type { IrqLine } from '../../../src/machine/bus/irq.js';
import type { MachineClock } from '../../../src/machine/time/clock.js';
import { Pit8254, PIT_INPUT_HZ, pitNsAtTick, pitTicksAt } from '../../../src/machine/devices/pit-8254.js';

class FakeClock implements MachineClock {
  ns = 0;
  nowNs(): number { return this.ns; }
  /** Sets guest time to the first nanosecond of input clock `tick`. */
  atTick(tick: number): void { this.ns = pitNsAtTick(tick); }
}

class PulseCounter implements IrqLine {
  level = false;
  pulses = 0;
  raise(): void { if (!this.level) this.pulses++; this.level = true; }
  lower(): void { this.level = false; }
}

function setup(): { pit: Pit8254; io: IoBus; clock: FakeClock; irq: PulseCounter } {
  const io = new IoBus();
  const clock = new FakeClock();
  const irq = new PulseCounter();
  const pit = new Pit8254(irq, clock);
  pit.attach(io);
  return { pit, io, clock, irq };
}

const HZ_100_DIVISOR = Math.round(PIT_INPUT_HZ / 100); // 11932, what Linux and xv6 program

function programChannel0(io: IoBus, control: number, count: number): void {
  io.write8(0x43, control);
  io.write8(0x40, count & 0xff);
  io.write8(0x40, count >> 8);
}

function readCounter(io: IoBus, port: number): number {
  return io.read8(port) | (io.read8(port) << 8);
}

/** Runs the machine loop: sleep until the PIT's next event, advance, until `endNs`. */
function runUntil(pit: Pit8254, clock: FakeClock, endNs: number): void {
  for (;;) {
    const next = pit.nextEventNs();
    if (next > endNs) break;
    clock.ns = next;
    pit.advance(next);
  }
  clock.ns = endNs;
  pit.advance(endNs);
}

describe('Pit8254', () => {
  describe('time base', () => {
    test('ticks and nanoseconds convert exactly at 1 193 182 Hz', () => {
      assert.equal(pitTicksAt(1_000_000_000), PIT_INPUT_HZ);
      assert.equal(pitTicksAt(838), 0);
      assert.equal(pitTicksAt(839), 1);
      assert.equal(pitNsAtTick(1), 839);
      for (const tick of [1, 11932, 65536, 123_456_789, 9_876_543_210]) {
        assert.equal(pitTicksAt(pitNsAtTick(tick)), tick);
        assert.equal(pitTicksAt(pitNsAtTick(tick) - 1), tick - 1);
      }
    });
  });

  describe('channel 0 mode 2 (rate generator)', () => {
    test('at 100 Hz, 99 IRQ0 edges have fired by 1 s and the 100th follows 100 us later', () => {
      const { pit, io, clock, irq } = setup();
      programChannel0(io, 0x34, HZ_100_DIVISOR);
      runUntil(pit, clock, 1_000_000_000);
      assert.equal(irq.pulses, 99, 'edges at k * 11932 ticks; 100 * 11932 > 1 193 182');
      runUntil(pit, clock, 1_000_100_000);
      assert.equal(irq.pulses, 100);
      assert.equal(irq.level, false, 'IRQ0 is a pulse');
    });

    test('nextEventNs names the first edge, N ticks after the count was written', () => {
      const { pit, io, clock } = setup();
      clock.ns = 5_000_000;
      programChannel0(io, 0x34, HZ_100_DIVISOR);
      const start = pitTicksAt(5_000_000);
      assert.equal(pit.nextEventNs(), pitNsAtTick(start + HZ_100_DIVISOR));
    });

    test('a machine that fell many periods behind gets one pulse, not one per period', () => {
      const { pit, io, clock, irq } = setup();
      programChannel0(io, 0x34, HZ_100_DIVISOR);
      clock.ns = 10_000_000_000;
      pit.advance(clock.ns);
      assert.equal(irq.pulses, 1);
      assert.ok(pit.nextEventNs() > clock.ns, 'the next edge is in the future');
    });

    test('the counter counts N..1 and reloads; a latch freezes the value until read', () => {
      const { io, clock } = setup();
      programChannel0(io, 0x34, 1000);
      clock.atTick(100);
      assert.equal(readCounter(io, 0x40), 900);
      clock.atTick(999);
      assert.equal(readCounter(io, 0x40), 1);
      clock.atTick(1000);
      assert.equal(readCounter(io, 0x40), 1000);
      clock.atTick(1250);
      io.write8(0x43, 0x00); // counter latch, channel 0
      clock.atTick(1300);
      assert.equal(readCounter(io, 0x40), 750, 'latched value');
      assert.equal(readCounter(io, 0x40), 700, 'live again after the latch was read');
    });

    test('a count of 0 means 65536', () => {
      const { pit, io, clock, irq } = setup();
      programChannel0(io, 0x34, 0);
      clock.atTick(65535);
      pit.advance(clock.ns);
      assert.equal(irq.pulses, 0);
      clock.atTick(65536);
      pit.advance(clock.ns);
      assert.equal(irq.pulses, 1);
    });

    test('a new count written while counting takes effect at the end of the current period', () => {
      const { pit, io, clock, irq } = setup();
      programChannel0(io, 0x34, 1000);
      clock.atTick(500);
      io.write8(0x40, 100); io.write8(0x40, 0);
      assert.equal(pit.nextEventNs(), pitNsAtTick(1000));
      runUntil(pit, clock, pitNsAtTick(1000));
      assert.equal(irq.pulses, 1);
      assert.equal(pit.nextEventNs(), pitNsAtTick(1100));
    });
  });

  describe('channel 0 modes 0 and 3, and the post-BIOS state', () => {
    test('mode 0 fires one edge at terminal count and then wraps without firing', () => {
      const { pit, io, clock, irq } = setup();
      programChannel0(io, 0x30, 5000);
      assert.equal(pit.nextEventNs(), pitNsAtTick(5000));
      runUntil(pit, clock, 1_000_000_000);
      assert.equal(irq.pulses, 1);
      assert.equal(pit.nextEventNs(), Infinity);
    });

    test('mode 0 counter wraps past zero to 0xFFFF', () => {
      const { io, clock } = setup();
      programChannel0(io, 0x30, 10);
      clock.atTick(12);
      assert.equal(readCounter(io, 0x40), 0xfffe);
    });

    test('mode 3 at 100 Hz fires at the same rate as mode 2', () => {
      const { pit, io, clock, irq } = setup();
      programChannel0(io, 0x36, HZ_100_DIVISOR);
      runUntil(pit, clock, 1_000_000_000);
      assert.equal(irq.pulses, 99);
    });

    test('mode 3 OUT is high for the first half period and low for the second (read-back status)', () => {
      const { io, clock } = setup();
      programChannel0(io, 0x36, 10);
      const status = (): number => { io.write8(0x43, 0xe2); return io.read8(0x40); };
      clock.atTick(4);
      assert.equal(status() & 0x80, 0x80);
      clock.atTick(5);
      assert.equal(status() & 0x80, 0);
      clock.atTick(10);
      assert.equal(status() & 0x80, 0x80);
    });

    test('mode 3 counts down by two, an odd count spending an extra clock high', () => {
      const { io, clock } = setup();
      programChannel0(io, 0x36, 5);
      const values: number[] = [];
      for (let tick = 0; tick < 5; tick++) { clock.atTick(tick); values.push(readCounter(io, 0x40)); }
      assert.deepEqual(values, [5, 4, 2, 5, 2]);
    });

    test('the post-BIOS state runs channel 0 in mode 2 with count 65536 (18.2 Hz)', () => {
      const { pit, io, clock, irq } = setup();
      io.write8(0x43, 0xe2);
      assert.equal(io.read8(0x40), 0xb4, 'OUT high, lobyte/hibyte, mode 2, binary');
      assert.equal(pit.nextEventNs(), pitNsAtTick(65536));
      runUntil(pit, clock, 1_000_000_000);
      assert.equal(irq.pulses, 18);
    });
  });

  describe('access modes, latches and read-back', () => {
    test('lobyte-only access writes and reads the low byte', () => {
      const { io, clock } = setup();
      io.write8(0x43, 0x14); // channel 0, lobyte, mode 2
      io.write8(0x40, 200);
      clock.atTick(50);
      assert.equal(io.read8(0x40), 150);
      assert.equal(io.read8(0x40), 150);
    });

    test('hibyte-only access loads count << 8', () => {
      const { io, clock } = setup();
      io.write8(0x43, 0x24);
      io.write8(0x40, 0x02);
      clock.atTick(1);
      assert.equal(io.read8(0x40), 0x01, 'count 0x200 - 1 = 0x1FF: high byte 1');
    });

    test('read-back latches status and count; status comes first', () => {
      const { io, clock } = setup();
      programChannel0(io, 0x34, 1000);
      clock.atTick(10);
      io.write8(0x43, 0xc2); // latch count and status of channel 0
      clock.atTick(20);
      assert.equal(io.read8(0x40), 0x80 | 0x30 | 0x04, 'OUT high, lohi, mode 2, binary, count loaded');
      assert.equal(readCounter(io, 0x40), 990);
    });

    test('status shows null count between the control word and the count', () => {
      const { io } = setup();
      io.write8(0x43, 0x34);
      io.write8(0x43, 0xe2);
      assert.equal(io.read8(0x40) & 0x40, 0x40);
      io.write8(0x40, 0x10); io.write8(0x40, 0);
      io.write8(0x43, 0xe2);
      assert.equal(io.read8(0x40) & 0x40, 0);
    });

    test('a second latch before the first is read keeps the first value', () => {
      const { io, clock } = setup();
      programChannel0(io, 0x34, 1000);
      clock.atTick(100);
      io.write8(0x43, 0x00);
      clock.atTick(200);
      io.write8(0x43, 0x00);
      assert.equal(readCounter(io, 0x40), 900);
    });

    test('BCD mode counts in decimal', () => {
      const { io, clock } = setup();
      io.write8(0x43, 0x35); // channel 0, lohi, mode 2, BCD
      io.write8(0x40, 0x00); io.write8(0x40, 0x10); // 1000 decimal
      clock.atTick(1);
      assert.equal(readCounter(io, 0x40), 0x0999);
    });

    test('the control register reads as 0xFF', () => {
      const { io } = setup();
      assert.equal(io.read8(0x43), 0xff);
    });
  });

  describe('channel 2 and port 0x61', () => {
    test('Linux-style calibration: mode 0 with the gate, OUT2 rises at terminal count', () => {
      const { io, clock } = setup();
      io.write8(0x61, (io.read8(0x61) & ~0x02) | 0x01);
      io.write8(0x43, 0xb0);
      io.write8(0x42, 0xe8); io.write8(0x42, 0x03); // 1000
      clock.atTick(pitTicksAt(clock.ns) + 999);
      assert.equal(io.read8(0x61) & 0x20, 0);
      clock.atTick(pitTicksAt(clock.ns) + 1);
      assert.equal(io.read8(0x61) & 0x20, 0x20);
      assert.equal(io.read8(0x61) & 0x03, 0x01, 'gate on, speaker off');
    });

    test('a low gate pauses mode 0 counting', () => {
      const { io, clock } = setup();
      io.write8(0x61, 0x01);
      io.write8(0x43, 0xb0);
      io.write8(0x42, 100); io.write8(0x42, 0);
      clock.atTick(30);
      io.write8(0x61, 0x00);
      clock.atTick(500);
      assert.equal(readCounter(io, 0x42), 70);
      io.write8(0x61, 0x01);
      clock.atTick(510);
      assert.equal(readCounter(io, 0x42), 60);
    });

    test('mode 1 waits for a gate rising edge, then OUT is low for N clocks', () => {
      const { io, clock } = setup();
      io.write8(0x61, 0x00);
      io.write8(0x43, 0xb2);
      io.write8(0x42, 50); io.write8(0x42, 0);
      clock.atTick(100);
      assert.equal(io.read8(0x61) & 0x20, 0x20, 'not triggered: OUT high');
      io.write8(0x61, 0x01);
      clock.atTick(149);
      assert.equal(io.read8(0x61) & 0x20, 0);
      clock.atTick(150);
      assert.equal(io.read8(0x61) & 0x20, 0x20);
    });

    test('mode 4 strobes OUT low for one clock at terminal count', () => {
      const { io, clock } = setup();
      io.write8(0x61, 0x01);
      io.write8(0x43, 0xb8);
      io.write8(0x42, 20); io.write8(0x42, 0);
      const out = (tick: number): number => { clock.atTick(tick); return io.read8(0x61) & 0x20; };
      assert.equal(out(19), 0x20);
      assert.equal(out(20), 0);
      assert.equal(out(21), 0x20);
    });

    test('bit 4 toggles with DRAM refresh every 18 input clocks of guest time', () => {
      const { io, clock } = setup();
      clock.atTick(0);
      const first = io.read8(0x61) & 0x10;
      assert.equal(io.read8(0x61) & 0x10, first, 'no toggle without time passing');
      clock.atTick(18);
      assert.notEqual(io.read8(0x61) & 0x10, first);
    });

    test('bits 2-3 read back; speakerEnabled needs gate and data', () => {
      const { pit, io } = setup();
      io.write8(0x61, 0x0f);
      assert.equal(io.read8(0x61) & 0x0f, 0x0f);
      assert.equal(pit.speakerEnabled(), true);
      io.write8(0x61, 0x01);
      assert.equal(pit.speakerEnabled(), false);
    });

    test('channel 2 never raises IRQ0', () => {
      const { pit, io, clock, irq } = setup();
      io.write8(0x43, 0x30); // stop channel 0 (mode 0, no count yet)
      io.write8(0x61, 0x01);
      io.write8(0x43, 0xb4);
      io.write8(0x42, 10); io.write8(0x42, 0);
      runUntil(pit, clock, 1_000_000);
      assert.equal(irq.pulses, 0);
      assert.equal(pit.nextEventNs(), Infinity);
    });
  });
});
