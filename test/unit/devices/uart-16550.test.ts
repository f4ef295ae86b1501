import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { IoBus } from '../../../src/machine/bus/io-bus.js';
import type { IrqLine } from '../../../src/machine/bus/irq.js';
import type { MachineClock } from '../../../src/machine/time/clock.js';
import { Uart16550 } from '../../../src/machine/devices/uart-16550.js';

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

const COM1 = 0x3f8;
const THR = COM1, RBR = COM1, IER = COM1 + 1, IIR = COM1 + 2, FCR = COM1 + 2, LCR = COM1 + 3;
const MCR = COM1 + 4, LSR = COM1 + 5, MSR = COM1 + 6, SCR = COM1 + 7;

function setup(withClock = true): { uart: Uart16550; io: IoBus; irq: LevelIrq; sent: number[]; clock: FakeClock } {
  const io = new IoBus();
  const irq = new LevelIrq();
  const sent: number[] = [];
  const clock = new FakeClock();
  const uart = withClock ? new Uart16550(irq, (b) => sent.push(b), clock) : new Uart16550(irq, (b) => sent.push(b));
  uart.attach(io);
  return { uart, io, irq, sent, clock };
}

/** The usual driver init: 115200 8N1, FIFO with the given FCR, DTR|RTS|OUT2. */
function driverInit(io: IoBus, fcr: number): void {
  io.write8(IER, 0x00);
  io.write8(LCR, 0x80);
  io.write8(COM1, 0x01); io.write8(COM1 + 1, 0x00);
  io.write8(LCR, 0x03);
  io.write8(FCR, fcr);
  io.write8(MCR, 0x0b);
}

function drain(io: IoBus): number[] {
  const bytes: number[] = [];
  while (io.read8(LSR) & 0x01) bytes.push(io.read8(RBR));
  return bytes;
}

describe('Uart16550', () => {
  describe('registers', () => {
    test('transmit completes at once: THR bytes reach the host and LSR shows THRE|TEMT', () => {
      const { io, sent } = setup();
      driverInit(io, 0xc7);
      for (const ch of 'hi\n') io.write8(THR, ch.charCodeAt(0));
      assert.deepEqual(sent, [0x68, 0x69, 0x0a]);
      assert.equal(io.read8(LSR), 0x60);
    });

    test('DLAB switches offsets 0 and 1 to the divisor latch', () => {
      const { io } = setup();
      io.write8(IER, 0x05);
      io.write8(LCR, 0x83);
      io.write8(COM1, 0x0c); io.write8(COM1 + 1, 0x34);
      assert.equal(io.read8(COM1), 0x0c);
      assert.equal(io.read8(COM1 + 1), 0x34);
      io.write8(LCR, 0x03);
      assert.equal(io.read8(IER), 0x05, 'IER kept');
      assert.equal(io.read8(LCR), 0x03);
    });

    test('scratch register stores a byte; IIR without FIFOs has bits 7-6 clear', () => {
      const { io } = setup();
      io.write8(SCR, 0xa5);
      assert.equal(io.read8(SCR), 0xa5);
      assert.equal(io.read8(IIR), 0x01);
      io.write8(FCR, 0x01);
      assert.equal(io.read8(IIR), 0xc1);
    });

    test('reading an empty receiver returns 0 and leaves DR clear; LSR writes are ignored', () => {
      const { io } = setup();
      assert.equal(io.read8(RBR), 0);
      io.write8(LSR, 0xff);
      assert.equal(io.read8(LSR), 0x60);
    });

    test('MSR shows the host link as DCD|DSR|CTS outside loopback', () => {
      const { io } = setup();
      assert.equal(io.read8(MSR), 0xb0);
    });
  });

  describe('loopback', () => {
    test('TX is echoed into RX and the host sees nothing', () => {
      const { io, sent } = setup();
      io.write8(MCR, 0x1e);
      io.write8(THR, 0xae);
      assert.equal(io.read8(LSR) & 0x01, 0x01);
      assert.equal(io.read8(RBR), 0xae);
      assert.deepEqual(sent, []);
    });

    test('MSR reflects MCR: RTS->CTS, DTR->DSR, OUT1->RI, OUT2->DCD, with delta bits', () => {
      const { io } = setup();
      io.write8(MCR, 0x10);
      io.read8(MSR);
      io.write8(MCR, 0x10 | 0x0f);
      assert.equal(io.read8(MSR), 0xf0 | 0x0b, 'all lines up; DCTS, DDSR, DDCD (RI rose: no TERI)');
      io.write8(MCR, 0x10 | 0x0b);
      assert.equal(io.read8(MSR), 0xb0 | 0x04, 'RI fell: TERI');
      assert.equal(io.read8(MSR), 0xb0, 'deltas clear on read');
    });

    test('host input waits while the receiver is in loopback', () => {
      const { uart, io } = setup();
      io.write8(MCR, 0x10);
      uart.receive('x');
      assert.equal(io.read8(LSR) & 0x01, 0);
      io.write8(MCR, 0x00);
      assert.equal(io.read8(RBR), 0x78);
    });

    test('the IRQ pin stays low in loopback even with OUT2 set', () => {
      const { io, irq } = setup();
      io.write8(IER, 0x01);
      io.write8(MCR, 0x18);
      io.write8(THR, 0x41);
      assert.equal(io.read8(IIR) & 0x0f, 0x04, 'the interrupt is pending inside the chip');
      assert.equal(irq.level, false);
    });
  });

  describe('FIFO and trigger levels', () => {
    for (const [fcr, level] of [[0x07, 1], [0x47, 4], [0x87, 8], [0xc7, 14]] as const) {
      test(`trigger level ${level}: RX data interrupt only once ${level} bytes are waiting`, () => {
        const { uart, io, irq } = setup();
        driverInit(io, fcr);
        io.write8(IER, 0x01);
        if (level > 1) {
          uart.receive(new Uint8Array(level - 1).fill(0x61));
          assert.equal(io.read8(IIR), 0xc1);
          assert.equal(irq.level, false);
        }
        uart.receive('b');
        assert.equal(io.read8(IIR), 0xc4);
        assert.equal(irq.level, true);
        io.read8(RBR);
        if (level > 1) assert.equal(irq.level, false, 'below the trigger level again');
      });
    }

    test('character timeout: fewer bytes than the trigger level interrupt after four character times', () => {
      const { uart, io, irq, clock } = setup();
      driverInit(io, 0x87); // trigger 8
      io.write8(IER, 0x01);
      clock.ns = 1_000_000;
      uart.receive('abc');
      const due = uart.nextEventNs();
      // 115200 baud 8N1: 10 bits per character, 4 characters = 40 bit times.
      assert.equal(due, 1_000_000 + (40 * 1e9) / 115200);
      clock.ns = due - 1;
      uart.advance(clock.ns);
      assert.equal(io.read8(IIR), 0xc1);
      clock.ns = due;
      uart.advance(clock.ns);
      assert.equal(irq.level, true);
      assert.equal(io.read8(IIR), 0xcc);
      assert.equal(io.read8(RBR), 0x61);
      assert.equal(io.read8(IIR), 0xc1, 'reading RBR restarts the timer');
      assert.equal(irq.level, false);
    });

    test('without a clock the timeout follows advance() time', () => {
      const { uart, io } = setup(false);
      driverInit(io, 0x87);
      io.write8(IER, 0x01);
      uart.advance(5_000_000);
      uart.receive('a');
      uart.advance(5_000_000 + 400_000);
      assert.equal(io.read8(IIR), 0xcc);
    });

    test('host input is lossless: 40 bytes arrive in order through the 16-byte FIFO', () => {
      const { uart, io } = setup();
      driverInit(io, 0xc7);
      const text = 'The quick brown fox jumps over the lazy.';
      uart.receive(text);
      assert.equal(uart.pendingInput(), 40 - 16);
      const got = drain(io);
      assert.equal(String.fromCharCode(...got), text);
      assert.equal(uart.pendingInput(), 0);
    });

    test('strings are sent as UTF-8', () => {
      const { uart, io } = setup();
      driverInit(io, 0x07);
      uart.receive('é');
      assert.deepEqual(drain(io), [0xc3, 0xa9]);
    });

    test('without FIFOs the receiver holds one byte and refills from the host queue', () => {
      const { uart, io } = setup();
      uart.receive('xy');
      assert.equal(uart.pendingInput(), 1);
      assert.deepEqual(drain(io), [0x78, 0x79]);
    });

    test('clearing the RX FIFO drops loopback bytes but returns host bytes to the queue', () => {
      const { uart, io } = setup();
      io.write8(FCR, 0x01);
      io.write8(MCR, 0x10);
      io.write8(THR, 0x55);
      io.write8(FCR, 0x03);
      assert.equal(io.read8(LSR) & 0x01, 0, 'loopback byte gone');
      io.write8(MCR, 0x00);
      uart.receive('ok');
      io.write8(FCR, 0x03);
      assert.deepEqual(drain(io), [0x6f, 0x6b]);
    });

    test('a full FIFO in loopback overruns: the new byte is lost and LSR.OE set until read', () => {
      const { io } = setup();
      io.write8(FCR, 0x01);
      io.write8(MCR, 0x10);
      for (let i = 0; i < 17; i++) io.write8(THR, i);
      assert.equal(io.read8(LSR) & 0x03, 0x03);
      assert.equal(io.read8(LSR) & 0x02, 0, 'OE clears on read');
      assert.deepEqual(drain(io), Array.from({ length: 16 }, (_, i) => i));
    });
  });

  describe('interrupt identification and the IRQ line', () => {
    test('without FIFOs, each host byte read from RBR gives the edge-triggered PIC a new rising edge', () => {
      const { uart, io, irq } = setup();
      driverInit(io, 0x00);
      io.write8(IER, 0x01);
      uart.receive('abc');
      assert.equal(irq.rises, 1);
      assert.equal(io.read8(RBR), 0x61);
      assert.equal(irq.rises, 2, 'the line must drop and rise again for the next byte');
      assert.equal(io.read8(RBR), 0x62);
      assert.equal(io.read8(RBR), 0x63);
      assert.equal(irq.rises, 3);
      assert.equal(irq.level, false, 'nothing left: the line stays low');
    });

    test('priorities: line status > RX data > THRE > modem status', () => {
      const { io } = setup();
      io.write8(MCR, 0x10); // loopback, FIFOs off
      io.write8(THR, 1);
      io.write8(THR, 2); // overrun
      io.write8(MCR, 0x11); // DTR up: DSR delta
      io.write8(IER, 0x0f);
      assert.equal(io.read8(IIR), 0x06);
      io.read8(LSR);
      assert.equal(io.read8(IIR), 0x04);
      io.read8(RBR);
      assert.equal(io.read8(IIR), 0x02);
      assert.equal(io.read8(IIR), 0x00, 'reading IIR cleared THRE; modem status is next');
      io.read8(MSR);
      assert.equal(io.read8(IIR), 0x01);
    });

    test('enabling ETBEI with THR empty raises THRE; reading IIR clears it and lowers the IRQ', () => {
      const { io, irq } = setup();
      driverInit(io, 0xc7);
      io.write8(IER, 0x02);
      assert.equal(irq.level, true);
      assert.equal(io.read8(IIR), 0xc2);
      assert.equal(irq.level, false);
      assert.equal(io.read8(IIR), 0xc1);
    });

    test('each THR write makes a fresh rising edge once the byte has gone', () => {
      const { io, irq } = setup();
      driverInit(io, 0xc7);
      io.write8(IER, 0x02);
      const before = irq.rises;
      io.write8(THR, 0x41);
      io.write8(THR, 0x42);
      assert.equal(irq.rises, before + 2);
      assert.equal(irq.level, true);
    });

    test('MCR.OUT2 gates the IRQ line as on a PC', () => {
      const { uart, io, irq } = setup();
      io.write8(IER, 0x01);
      io.write8(MCR, 0x03);
      uart.receive('z');
      assert.equal(io.read8(IIR) & 0x0f, 0x04);
      assert.equal(irq.level, false);
      io.write8(MCR, 0x0b);
      assert.equal(irq.level, true);
      io.read8(RBR);
      assert.equal(irq.level, false, 'lowered when nothing is pending');
    });

    test('MCR resets to OUT2 (as QEMU), so setting IER alone is enough for interrupts', () => {
      const { uart, io, irq } = setup();
      assert.equal(io.read8(MCR), 0x08);
      io.write8(IER, 0x01);
      uart.receive('k');
      assert.equal(irq.level, true);
    });

    test('attach at another base and name (COM2)', () => {
      const io = new IoBus();
      const sent: number[] = [];
      const uart = new Uart16550(new LevelIrq(), (b) => sent.push(b));
      uart.attach(io, 0x2f8, 'com2');
      io.write8(0x2f8, 0x21);
      assert.deepEqual(sent, [0x21]);
      assert.equal(io.ownerOf(0x2ff), 'com2');
    });

    test('reset returns registers to their defaults and keeps host input', () => {
      const { uart, io } = setup();
      driverInit(io, 0xc7);
      uart.receive('q');
      uart.reset();
      assert.equal(io.read8(LCR), 0);
      assert.equal(io.read8(IIR), 0x01);
      assert.equal(io.read8(RBR), 0x71);
    });
  });
});
