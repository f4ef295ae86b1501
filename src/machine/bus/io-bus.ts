// The x86 I/O port space: 65 536 byte ports with named owners (v86/halfix style port table).
// 16- and 32-bit accesses go to a device's wide handler when it has one, else split into bytes.

export interface PortHandlers {
  read8?(port: number): number;
  write8?(port: number, value: number): void;
  read16?(port: number): number;
  write16?(port: number, value: number): void;
  read32?(port: number): number;
  write32?(port: number, value: number): void;
}

const PORT_COUNT = 0x10000;

export class IoBus {
  private readonly handlers: (PortHandlers | undefined)[] = new Array(PORT_COUNT).fill(undefined);
  private readonly owners: (string | undefined)[] = new Array(PORT_COUNT).fill(undefined);
  private readonly reportedUnknown = new Uint8Array(PORT_COUNT);
  /** Called once per unknown port, with a one-line description. */
  onUnknownPort: (message: string) => void = () => {};

  /** Claims ports [first, first+count) for `owner`; overlapping claims are a wiring bug. */
  register(first: number, count: number, owner: string, handlers: PortHandlers): void {
    for (let port = first; port < first + count; port++) {
      const previous = this.owners[port];
      if (previous !== undefined) {
        throw new Error(`IoBus: port 0x${port.toString(16)} claimed by both ${previous} and ${owner}`);
      }
      this.owners[port] = owner;
      this.handlers[port] = handlers;
    }
  }

  ownerOf(port: number): string | undefined {
    return this.owners[port & 0xffff];
  }

  read8(port: number): number {
    port &= 0xffff;
    const h = this.handlers[port];
    if (h?.read8) return h.read8(port) & 0xff;
    this.unknown(port, 'read');
    return 0xff;
  }

  write8(port: number, value: number): void {
    port &= 0xffff;
    const h = this.handlers[port];
    if (h?.write8) { h.write8(port, value & 0xff); return; }
    this.unknown(port, 'write');
  }

  read16(port: number): number {
    port &= 0xffff;
    const h = this.handlers[port];
    if (h?.read16) return h.read16(port) & 0xffff;
    return this.read8(port) | (this.read8(port + 1) << 8);
  }

  write16(port: number, value: number): void {
    port &= 0xffff;
    const h = this.handlers[port];
    if (h?.write16) { h.write16(port, value & 0xffff); return; }
    this.write8(port, value);
    this.write8(port + 1, value >>> 8);
  }

  read32(port: number): number {
    port &= 0xffff;
    const h = this.handlers[port];
    if (h?.read32) return h.read32(port) | 0;
    return (this.read16(port) | (this.read16(port + 2) << 16)) | 0;
  }

  write32(port: number, value: number): void {
    port &= 0xffff;
    const h = this.handlers[port];
    if (h?.write32) { h.write32(port, value | 0); return; }
    this.write16(port, value);
    this.write16(port + 2, value >>> 16);
  }

  private unknown(port: number, what: 'read' | 'write'): void {
    if (this.reportedUnknown[port]) return;
    this.reportedUnknown[port] = 1;
    this.onUnknownPort(`unknown I/O port 0x${port.toString(16).padStart(4, '0')} (first ${what}; reads give 0xff, writes are ignored)`);
  }
}
