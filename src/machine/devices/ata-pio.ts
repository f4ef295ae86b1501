// The primary ATA channel in PIO mode (ATA/ATAPI-6, T13/1410D) at 0x1F0-0x1F7 and 0x3F6, with one LBA28
// hard disk as master and no slave. Commands complete instantly: the guest never sees BSY except during SRST.

import type { IoBus } from '../bus/io-bus.js';
import type { IrqLine } from '../bus/irq.js';

export const SECTOR_BYTES = 512;
const LBA28_LIMIT = 0x0fffffff;

const STATUS_BSY = 0x80;
const STATUS_DRDY = 0x40;
const STATUS_DSC = 0x10;
const STATUS_DRQ = 0x08;
const STATUS_ERR = 0x01;
const STATUS_READY = STATUS_DRDY | STATUS_DSC;
/** QEMU reports errors as DRDY|ERR. */
const STATUS_ERROR = STATUS_DRDY | STATUS_ERR;

const ERROR_ABRT = 0x04;
const ERROR_IDNF = 0x10;
/** Error register after reset or EXECUTE DEVICE DIAGNOSTIC: device 0 passed, no device 1. */
const DIAGNOSTIC_PASSED = 0x01;

const DEVICE_LBA = 0x40;
const DEVICE_SLAVE = 0x10;
/** Bits 7 and 5 of the device register are obsolete and read as one. */
const DEVICE_ALWAYS_ONE = 0xa0;
const CONTROL_NIEN = 0x02;
const CONTROL_SRST = 0x04;

const MAX_MULTIPLE_SECTORS = 16;
const MODEL = 'KERNELIST HARDDISK';
const SERIAL = 'KL0000000001';
const FIRMWARE = '1.0';
/** SET FEATURES subcommands accepted: write cache on/off, transfer mode, look-ahead, reverting defaults. */
const SUPPORTED_FEATURES = new Set([0x02, 0x82, 0x03, 0x55, 0xaa, 0x66, 0xcc]);

interface Geometry { cylinders: number; heads: number; sectors: number }

/** The registers one device returns on reads; the host writes both devices' copies. */
interface TaskFile { error: number; count: number; lbaLow: number; lbaMid: number; lbaHigh: number }

interface Transfer {
  kind: 'identify' | 'read' | 'write';
  buffer: Uint8Array;
  offset: number;
  /** Next sector to read from disk, or first sector of the buffer being written. */
  lba: number;
  remaining: number;
  blockSectors: number;
}

function newTaskFile(): TaskFile {
  return { error: 0, count: 0, lbaLow: 0, lbaMid: 0, lbaHigh: 0 };
}

/** Puts an ATA string in identify words: two characters per word, the first in the high byte. */
function putAtaString(words: Uint16Array, first: number, wordCount: number, text: string): void {
  const padded = text.padEnd(wordCount * 2, ' ');
  for (let i = 0; i < wordCount; i++) {
    words[first + i] = (padded.charCodeAt(2 * i) << 8) | padded.charCodeAt(2 * i + 1);
  }
}

/** The usual translation for disks up to 8 GiB: 16 heads, 63 sectors per track, at most 16383 cylinders. */
function defaultGeometry(totalSectors: number): Geometry {
  return { cylinders: Math.max(1, Math.min(16383, Math.floor(totalSectors / (16 * 63)))), heads: 16, sectors: 63 };
}

/**
 * The channel and its master disk. Guest writes go to the attached image at once with writeBack, or to an
 * overlay of modified sectors that only flush() copies into the image. Reads return 0 on the data port
 * outside DRQ, and every register reads 0 with no disk attached (QEMU's behaviour for an empty channel);
 * with the slave selected, status reads 0 and commands are ignored.
 */
export class AtaPio {
  private image: Uint8Array | null = null;
  private writeBack = false;
  private readonly overlay = new Map<number, Uint8Array>();
  private readonly modified = new Set<number>();
  private totalSectors = 0;
  private defaultChs: Geometry = { cylinders: 1, heads: 16, sectors: 63 };
  private currentChs: Geometry = { cylinders: 1, heads: 16, sectors: 63 };
  private readonly master = newTaskFile();
  private readonly slave = newTaskFile();
  private features = 0;
  private device = DEVICE_ALWAYS_ONE;
  private status = STATUS_READY;
  private control = 0;
  private multipleSectors = 0;
  private writeCacheEnabled = true;
  private transfer: Transfer | null = null;
  private irqPending = false;
  private irqHigh = false;

  constructor(private readonly irq14: IrqLine) {}

  attach(io: IoBus): void {
    io.register(0x1f0, 1, 'ata/data', {
      read8: () => 0xff, // the data port is 16 bits wide
      write8: () => {},
      read16: () => this.readData(),
      write16: (_port, value) => this.writeData(value),
      read32: () => this.readData() | (this.readData() << 16),
      write32: (_port, value) => { this.writeData(value & 0xffff); this.writeData(value >>> 16); },
    });
    io.register(0x1f1, 7, 'ata', {
      read8: (port) => this.readRegister(port - 0x1f0),
      write8: (port, value) => this.writeRegister(port - 0x1f0, value),
    });
    io.register(0x3f6, 1, 'ata/control', {
      read8: () => this.readAltStatus(),
      write8: (_port, value) => this.writeControl(value),
    });
  }

  attachDisk(image: Uint8Array, options?: { writeBack?: boolean }): void {
    this.image = image;
    this.writeBack = options?.writeBack ?? false;
    this.overlay.clear();
    this.modified.clear();
    this.totalSectors = Math.floor(image.length / SECTOR_BYTES);
    this.defaultChs = defaultGeometry(this.totalSectors);
    this.reset();
  }

  hasDisk(): boolean {
    return this.image !== null;
  }

  /** Sectors the guest has written since the disk was attached, ascending. */
  modifiedSectors(): number[] {
    return [...this.modified].sort((a, b) => a - b);
  }

  /** A copy of the disk as the guest sees it (image plus unflushed overlay). */
  currentImage(): Uint8Array {
    if (this.image === null) return new Uint8Array(0);
    const copy = this.image.slice();
    for (const [lba, data] of this.overlay) copy.set(data, lba * SECTOR_BYTES);
    return copy;
  }

  /** Writes the overlay into the attached image. */
  flush(): void {
    if (this.image === null) return;
    for (const [lba, data] of this.overlay) this.image.set(data, lba * SECTOR_BYTES);
    this.overlay.clear();
  }

  /** Hardware reset: signature in the task file, settings back to their defaults. */
  reset(): void {
    this.control = 0;
    this.features = 0;
    this.device = DEVICE_ALWAYS_ONE;
    this.multipleSectors = 0;
    this.writeCacheEnabled = true;
    this.currentChs = { ...this.defaultChs };
    this.softReset();
  }

  private softReset(): void {
    this.transfer = null;
    this.status = STATUS_READY;
    this.setSignature();
    this.clearIrq();
  }

  /** ATA signature (count 1, LBA low 1, mid/high 0); QEMU shows 0xFF/0xFF in mid/high for an absent device. */
  private setSignature(): void {
    Object.assign(this.master, { error: DIAGNOSTIC_PASSED, count: 1, lbaLow: 1, lbaMid: 0, lbaHigh: 0 });
    Object.assign(this.slave, { error: 0, count: 1, lbaLow: 1, lbaMid: 0xff, lbaHigh: 0xff });
  }

  private get slaveSelected(): boolean {
    return (this.device & DEVICE_SLAVE) !== 0;
  }

  private get selectedPresent(): boolean {
    return this.image !== null && !this.slaveSelected;
  }

  private readRegister(offset: number): number {
    if (this.image === null) return 0;
    const regs = this.slaveSelected ? this.slave : this.master;
    switch (offset) {
      case 1: return regs.error;
      case 2: return regs.count;
      case 3: return regs.lbaLow;
      case 4: return regs.lbaMid;
      case 5: return regs.lbaHigh;
      case 6: return this.device;
      default: {
        const status = this.readAltStatus();
        this.clearIrq(); // reading the status register acknowledges INTRQ
        return status;
      }
    }
  }

  private readAltStatus(): number {
    return this.selectedPresent ? this.status : 0;
  }

  private writeRegister(offset: number, value: number): void {
    if (this.control & CONTROL_SRST) return;
    switch (offset) {
      case 1: this.features = value; break;
      case 2: this.master.count = value; this.slave.count = value; break;
      case 3: this.master.lbaLow = value; this.slave.lbaLow = value; break;
      case 4: this.master.lbaMid = value; this.slave.lbaMid = value; break;
      case 5: this.master.lbaHigh = value; this.slave.lbaHigh = value; break;
      case 6: this.device = value | DEVICE_ALWAYS_ONE; break;
      default: this.executeCommand(value);
    }
  }

  /** Device control: nIEN masks INTRQ; SRST held high keeps the device busy, and its release resets it. */
  private writeControl(value: number): void {
    const srstBefore = (this.control & CONTROL_SRST) !== 0;
    this.control = value;
    const srstNow = (value & CONTROL_SRST) !== 0;
    if (srstNow && !srstBefore) {
      this.transfer = null;
      this.status = STATUS_BSY | STATUS_DSC;
      this.clearIrq();
    } else if (!srstNow && srstBefore) {
      this.softReset();
    }
    this.updateIrqLine();
  }

  private readData(): number {
    const t = this.transfer;
    if (t === null || t.kind === 'write' || !this.selectedPresent) return 0;
    const word = t.buffer[t.offset]! | (t.buffer[t.offset + 1]! << 8);
    t.offset += 2;
    if (t.offset >= t.buffer.length) this.readBlockDone(t);
    return word;
  }

  private writeData(value: number): void {
    const t = this.transfer;
    if (t === null || t.kind !== 'write' || !this.selectedPresent) return;
    t.buffer[t.offset] = value & 0xff;
    t.buffer[t.offset + 1] = value >> 8;
    t.offset += 2;
    if (t.offset >= t.buffer.length) this.writeBlockDone(t);
  }

  private executeCommand(command: number): void {
    if (!this.selectedPresent) return; // commands to an absent device are ignored
    this.clearIrq();
    this.transfer = null;
    this.master.error = 0;
    switch (command) {
      case 0xec: this.startDataIn('identify', this.identifyBlock(), 0, 0, 1); break;
      case 0x20: case 0x21: this.startRead(1); break;
      case 0xc4: this.startRead(this.multipleSectors); break;
      case 0x30: case 0x31: this.startWrite(1); break;
      case 0xc5: this.startWrite(this.multipleSectors); break;
      case 0x40: case 0x41: this.verifySectors(); break;
      case 0xc6: this.setMultipleMode(); break;
      case 0x91: this.initializeDeviceParameters(); break;
      case 0xef: if (SUPPORTED_FEATURES.has(this.features)) this.setFeature(); else this.abort(); break;
      case 0x90: this.setSignature(); this.complete(); break;
      case 0xe5: this.master.count = 0xff; this.complete(); break; // CHECK POWER MODE: active
      case 0xe7: this.complete(); break; // FLUSH CACHE: there is no cache between guest and image
      default:
        // RECALIBRATE (0x1x) and SEEK (0x7x) have nothing to move; IDENTIFY PACKET (0xA1) is for ATAPI only.
        if ((command & 0xf0) === 0x10 || (command & 0xf0) === 0x70) this.complete();
        else this.abort();
    }
  }

  private complete(): void {
    this.status = STATUS_READY;
    this.raiseIrq();
  }

  private abort(): void {
    this.fail(ERROR_ABRT);
  }

  private fail(error: number): void {
    this.transfer = null;
    this.master.error = error;
    this.status = STATUS_ERROR;
    this.raiseIrq();
  }

  private setFeature(): void {
    if (this.features === 0x02) this.writeCacheEnabled = true;
    if (this.features === 0x82) this.writeCacheEnabled = false;
    this.complete();
  }

  private setMultipleMode(): void {
    const count = this.master.count;
    if (count > MAX_MULTIPLE_SECTORS || (count & (count - 1)) !== 0) { this.abort(); return; }
    this.multipleSectors = count;
    this.complete();
  }

  private initializeDeviceParameters(): void {
    const sectors = this.master.count;
    const heads = (this.device & 0x0f) + 1;
    if (sectors === 0) { this.abort(); return; }
    const cylinders = Math.min(65535, Math.floor(this.totalSectors / (heads * sectors)));
    this.currentChs = { cylinders, heads, sectors };
    this.complete();
  }

  private get requestedCount(): number {
    return this.master.count === 0 ? 256 : this.master.count;
  }

  /** The starting sector from the task file (LBA28 or CHS), or -1 for a CHS address that cannot exist. */
  private startLba(): number {
    const regs = this.master;
    if (this.device & DEVICE_LBA) {
      return ((this.device & 0x0f) * 0x1000000) + (regs.lbaHigh << 16) + (regs.lbaMid << 8) + regs.lbaLow;
    }
    const { heads, sectors } = this.currentChs;
    const cylinder = regs.lbaMid | (regs.lbaHigh << 8);
    const head = this.device & 0x0f;
    const sector = regs.lbaLow;
    if (sector === 0 || sector > sectors || head >= heads) return -1;
    return (cylinder * heads + head) * sectors + sector - 1;
  }

  /** Writes `lba` back into the address registers, in the addressing mode of the command. */
  private setAddress(lba: number): void {
    const regs = this.master;
    if (this.device & DEVICE_LBA) {
      regs.lbaLow = lba & 0xff;
      regs.lbaMid = (lba >> 8) & 0xff;
      regs.lbaHigh = (lba >> 16) & 0xff;
      this.device = (this.device & 0xf0) | ((lba >> 24) & 0x0f);
      return;
    }
    const { heads, sectors } = this.currentChs;
    const cylinder = Math.floor(lba / (heads * sectors));
    const rest = lba - cylinder * heads * sectors;
    regs.lbaLow = (rest % sectors) + 1;
    regs.lbaMid = cylinder & 0xff;
    regs.lbaHigh = (cylinder >> 8) & 0xff;
    this.device = (this.device & 0xf0) | Math.floor(rest / sectors);
  }

  private inRange(lba: number, count: number): boolean {
    return lba >= 0 && lba + count <= this.totalSectors && lba + count - 1 <= LBA28_LIMIT;
  }

  /** Stops with IDNF, the address registers pointing at the first sector that does not exist. */
  private failIdnf(lba: number, count: number): void {
    let bad = lba;
    if (lba >= 0) while (bad < lba + count && this.inRange(bad, 1)) bad++;
    if (bad >= 0) this.setAddress(bad);
    this.fail(ERROR_IDNF);
  }

  private startRead(blockSectors: number): void {
    if (blockSectors === 0) { this.abort(); return; } // READ MULTIPLE before SET MULTIPLE MODE
    this.startDataIn('read', new Uint8Array(0), this.startLba(), this.requestedCount, blockSectors);
  }

  private startDataIn(kind: 'identify' | 'read', buffer: Uint8Array, lba: number, count: number, blockSectors: number): void {
    this.transfer = { kind, buffer, offset: 0, lba, remaining: count, blockSectors };
    if (kind === 'read') { this.loadReadBlock(this.transfer); return; }
    this.status = STATUS_READY | STATUS_DRQ;
    this.raiseIrq();
  }

  /** PIO data-in: each block is announced by DRQ and an interrupt. */
  private loadReadBlock(t: Transfer): void {
    const n = Math.min(t.blockSectors, t.remaining);
    if (!this.inRange(t.lba, n)) { this.failIdnf(t.lba, n); return; }
    t.buffer = new Uint8Array(n * SECTOR_BYTES);
    for (let i = 0; i < n; i++) t.buffer.set(this.readSector(t.lba + i), i * SECTOR_BYTES);
    t.offset = 0;
    t.lba += n;
    t.remaining -= n;
    this.setAddress(t.lba);
    this.master.count = t.remaining & 0xff;
    this.status = STATUS_READY | STATUS_DRQ;
    this.raiseIrq();
  }

  private readBlockDone(t: Transfer): void {
    if (t.kind === 'read' && t.remaining > 0) { this.loadReadBlock(t); return; }
    this.transfer = null;
    this.status = STATUS_READY; // no interrupt after the last data-in block
  }

  /** PIO data-out: DRQ for the first block without an interrupt, then an interrupt after each block. */
  private startWrite(blockSectors: number): void {
    if (blockSectors === 0) { this.abort(); return; }
    const t: Transfer = { kind: 'write', buffer: new Uint8Array(0), offset: 0, lba: this.startLba(), remaining: this.requestedCount, blockSectors };
    if (this.prepareWriteBlock(t)) {
      this.transfer = t;
      this.status = STATUS_READY | STATUS_DRQ;
    }
  }

  private prepareWriteBlock(t: Transfer): boolean {
    const n = Math.min(t.blockSectors, t.remaining);
    if (!this.inRange(t.lba, n)) { this.failIdnf(t.lba, n); return false; }
    t.buffer = new Uint8Array(n * SECTOR_BYTES);
    t.offset = 0;
    return true;
  }

  private writeBlockDone(t: Transfer): void {
    const n = t.buffer.length / SECTOR_BYTES;
    for (let i = 0; i < n; i++) this.writeSector(t.lba + i, t.buffer.subarray(i * SECTOR_BYTES, (i + 1) * SECTOR_BYTES));
    t.lba += n;
    t.remaining -= n;
    this.setAddress(t.lba);
    this.master.count = t.remaining & 0xff;
    if (t.remaining === 0) {
      this.transfer = null;
      this.complete();
    } else if (this.prepareWriteBlock(t)) {
      this.status = STATUS_READY | STATUS_DRQ;
      this.raiseIrq();
    }
  }

  private verifySectors(): void {
    const lba = this.startLba();
    const count = this.requestedCount;
    if (!this.inRange(lba, count)) { this.failIdnf(lba, count); return; }
    this.setAddress(lba + count - 1);
    this.complete();
  }

  private readSector(lba: number): Uint8Array {
    return this.overlay.get(lba) ?? this.image!.subarray(lba * SECTOR_BYTES, (lba + 1) * SECTOR_BYTES);
  }

  private writeSector(lba: number, data: Uint8Array): void {
    this.modified.add(lba);
    if (this.writeBack) this.image!.set(data, lba * SECTOR_BYTES);
    else this.overlay.set(lba, data.slice());
  }

  /** IDENTIFY DEVICE data (ATA/ATAPI-6 §8.15), word 255 holding the integrity checksum. */
  private identifyBlock(): Uint8Array {
    const w = new Uint16Array(256);
    const chs = this.defaultChs;
    const current = this.currentChs;
    const capacity = Math.min(this.totalSectors, LBA28_LIMIT);
    const currentCapacity = Math.min(current.cylinders * current.heads * current.sectors, capacity);
    w[0] = 0x0040; // fixed, non-removable ATA device
    w[1] = chs.cylinders;
    w[3] = chs.heads;
    w[6] = chs.sectors;
    putAtaString(w, 10, 10, SERIAL);
    w[20] = 3; w[21] = 512; w[22] = 4; // obsolete buffer type/size and ECC bytes, as older drives report
    putAtaString(w, 23, 4, FIRMWARE);
    putAtaString(w, 27, 20, MODEL);
    w[47] = 0x8000 | MAX_MULTIPLE_SECTORS;
    w[48] = 1; // 32-bit data port transfers
    w[49] = (1 << 11) | (1 << 9); // IORDY, LBA
    w[50] = 0x4000;
    w[51] = 0x0200; // PIO mode 2 timing
    w[53] = 0x0003; // words 54-58 and 64-70 valid
    w[54] = current.cylinders;
    w[55] = current.heads;
    w[56] = current.sectors;
    w[57] = currentCapacity & 0xffff;
    w[58] = currentCapacity >>> 16;
    w[59] = this.multipleSectors > 0 ? 0x0100 | this.multipleSectors : 0;
    w[60] = capacity & 0xffff;
    w[61] = capacity >>> 16;
    w[64] = 0x0003; // PIO modes 3 and 4
    w[65] = 120; w[66] = 120; w[67] = 120; w[68] = 120;
    w[80] = 0x00f0; // ATA/ATAPI-4 to -7
    w[82] = 1 << 5; // write cache
    w[83] = 0x4000 | (1 << 12); // FLUSH CACHE
    w[84] = 0x4000;
    w[85] = this.writeCacheEnabled ? 1 << 5 : 0;
    w[86] = 1 << 12;
    w[87] = 0x4000;
    const bytes = new Uint8Array(SECTOR_BYTES);
    for (let i = 0; i < 255; i++) { bytes[2 * i] = w[i]! & 0xff; bytes[2 * i + 1] = w[i]! >> 8; }
    let sum = 0xa5;
    for (let i = 0; i < 510; i++) sum += bytes[i]!;
    bytes[510] = 0xa5;
    bytes[511] = (256 - (sum & 0xff)) & 0xff;
    return bytes;
  }

  private raiseIrq(): void {
    this.irqPending = true;
    this.updateIrqLine();
  }

  private clearIrq(): void {
    this.irqPending = false;
    this.updateIrqLine();
  }

  private updateIrqLine(): void {
    const high = this.irqPending && !(this.control & CONTROL_NIEN);
    if (high === this.irqHigh) return;
    this.irqHigh = high;
    if (high) this.irq14.raise();
    else this.irq14.lower();
  }
}
