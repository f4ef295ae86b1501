import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { IoBus } from '../../../src/machine/bus/io-bus.js';
import type { IrqLine } from '../../../src/machine/bus/irq.js';
import { AtaPio } from '../../../src/machine/devices/ata-pio.js';

class LevelIrq implements IrqLine {
  level = false;
  rises = 0;
  raise(): void { if (!this.level) this.rises++; this.level = true; }
  lower(): void { this.level = false; }
}

const DATA = 0x1f0, ERROR = 0x1f1, FEATURES = 0x1f1, COUNT = 0x1f2, LBA_LOW = 0x1f3, LBA_MID = 0x1f4;
const LBA_HIGH = 0x1f5, DEVICE = 0x1f6, STATUS = 0x1f7, COMMAND = 0x1f7, ALT_STATUS = 0x3f6, CONTROL = 0x3f6;

/** An image whose every sector starts with its own number and is otherwise filled with a pattern. */
function makeImage(sectors: number): Uint8Array {
  const image = new Uint8Array(sectors * 512);
  for (let s = 0; s < sectors; s++) {
    for (let i = 0; i < 512; i++) image[s * 512 + i] = (s * 7 + i) & 0xff;
    image[s * 512] = s & 0xff;
    image[s * 512 + 1] = s >> 8;
  }
  return image;
}

function setup(sectors = 2048, writeBack = false): { ata: AtaPio; io: IoBus; irq: LevelIrq; image: Uint8Array } {
  const io = new IoBus();
  const irq = new LevelIrq();
  const ata = new AtaPio(irq);
  ata.attach(io);
  const image = makeImage(sectors);
  ata.attachDisk(image, { writeBack });
  return { ata, io, irq, image };
}

function lbaCommand(io: IoBus, command: number, lba: number, count: number): void {
  io.write8(DEVICE, 0xe0 | ((lba >> 24) & 0x0f));
  io.write8(COUNT, count);
  io.write8(LBA_LOW, lba & 0xff);
  io.write8(LBA_MID, (lba >> 8) & 0xff);
  io.write8(LBA_HIGH, (lba >> 16) & 0xff);
  io.write8(COMMAND, command);
}

function chsCommand(io: IoBus, command: number, cylinder: number, head: number, sector: number, count: number): void {
  io.write8(DEVICE, 0xa0 | head);
  io.write8(COUNT, count);
  io.write8(LBA_LOW, sector);
  io.write8(LBA_MID, cylinder & 0xff);
  io.write8(LBA_HIGH, cylinder >> 8);
  io.write8(COMMAND, command);
}

function readBlock(io: IoBus, bytes = 512): Uint8Array {
  const out = new Uint8Array(bytes);
  for (let i = 0; i < bytes; i += 2) {
    const word = io.read16(DATA);
    out[i] = word & 0xff;
    out[i + 1] = word >> 8;
  }
  return out;
}

function writeBlock(io: IoBus, data: Uint8Array): void {
  for (let i = 0; i < data.length; i += 2) io.write16(DATA, data[i]! | (data[i + 1]! << 8));
}

function identify(io: IoBus): Uint16Array {
  io.write8(DEVICE, 0xa0);
  io.write8(COMMAND, 0xec);
  const bytes = readBlock(io);
  return new Uint16Array(bytes.buffer);
}

function ataString(words: Uint16Array, first: number, count: number): string {
  let text = '';
  for (let i = first; i < first + count; i++) text += String.fromCharCode(words[i]! >> 8, words[i]! & 0xff);
  return text;
}

function sector(image: Uint8Array, lba: number): Uint8Array {
  return image.subarray(lba * 512, (lba + 1) * 512);
}

describe('AtaPio', () => {
  describe('IDENTIFY DEVICE', () => {
    test('the identify block describes the disk', () => {
      const { io } = setup(100_000);
      const w = identify(io);
      assert.equal(w[0], 0x0040);
      assert.equal(ataString(w, 27, 20), 'KERNELIST HARDDISK'.padEnd(40, ' '));
      assert.match(ataString(w, 10, 10), /^KL\d+ +$/);
      assert.equal(ataString(w, 23, 4).trimEnd(), '1.0');
      assert.equal(w[1], Math.floor(100_000 / (16 * 63)));
      assert.equal(w[3], 16);
      assert.equal(w[6], 63);
      assert.equal(w[49]! & 0x0200, 0x0200, 'LBA supported');
      assert.equal(w[47], 0x8010);
      assert.equal(w[60]! | (w[61]! << 16), 100_000);
      assert.equal(w[53]! & 1, 1);
      assert.deepEqual([w[54], w[55], w[56]], [w[1], 16, 63]);
      assert.equal(w[57]! | (w[58]! << 16), w[1]! * 16 * 63);
      assert.ok(w[80]! & 0x0010, 'ATA/ATAPI-4 or later');
      const bytes = new Uint8Array(w.buffer);
      assert.equal(bytes[510], 0xa5);
      assert.equal(bytes.reduce((a, b) => a + b, 0) & 0xff, 0, 'checksum');
    });

    test('status steps: DRQ with an IRQ, then ready once 256 words are read', () => {
      const { io, irq } = setup();
      io.write8(DEVICE, 0xa0);
      io.write8(COMMAND, 0xec);
      assert.equal(irq.level, true);
      assert.equal(io.read8(ALT_STATUS), 0x58, 'alt status does not acknowledge');
      assert.equal(irq.level, true);
      assert.equal(io.read8(STATUS), 0x58);
      assert.equal(irq.level, false, 'status read acknowledges INTRQ');
      readBlock(io, 510);
      assert.equal(io.read8(STATUS) & 0x08, 0x08);
      io.read16(DATA);
      assert.equal(io.read8(STATUS), 0x50);
      assert.equal(irq.rises, 1, 'no interrupt after the last data-in block');
    });

    test('32-bit data port reads deliver two words each', () => {
      const { io } = setup();
      io.write8(COMMAND, 0xec);
      const first = io.read32(DATA);
      assert.equal(first & 0xffff, 0x0040);
      for (let i = 1; i < 128; i++) io.read32(DATA);
      assert.equal(io.read8(STATUS), 0x50);
    });

    test('IDENTIFY PACKET DEVICE aborts on an ATA disk', () => {
      const { io, irq } = setup();
      io.write8(COMMAND, 0xa1);
      assert.equal(io.read8(STATUS), 0x41);
      assert.equal(io.read8(ERROR), 0x04);
      assert.equal(irq.rises, 1);
    });
  });

  describe('READ SECTORS', () => {
    test('LBA28 read of three sectors: DRQ and an IRQ per sector, data from the image', () => {
      const { io, irq, image } = setup();
      lbaCommand(io, 0x20, 1000, 3);
      for (let s = 0; s < 3; s++) {
        assert.equal(irq.level, true, `IRQ for sector ${s}`);
        assert.equal(io.read8(STATUS), 0x58);
        assert.deepEqual(readBlock(io), sector(image, 1000 + s));
      }
      assert.equal(irq.rises, 3);
      assert.equal(io.read8(STATUS), 0x50);
      assert.equal(io.read8(COUNT), 0);
      assert.equal(io.read8(LBA_LOW) | (io.read8(LBA_MID) << 8), 1003, 'registers point past the transfer');
    });

    test('INTRQ stays asserted until the status register is read: no new edge without it', () => {
      const { io, irq } = setup();
      lbaCommand(io, 0x20, 0, 2);
      readBlock(io);
      assert.equal(irq.level, true);
      assert.equal(irq.rises, 1);
    });

    test('CHS read uses the 16-head, 63-sector translation', () => {
      const { io, image } = setup();
      chsCommand(io, 0x20, 1, 2, 5, 2); // LBA (1*16 + 2)*63 + 4 = 1138
      assert.deepEqual(readBlock(io), sector(image, 1138));
      assert.deepEqual(readBlock(io), sector(image, 1139));
      assert.equal(io.read8(STATUS), 0x50);
      assert.equal(io.read8(LBA_LOW), 7, 'sector number advanced in CHS form');
    });

    test('sector count 0 transfers 256 sectors', () => {
      const { io, irq, image } = setup(600);
      lbaCommand(io, 0x21, 10, 0);
      for (let s = 0; s < 256; s++) {
        io.read8(STATUS);
        assert.deepEqual(readBlock(io), sector(image, 10 + s));
      }
      assert.equal(irq.rises, 256);
      assert.equal(io.read8(STATUS), 0x50);
    });

    test('reading past the end fails with IDNF', () => {
      const { io, irq } = setup(100);
      lbaCommand(io, 0x20, 100, 1);
      assert.equal(irq.level, true);
      assert.equal(io.read8(STATUS), 0x41);
      assert.equal(io.read8(ERROR), 0x10);
      assert.equal(io.read16(DATA), 0, 'no data phase');
    });

    test('a transfer that runs off the end delivers the good sectors, then IDNF at the first bad one', () => {
      const { io, image } = setup(100);
      lbaCommand(io, 0x20, 98, 4);
      assert.deepEqual(readBlock(io), sector(image, 98));
      assert.deepEqual(readBlock(io), sector(image, 99));
      assert.equal(io.read8(STATUS), 0x41);
      assert.equal(io.read8(ERROR), 0x10);
      assert.equal(io.read8(LBA_LOW), 100);
    });

    test('a CHS address with sector 0 or a sector beyond the track fails with IDNF', () => {
      const { io } = setup();
      chsCommand(io, 0x20, 0, 0, 0, 1);
      assert.equal(io.read8(ERROR), 0x10);
      chsCommand(io, 0x20, 0, 0, 64, 1);
      assert.equal(io.read8(STATUS), 0x41);
      assert.equal(io.read8(ERROR), 0x10);
    });
  });

  describe('WRITE SECTORS and the overlay', () => {
    test('LBA write of two sectors: DRQ without IRQ first, then an IRQ after each sector', () => {
      const { ata, io, irq, image } = setup();
      const original = image.slice();
      const data = [new Uint8Array(512).fill(0x11), new Uint8Array(512).fill(0x22)];
      lbaCommand(io, 0x30, 7, 2);
      assert.equal(io.read8(ALT_STATUS), 0x58);
      assert.equal(irq.rises, 0, 'the first block needs no interrupt');
      writeBlock(io, data[0]!);
      assert.equal(irq.rises, 1);
      assert.equal(io.read8(STATUS), 0x58);
      writeBlock(io, data[1]!);
      assert.equal(irq.rises, 2);
      assert.equal(io.read8(STATUS), 0x50);
      assert.deepEqual(image, original, 'the attached image is untouched');
      assert.deepEqual(ata.modifiedSectors(), [7, 8]);
      const current = ata.currentImage();
      assert.deepEqual(sector(current, 7), data[0]);
      assert.deepEqual(sector(current, 8), data[1]);
      assert.deepEqual(sector(current, 9), sector(original, 9));
      lbaCommand(io, 0x20, 8, 1);
      assert.deepEqual(readBlock(io), data[1], 'the guest reads its own write back');
      ata.flush();
      assert.deepEqual(sector(image, 7), data[0]);
      assert.deepEqual(sector(image, 8), data[1]);
    });

    test('CHS write lands on the translated sector', () => {
      const { ata, io } = setup();
      chsCommand(io, 0x30, 0, 1, 1, 1); // LBA 63
      writeBlock(io, new Uint8Array(512).fill(0x5a));
      assert.deepEqual(ata.modifiedSectors(), [63]);
    });

    test('with writeBack the image changes at once', () => {
      const { io, image } = setup(64, true);
      lbaCommand(io, 0x30, 3, 1);
      writeBlock(io, new Uint8Array(512).fill(0xee));
      assert.deepEqual(sector(image, 3), new Uint8Array(512).fill(0xee));
    });

    test('writing past the end fails with IDNF before any data phase', () => {
      const { ata, io, irq } = setup(64);
      lbaCommand(io, 0x30, 64, 1);
      assert.equal(irq.level, true);
      assert.equal(io.read8(STATUS), 0x41);
      assert.equal(io.read8(ERROR), 0x10);
      io.write16(DATA, 0x1234);
      assert.deepEqual(ata.modifiedSectors(), []);
    });

    test('32-bit data port writes take two words each', () => {
      const { ata, io } = setup();
      lbaCommand(io, 0x30, 0, 1);
      for (let i = 0; i < 128; i++) io.write32(DATA, 0x44332211);
      assert.equal(io.read8(STATUS), 0x50);
      assert.deepEqual(Array.from(sector(ata.currentImage(), 0).subarray(0, 4)), [0x11, 0x22, 0x33, 0x44]);
    });
  });

  describe('READ/WRITE MULTIPLE', () => {
    test('READ MULTIPLE before SET MULTIPLE MODE aborts', () => {
      const { io } = setup();
      lbaCommand(io, 0xc4, 0, 4);
      assert.equal(io.read8(STATUS), 0x41);
      assert.equal(io.read8(ERROR), 0x04);
    });

    test('with 4 sectors per block: one IRQ per block and word 59 reports the setting', () => {
      const { io, irq, image } = setup();
      io.write8(COUNT, 4);
      io.write8(COMMAND, 0xc6);
      assert.equal(io.read8(STATUS), 0x50);
      const w = identify(io);
      assert.equal(w[59], 0x0104);
      const before = irq.rises;
      lbaCommand(io, 0xc4, 20, 6);
      io.read8(STATUS);
      assert.deepEqual(readBlock(io, 2048), image.subarray(20 * 512, 24 * 512));
      io.read8(STATUS);
      assert.deepEqual(readBlock(io, 1024), image.subarray(24 * 512, 26 * 512));
      assert.equal(irq.rises - before, 2);
      assert.equal(io.read8(STATUS), 0x50);
    });

    test('SET MULTIPLE MODE rejects counts that are not a power of two up to 16', () => {
      const { io } = setup();
      io.write8(COUNT, 3);
      io.write8(COMMAND, 0xc6);
      assert.equal(io.read8(ERROR), 0x04);
    });
  });

  describe('other commands', () => {
    test('INITIALIZE DEVICE PARAMETERS changes the CHS translation and words 54-56', () => {
      const { io, image } = setup();
      io.write8(COUNT, 32);
      io.write8(DEVICE, 0xa0 | 7); // 8 heads
      io.write8(COMMAND, 0x91);
      assert.equal(io.read8(STATUS), 0x50);
      const w = identify(io);
      assert.deepEqual([w[54], w[55], w[56]], [Math.floor(2048 / 256), 8, 32]);
      chsCommand(io, 0x20, 1, 0, 1, 1); // LBA 1*8*32 = 256
      assert.deepEqual(readBlock(io), sector(image, 256));
    });

    test('SET FEATURES accepts known subcommands and aborts others; FLUSH CACHE completes', () => {
      const { io, irq } = setup();
      io.write8(FEATURES, 0x03);
      io.write8(COMMAND, 0xef);
      assert.equal(io.read8(STATUS), 0x50);
      io.write8(FEATURES, 0x42);
      io.write8(COMMAND, 0xef);
      assert.equal(io.read8(STATUS), 0x41);
      assert.equal(io.read8(ERROR), 0x04);
      io.write8(COMMAND, 0xe7);
      assert.equal(io.read8(STATUS), 0x50);
      assert.equal(io.read8(ERROR), 0x00);
      assert.equal(irq.rises, 3);
    });

    test('unknown commands abort with ABRT and an interrupt', () => {
      const { io, irq } = setup();
      io.write8(COMMAND, 0x50);
      assert.equal(irq.level, true);
      assert.equal(io.read8(STATUS), 0x41);
      assert.equal(io.read8(ERROR), 0x04);
    });
  });

  describe('device selection, control and reset', () => {
    test('the absent slave reads as no device, as QEMU shows it', () => {
      const { io, irq } = setup();
      io.write8(DEVICE, 0xb0);
      assert.equal(io.read8(STATUS), 0);
      assert.equal(io.read8(ALT_STATUS), 0);
      assert.equal(io.read8(LBA_MID), 0xff);
      assert.equal(io.read8(LBA_HIGH), 0xff);
      io.write8(COMMAND, 0xec);
      assert.equal(irq.rises, 0, 'commands to the absent slave are ignored');
      assert.equal(io.read16(DATA), 0);
      io.write8(DEVICE, 0xa0);
      assert.equal(io.read8(STATUS), 0x50);
      assert.deepEqual([io.read8(COUNT), io.read8(LBA_LOW), io.read8(LBA_MID), io.read8(LBA_HIGH)], [1, 1, 0, 0]);
      assert.equal(io.read8(DEVICE), 0xa0);
    });

    test('task file registers written with the slave selected are seen by both devices', () => {
      const { io } = setup();
      io.write8(DEVICE, 0xb0);
      io.write8(COUNT, 0x55);
      io.write8(LBA_LOW, 0xaa);
      assert.deepEqual([io.read8(COUNT), io.read8(LBA_LOW)], [0x55, 0xaa]);
      io.write8(DEVICE, 0xa0);
      assert.deepEqual([io.read8(COUNT), io.read8(LBA_LOW)], [0x55, 0xaa]);
    });

    test('nIEN masks IRQ14 without losing the pending interrupt', () => {
      const { io, irq } = setup();
      io.write8(CONTROL, 0x02);
      io.write8(COMMAND, 0xe7);
      assert.equal(irq.level, false);
      io.write8(CONTROL, 0x00);
      assert.equal(irq.level, true);
    });

    test('SRST: BSY while held, then the ATA signature and ready', () => {
      const { io, irq } = setup();
      lbaCommand(io, 0x20, 5, 2);
      io.write8(CONTROL, 0x04);
      assert.equal(io.read8(ALT_STATUS) & 0x80, 0x80);
      assert.equal(irq.level, false);
      io.write8(CONTROL, 0x00);
      assert.equal(io.read8(STATUS), 0x50);
      assert.equal(io.read8(ERROR), 0x01);
      assert.deepEqual([io.read8(COUNT), io.read8(LBA_LOW), io.read8(LBA_MID), io.read8(LBA_HIGH)], [1, 1, 0, 0]);
      assert.equal(io.read16(DATA), 0, 'the transfer was abandoned');
    });

    test('EXECUTE DEVICE DIAGNOSTIC reports device 0 passed', () => {
      const { io } = setup();
      io.write8(COMMAND, 0x90);
      assert.equal(io.read8(ERROR), 0x01);
      assert.equal(io.read8(STATUS), 0x50);
    });

    test('with no disk attached every register reads 0 and commands do nothing', () => {
      const io = new IoBus();
      const irq = new LevelIrq();
      const ata = new AtaPio(irq);
      ata.attach(io);
      assert.equal(ata.hasDisk(), false);
      assert.equal(io.read8(STATUS), 0);
      assert.equal(io.read8(COUNT), 0);
      io.write8(COMMAND, 0xec);
      assert.equal(irq.rises, 0);
      assert.equal(ata.currentImage().length, 0);
    });

    test('8-bit reads of the data port do not consume data', () => {
      const { io } = setup();
      io.write8(COMMAND, 0xec);
      assert.equal(io.read8(DATA), 0xff);
      assert.equal(io.read16(DATA), 0x0040);
    });
  });
});
