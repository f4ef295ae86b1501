import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { IoBus } from '../../../src/machine/bus/io-bus.js';
import { Pic8259Pair } from '../../../src/machine/devices/pic-8259.js';

function setup(): { pic: Pic8259Pair; io: IoBus } {
  const io = new IoBus();
  const pic = new Pic8259Pair();
  pic.attach(io);
  return { pic, io };
}

/** The sequence Linux's init_8259A() uses: vectors 0x20 and 0x28, cascade on IR2, 8086 mode, normal EOI. */
function linuxInit(io: IoBus): void {
  io.write8(0x21, 0xff); io.write8(0xa1, 0xff);
  io.write8(0x20, 0x11); io.write8(0x21, 0x20); io.write8(0x21, 0x04); io.write8(0x21, 0x01);
  io.write8(0xa0, 0x11); io.write8(0xa1, 0x28); io.write8(0xa1, 0x02); io.write8(0xa1, 0x01);
  io.write8(0x21, 0x00); io.write8(0xa1, 0x00);
}

function readIsr(io: IoBus, port: number): number {
  io.write8(port, 0x0b);
  const value = io.read8(port);
  io.write8(port, 0x0a);
  return value;
}

function pulse(pic: Pic8259Pair, n: number): void {
  pic.irqLine(n).raise();
  pic.irqLine(n).lower();
}

describe('Pic8259Pair', () => {
  describe('initialization', () => {
    test('Linux sequence programs the vector bases and the mask reads back on the odd port', () => {
      const { pic, io } = setup();
      linuxInit(io);
      io.write8(0x21, 0xfa);
      assert.equal(io.read8(0x21), 0xfa);
      io.write8(0xa1, 0x5a);
      assert.equal(io.read8(0xa1), 0x5a);
      io.write8(0x21, 0x00); io.write8(0xa1, 0x00);
      pulse(pic, 1);
      assert.equal(pic.acknowledge(), 0x21);
      pulse(pic, 9);
      io.write8(0x20, 0x20); // EOI IRQ1
      assert.equal(pic.acknowledge(), 0x29);
    });

    test('ICW1 clears the mask, IRR and ISR, and starts a new sequence', () => {
      const { pic, io } = setup();
      linuxInit(io);
      pulse(pic, 3);
      io.write8(0x21, 0xf0);
      io.write8(0x20, 0x11);
      assert.equal(io.read8(0x20), 0x00, 'IRR cleared');
      io.write8(0x21, 0x30); io.write8(0x21, 0x04); io.write8(0x21, 0x01);
      assert.equal(io.read8(0x21), 0x00, 'mask cleared');
      pulse(pic, 3);
      assert.equal(pic.acknowledge(), 0x33);
    });

    test('single mode without ICW4 takes only ICW2, and the next odd-port write is OCW1', () => {
      const { pic, io } = setup();
      io.write8(0x20, 0x12); // ICW1: single, no ICW4
      io.write8(0x21, 0x40); // ICW2
      io.write8(0x21, 0xfd); // OCW1: only IRQ1 unmasked
      assert.equal(io.read8(0x21), 0xfd);
      pulse(pic, 1);
      assert.equal(pic.acknowledge(), 0x41);
    });

    test('an IRQ number outside 0..15 is a host wiring error', () => {
      const { pic } = setup();
      assert.throws(() => pic.irqLine(16), RangeError);
      assert.throws(() => pic.setIrq(-1, true), RangeError);
    });
  });

  describe('edge triggering', () => {
    test('IRR latches on the rising edge and stays latched after the line falls', () => {
      const { pic, io } = setup();
      linuxInit(io);
      pulse(pic, 4);
      assert.equal(io.read8(0x20) & 0x10, 0x10);
      assert.equal(pic.hasInterrupt(), true);
      assert.equal(pic.acknowledge(), 0x24);
      assert.equal(io.read8(0x20) & 0x10, 0, 'IRR cleared by INTA');
    });

    test('a line held high requests once; a new request needs a new rising edge', () => {
      const { pic, io } = setup();
      linuxInit(io);
      const line = pic.irqLine(4);
      line.raise();
      assert.equal(pic.acknowledge(), 0x24);
      io.write8(0x20, 0x20);
      line.raise();
      assert.equal(pic.hasInterrupt(), false);
      line.lower();
      line.raise();
      assert.equal(pic.hasInterrupt(), true);
    });

    test('a masked request stays in IRR and is delivered once unmasked', () => {
      const { pic, io } = setup();
      linuxInit(io);
      io.write8(0x21, 0x01);
      pulse(pic, 0);
      assert.equal(pic.hasInterrupt(), false);
      assert.equal(io.read8(0x20) & 1, 1);
      io.write8(0x21, 0x00);
      assert.equal(pic.hasInterrupt(), true);
      assert.equal(pic.acknowledge(), 0x20);
    });

    test('ICW1 with LTIM makes IRR follow the line level', () => {
      const { pic, io } = setup();
      io.write8(0x20, 0x19); io.write8(0x21, 0x20); io.write8(0x21, 0x04); io.write8(0x21, 0x01);
      pulse(pic, 5);
      assert.equal(pic.hasInterrupt(), false);
      pic.irqLine(5).raise();
      assert.equal(pic.hasInterrupt(), true);
    });
  });

  describe('priority and EOI', () => {
    test('fully nested: lower priorities wait for EOI, higher ones nest', () => {
      const { pic, io } = setup();
      linuxInit(io);
      pulse(pic, 3);
      pulse(pic, 1);
      assert.equal(pic.acknowledge(), 0x21, 'IRQ1 beats IRQ3');
      assert.equal(pic.hasInterrupt(), false, 'IRQ3 waits while IRQ1 is in service');
      pulse(pic, 0);
      assert.equal(pic.acknowledge(), 0x20, 'IRQ0 nests inside IRQ1');
      assert.equal(readIsr(io, 0x20), 0x03);
      io.write8(0x20, 0x20); // non-specific EOI ends IRQ0, the highest in service
      assert.equal(readIsr(io, 0x20), 0x02);
      assert.equal(pic.hasInterrupt(), false);
      io.write8(0x20, 0x20);
      assert.equal(pic.acknowledge(), 0x23);
    });

    test('specific EOI clears the named level only', () => {
      const { pic, io } = setup();
      linuxInit(io);
      pulse(pic, 5);
      pic.acknowledge();
      pulse(pic, 3);
      pic.acknowledge();
      assert.equal(readIsr(io, 0x20), 0x28);
      io.write8(0x20, 0x65); // specific EOI level 5
      assert.equal(readIsr(io, 0x20), 0x08);
    });

    test('OCW3 selects IRR or ISR for even-port reads', () => {
      const { pic, io } = setup();
      linuxInit(io);
      pulse(pic, 6);
      pulse(pic, 7);
      pic.acknowledge();
      io.write8(0x20, 0x0a);
      assert.equal(io.read8(0x20), 0x80, 'IRR: IRQ7 waiting');
      io.write8(0x20, 0x0b);
      assert.equal(io.read8(0x20), 0x40, 'ISR: IRQ6 in service');
    });

    test('rotate on non-specific EOI makes the serviced level lowest priority', () => {
      const { pic, io } = setup();
      linuxInit(io);
      pulse(pic, 1);
      assert.equal(pic.acknowledge(), 0x21);
      io.write8(0x20, 0xa0); // rotate on non-specific EOI: IRQ1 becomes lowest
      pulse(pic, 1);
      pulse(pic, 4);
      assert.equal(pic.acknowledge(), 0x24);
    });

    test('xv6 setup: auto-EOI never sets ISR', () => {
      const { pic, io } = setup();
      io.write8(0x21, 0xff); io.write8(0xa1, 0xff);
      io.write8(0x20, 0x11); io.write8(0x21, 32); io.write8(0x21, 1 << 2); io.write8(0x21, 0x03);
      io.write8(0xa0, 0x11); io.write8(0xa1, 40); io.write8(0xa1, 2); io.write8(0xa1, 0x03);
      io.write8(0x20, 0x68); io.write8(0x20, 0x0a); io.write8(0xa0, 0x68); io.write8(0xa0, 0x0a);
      io.write8(0x21, 0xfa); // unmask IRQ0 and the cascade
      pulse(pic, 0);
      assert.equal(pic.acknowledge(), 32);
      assert.equal(readIsr(io, 0x20), 0);
      pulse(pic, 0);
      assert.equal(pic.acknowledge(), 32, 'no EOI needed');
    });

    test('poll mode: the even-port read answers 0x80|level and acknowledges', () => {
      const { pic, io } = setup();
      linuxInit(io);
      pulse(pic, 5);
      io.write8(0x20, 0x0c);
      assert.equal(io.read8(0x20), 0x85);
      assert.equal(readIsr(io, 0x20), 0x20);
      io.write8(0x20, 0x0c);
      assert.equal(io.read8(0x20), 0x00, 'nothing pending');
    });
  });

  describe('cascade', () => {
    test('a slave request appears as IRQ2 on the master and needs EOI on both chips', () => {
      const { pic, io } = setup();
      linuxInit(io);
      pulse(pic, 12);
      assert.equal(io.read8(0x20) & 0x04, 0x04, 'master IRR shows IR2');
      assert.equal(pic.acknowledge(), 0x2c);
      assert.equal(readIsr(io, 0x20), 0x04);
      assert.equal(readIsr(io, 0xa0), 0x10);
      pulse(pic, 3);
      assert.equal(pic.hasInterrupt(), false, 'IRQ3 is below the IRQ2 in service');
      pulse(pic, 1);
      assert.equal(pic.acknowledge(), 0x21, 'IRQ1 is above it');
      io.write8(0x20, 0x20);
      io.write8(0xa0, 0x20);
      io.write8(0x20, 0x20);
      assert.equal(readIsr(io, 0xa0), 0);
      assert.equal(readIsr(io, 0x20), 0);
      assert.equal(pic.acknowledge(), 0x23);
    });

    test('slave priorities: IRQ8 beats IRQ14, and a second slave request follows the slave EOI', () => {
      const { pic, io } = setup();
      linuxInit(io);
      pulse(pic, 14);
      pulse(pic, 8);
      assert.equal(pic.acknowledge(), 0x28);
      io.write8(0xa0, 0x20);
      io.write8(0x20, 0x20);
      assert.equal(pic.acknowledge(), 0x2e);
    });

    test('masking the cascade input hides every slave request', () => {
      const { pic, io } = setup();
      linuxInit(io);
      io.write8(0x21, 0x04);
      pulse(pic, 15);
      assert.equal(pic.hasInterrupt(), false);
      io.write8(0x21, 0x00);
      assert.equal(pic.acknowledge(), 0x2f);
      assert.equal(readIsr(io, 0xa0), 0x80, 'a real IRQ15, in service on the slave');
    });

    test('irqLine(2) is the ISA IRQ2/9 pin, delivered as IRQ9', () => {
      const { pic, io } = setup();
      linuxInit(io);
      pulse(pic, 2);
      assert.equal(pic.acknowledge(), 0x29);
    });
  });

  describe('spurious interrupts', () => {
    test('INTA with nothing pending returns the master IR7 vector without setting ISR', () => {
      const { pic, io } = setup();
      linuxInit(io);
      assert.equal(pic.acknowledge(), 0x27);
      assert.equal(readIsr(io, 0x20), 0);
    });

    test('a slave request masked between INTR and INTA gives IRQ15 with only the master IR2 in service', () => {
      const { pic, io } = setup();
      linuxInit(io);
      pulse(pic, 12);
      assert.equal(pic.hasInterrupt(), true);
      // The master already latched IR2; the slave loses its request before INTA.
      io.write8(0xa1, 0x10);
      assert.equal(pic.acknowledge(), 0x2f);
      assert.equal(readIsr(io, 0x20), 0x04);
      assert.equal(readIsr(io, 0xa0), 0x00);
    });
  });
});
