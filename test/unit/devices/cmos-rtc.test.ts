import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { IoBus } from '../../../src/machine/bus/io-bus.js';
import type { IrqLine } from '../../../src/machine/bus/irq.js';
import type { MachineClock } from '../../../src/machine/time/clock.js';
import { CmosRtc } from '../../../src/machine/devices/cmos-rtc.js';

class FakeClock implements MachineClock {
  ns = 0;
  nowNs(): number { return this.ns; }
}

class LevelIrq implements IrqLine {
  level = false;
  rises = 0;
  raise(): void { if (!this.level) this.rises++; this.level = true; }
  lower(): void { this.level = false; }
}

const SECOND = 1_000_000_000;
/** A Thursday, one second before a leap day ends. */
const START = new Date('2024-02-29T23:59:58.000Z');

function setup(start = START): { rtc: CmosRtc; io: IoBus; clock: FakeClock; irq: LevelIrq } {
  const io = new IoBus();
  const clock = new FakeClock();
  const irq = new LevelIrq();
  const rtc = new CmosRtc(clock, start, irq);
  rtc.attach(io);
  return { rtc, io, clock, irq };
}

function read(io: IoBus, index: number): number {
  io.write8(0x70, index);
  return io.read8(0x71);
}

function write(io: IoBus, index: number, value: number): void {
  io.write8(0x70, index);
  io.write8(0x71, value);
}

/** Registers 0, 2, 4, 6, 7, 8, 9, 0x32: seconds, minutes, hours, weekday, day, month, year, century. */
function readTime(io: IoBus): number[] {
  return [0x00, 0x02, 0x04, 0x06, 0x07, 0x08, 0x09, 0x32].map((i) => read(io, i));
}

describe('CmosRtc', () => {
  describe('time of day', () => {
    test('BCD, 24-hour by default: the start time in UTC', () => {
      const { io } = setup();
      assert.deepEqual(readTime(io), [0x58, 0x59, 0x23, 0x05, 0x29, 0x02, 0x24, 0x20]);
    });

    test('guest time moves the clock across midnight into March', () => {
      const { io, clock } = setup();
      clock.ns = 2 * SECOND;
      assert.deepEqual(readTime(io), [0x00, 0x00, 0x00, 0x06, 0x01, 0x03, 0x24, 0x20]);
    });

    test('binary mode (register B bit 2)', () => {
      const { io } = setup();
      write(io, 0x0b, 0x06);
      assert.deepEqual(readTime(io), [58, 59, 23, 5, 29, 2, 24, 20]);
    });

    test('12-hour mode puts PM in bit 7 and shows midnight and noon as 12', () => {
      const at = (iso: string): number => {
        const { io } = setup(new Date(iso));
        write(io, 0x0b, 0x00);
        return read(io, 0x04);
      };
      assert.equal(at('2024-01-01T23:00:00Z'), 0x91);
      assert.equal(at('2024-01-01T00:30:00Z'), 0x12);
      assert.equal(at('2024-01-01T12:00:00Z'), 0x92);
      assert.equal(at('2024-01-01T09:00:00Z'), 0x09);
    });

    test('SET freezes the clock, the guest writes a time, and clearing SET runs from it', () => {
      const { io, clock } = setup();
      write(io, 0x0b, 0x82);
      clock.ns = 5 * SECOND;
      assert.equal(read(io, 0x00), 0x58, 'frozen');
      write(io, 0x00, 0x30);
      write(io, 0x02, 0x15);
      write(io, 0x04, 0x10);
      write(io, 0x07, 0x31); // day 31 before the month: must not roll over while SET is on
      write(io, 0x08, 0x12);
      write(io, 0x09, 0x99);
      write(io, 0x32, 0x19);
      write(io, 0x06, 0x06);
      write(io, 0x0b, 0x02);
      assert.deepEqual(readTime(io), [0x30, 0x15, 0x10, 0x06, 0x31, 0x12, 0x99, 0x19]);
      clock.ns += 31 * SECOND;
      assert.deepEqual(readTime(io).slice(0, 2), [0x01, 0x16]);
    });

    test('a time write without SET applies to the running clock at once', () => {
      const { io, clock } = setup();
      write(io, 0x02, 0x10);
      assert.equal(read(io, 0x02), 0x10);
      clock.ns = 3 * SECOND;
      assert.deepEqual([read(io, 0x00), read(io, 0x02)], [0x01, 0x11]);
    });

    test('UIP is set only in the 244 us before each update', () => {
      const { io, clock } = setup(new Date('2024-01-01T00:00:00.000Z'));
      clock.ns = SECOND - 245_000;
      assert.equal(read(io, 0x0a) & 0x80, 0);
      clock.ns = SECOND - 244_000;
      assert.equal(read(io, 0x0a) & 0x80, 0x80);
      clock.ns = SECOND;
      assert.equal(read(io, 0x0a) & 0x80, 0);
      assert.equal(read(io, 0x00), 0x01);
    });

    test('the divider held in reset stops the clock; release gives the first update 500 ms later', () => {
      const { io, clock } = setup(new Date('2024-01-01T00:00:00.000Z'));
      write(io, 0x0a, 0x76);
      clock.ns = 10 * SECOND;
      assert.equal(read(io, 0x00), 0x00);
      write(io, 0x0a, 0x26);
      clock.ns += 499_000_000;
      assert.equal(read(io, 0x00), 0x00);
      clock.ns += 1_000_000;
      assert.equal(read(io, 0x00), 0x01);
    });
  });

  describe('status registers and interrupts', () => {
    test('register A defaults to 0x26 and UIP is read-only; D reads 0x80 (VRT)', () => {
      const { io } = setup(new Date('2024-01-01T00:00:00.000Z'));
      assert.equal(read(io, 0x0a), 0x26);
      write(io, 0x0a, 0xa6);
      assert.equal(read(io, 0x0a), 0x26);
      assert.equal(read(io, 0x0d), 0x80);
      write(io, 0x0d, 0x00);
      assert.equal(read(io, 0x0d), 0x80);
    });

    test('periodic interrupt at 1024 Hz on IRQ8; reading C clears the flags and lowers the line', () => {
      const { rtc, io, clock, irq } = setup();
      write(io, 0x0b, 0x42); // PIE
      const period = SECOND / 1024;
      assert.equal(rtc.nextEventNs(), Math.ceil(period));
      clock.ns = Math.ceil(period);
      rtc.advance(clock.ns);
      assert.equal(irq.level, true);
      assert.equal(rtc.nextEventNs(), Infinity, 'nothing new to signal until C is read');
      assert.equal(read(io, 0x0c), 0xc0);
      assert.equal(irq.level, false);
      assert.equal(read(io, 0x0c), 0x00);
      assert.equal(rtc.nextEventNs(), Math.ceil(2 * period));
    });

    test('the periodic rate comes from register A bits 3-0; rate 0 stops it', () => {
      const { rtc, io } = setup();
      write(io, 0x0b, 0x42);
      write(io, 0x0a, 0x23); // rate 3: 8192 Hz
      assert.equal(rtc.nextEventNs(), Math.ceil(SECOND / 8192));
      write(io, 0x0a, 0x2f); // rate 15: 2 Hz
      assert.equal(rtc.nextEventNs(), SECOND / 2);
      write(io, 0x0a, 0x20);
      assert.equal(rtc.nextEventNs(), Infinity);
    });

    test('flags are set even with the interrupt disabled, without raising IRQ8', () => {
      const { io, clock, irq } = setup(new Date('2024-01-01T10:00:00Z'));
      clock.ns = 3 * SECOND;
      assert.equal(read(io, 0x0c), 0x50, 'PF and UF, no IRQF');
      assert.equal(irq.rises, 0);
    });

    test('update-ended interrupt once per second', () => {
      const { rtc, io, clock, irq } = setup(new Date('2024-01-01T00:00:00.250Z'));
      write(io, 0x0b, 0x12); // UIE
      assert.equal(rtc.nextEventNs(), 750_000_000);
      clock.ns = 750_000_000;
      rtc.advance(clock.ns);
      assert.equal(irq.level, true);
      assert.equal(read(io, 0x0c) & 0x90, 0x90);
    });

    test('alarm interrupt when seconds, minutes and hours match; 0xC0+ means any', () => {
      const { rtc, io, clock, irq } = setup(new Date('2024-01-01T10:20:00Z'));
      write(io, 0x01, 0x05);
      write(io, 0x03, 0xff);
      write(io, 0x05, 0x10);
      write(io, 0x0b, 0x22); // AIE
      clock.ns = 4 * SECOND;
      rtc.advance(clock.ns);
      assert.equal(irq.level, false);
      clock.ns = 5 * SECOND;
      rtc.advance(clock.ns);
      assert.equal(irq.level, true);
      assert.equal(read(io, 0x0c) & 0xa0, 0xa0);
    });

    test('setting SET clears UIE; reset clears the interrupt enables and flags', () => {
      const { rtc, io } = setup();
      write(io, 0x0b, 0x72);
      write(io, 0x0b, 0xf2);
      assert.equal(read(io, 0x0b), 0xe2);
      write(io, 0x0b, 0x72);
      rtc.reset();
      assert.equal(read(io, 0x0b), 0x02);
    });
  });

  describe('CMOS RAM and ports', () => {
    test('setMemorySizes fills the base, extended and above-16-MiB fields with the BIOS checksum', () => {
      const { rtc, io } = setup();
      rtc.setMemorySizes(640, 63 * 1024); // a 64 MiB machine
      assert.equal(read(io, 0x15) | (read(io, 0x16) << 8), 640);
      assert.equal(read(io, 0x17) | (read(io, 0x18) << 8), 63 * 1024);
      assert.equal(read(io, 0x30) | (read(io, 0x31) << 8), 63 * 1024);
      assert.equal(read(io, 0x34) | (read(io, 0x35) << 8), (48 * 1024) / 64);
      let sum = 0;
      for (let i = 0x10; i <= 0x2d; i++) sum += read(io, i);
      assert.equal((read(io, 0x2e) << 8) | read(io, 0x2f), sum);
    });

    test('extended memory and the 64 KiB block count are capped at 0xFFFF; small machines have nothing above 16 MiB', () => {
      const { rtc, io } = setup();
      rtc.setMemorySizes(640, 127 * 1024);
      assert.equal(read(io, 0x17) | (read(io, 0x18) << 8), 0xffff);
      assert.equal(read(io, 0x34) | (read(io, 0x35) << 8), (112 * 1024) / 64);
      rtc.setMemorySizes(640, 5 * 1024 * 1024);
      assert.equal(read(io, 0x34) | (read(io, 0x35) << 8), 0xffff);
      rtc.setMemorySizes(640, 7 * 1024);
      assert.equal(read(io, 0x34) | (read(io, 0x35) << 8), 0);
    });

    test('other CMOS bytes are plain storage', () => {
      const { io } = setup();
      write(io, 0x40, 0x5a);
      write(io, 0x7f, 0xa5);
      assert.equal(read(io, 0x40), 0x5a);
      assert.equal(read(io, 0x7f), 0xa5);
    });

    test('index bit 7 is the NMI mask; the index port reads 0xFF', () => {
      const { rtc, io } = setup();
      assert.equal(rtc.nmiMasked, false);
      io.write8(0x70, 0x80 | 0x40);
      assert.equal(rtc.nmiMasked, true);
      io.write8(0x71, 0x33);
      io.write8(0x70, 0x40);
      assert.equal(rtc.nmiMasked, false);
      assert.equal(io.read8(0x71), 0x33, 'bit 7 is not part of the index');
      assert.equal(io.read8(0x70), 0xff);
    });
  });
});
