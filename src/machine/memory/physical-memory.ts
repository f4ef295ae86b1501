// Guest physical memory: one ArrayBuffer of RAM with byte, dword and DataView views.
// Addresses past the end of RAM behave as an open bus: reads return all ones, writes are dropped.

export class PhysicalMemory {
  readonly size: number;
  readonly u8: Uint8Array;
  readonly view: DataView;

  constructor(sizeBytes: number) {
    if (sizeBytes <= 0 || sizeBytes % 4096 !== 0) throw new RangeError(`PhysicalMemory: size ${sizeBytes} is not a positive multiple of 4096`);
    this.size = sizeBytes;
    const buffer = new ArrayBuffer(sizeBytes);
    this.u8 = new Uint8Array(buffer);
    this.view = new DataView(buffer);
  }

  read8(addr: number): number {
    return addr >>> 0 < this.size ? this.u8[addr >>> 0]! : 0xff;
  }

  read16(addr: number): number {
    addr >>>= 0;
    if (addr + 2 <= this.size) return this.view.getUint16(addr, true);
    return this.read8(addr) | (this.read8(addr + 1) << 8);
  }

  read32(addr: number): number {
    addr >>>= 0;
    if (addr + 4 <= this.size) return this.view.getInt32(addr, true);
    return (this.read16(addr) | (this.read16(addr + 2) << 16)) | 0;
  }

  write8(addr: number, value: number): void {
    addr >>>= 0;
    if (addr < this.size) this.u8[addr] = value;
  }

  write16(addr: number, value: number): void {
    addr >>>= 0;
    if (addr + 2 <= this.size) { this.view.setUint16(addr, value, true); return; }
    this.write8(addr, value);
    this.write8(addr + 1, value >>> 8);
  }

  write32(addr: number, value: number): void {
    addr >>>= 0;
    if (addr + 4 <= this.size) { this.view.setInt32(addr, value, true); return; }
    this.write16(addr, value);
    this.write16(addr + 2, value >>> 16);
  }

  /** Copies `bytes` to physical `addr`; the caller has checked that it fits. */
  writeBytes(addr: number, bytes: Uint8Array): void {
    this.u8.set(bytes, addr);
  }

  readBytes(addr: number, length: number): Uint8Array {
    return this.u8.slice(addr, addr + length);
  }
}
