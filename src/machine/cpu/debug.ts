// Debug registers (SDM Vol. 3B §17.2-17.3): DR0-DR3 breakpoint addresses, DR7 enables, R/W and LEN
// fields, DR6 status. DR7 is decoded once per write into typed arrays, so that the checks on the
// paths that can hit a breakpoint cost a flag test when nothing is armed.
//
// How breakpoints meet the fast paths:
// - execute breakpoints: while one is armed the CPU steps one instruction at a time (Cpu.handleEvents)
//   and checks CS.base+EIP before each, which keeps blocks and compiled code out of the way;
// - data breakpoints: translations of a watched page are cached without read/write rights, so every
//   access to the page takes the slow path, which calls checkData;
// - I/O breakpoints (R/W = 10b, only with CR4.DE): IN/OUT/INS/OUTS call checkIo.
// A data or I/O hit becomes a trap: the instruction completes, the block ends, then #DB.

export const DR6_B0 = 1 << 0;
export const DR6_BD = 1 << 13;
export const DR6_BS = 1 << 14;
/** Bits of DR6 that always read as 1 on this processor (reserved bits 4-11 and 16-31; bit 12 reads 0). */
export const DR6_READS_ONE = 0xffff0ff0 | 0;
export const DR7_GD = 1 << 13;
/** Bit 10 of DR7 reads as 1. */
export const DR7_READS_ONE = 1 << 10;

/** R/W field values; 11b (reads and writes) is every other data breakpoint. */
const RW_EXECUTE = 0, RW_WRITE = 1, RW_IO = 2;
/** LEN encodings 00, 01, 10, 11 → 1, 2, 8, 4 bytes (8 is the IA-32e meaning; kept so a mask is always defined). */
const LENGTHS = [1, 2, 8, 4];

export class DebugUnit {
  /** Breakpoint n is an execute breakpoint at execAddress[n] when bit n of execMask is set. */
  execMask = 0;
  dataMask = 0;
  /** Data breakpoints that only writes hit (R/W = 01b); the others are hit by reads and writes. */
  dataWriteOnly = 0;
  ioMask = 0;
  readonly address = new Int32Array(4);
  /** First byte and length of each breakpoint's range, the address aligned down to the length (§17.2.5). */
  readonly rangeStart = new Float64Array(4);
  readonly rangeLength = new Int32Array(4);
  /** Pages (linear page numbers) that hold a data breakpoint: their translations keep no data rights. */
  readonly watchedPages = new Int32Array(8).fill(-1);
  /** B0-B3 bits of data and I/O breakpoints hit by the instruction in flight (a trap once it completes). */
  pendingHits = 0;

  /** Decodes DR0-DR3 and DR7 (and CR4.DE for I/O breakpoints). */
  arm(dr: Int32Array, debugExtensions: boolean): void {
    this.execMask = this.dataMask = this.dataWriteOnly = this.ioMask = 0;
    this.watchedPages.fill(-1);
    const dr7 = dr[7]!;
    for (let n = 0; n < 4; n++) {
      if (!((dr7 >>> (n * 2)) & 3)) continue;
      const rw = (dr7 >>> (16 + n * 4)) & 3;
      const length = rw === RW_EXECUTE ? 1 : LENGTHS[(dr7 >>> (18 + n * 4)) & 3]!;
      const address = dr[n]!;
      this.address[n] = address;
      this.rangeLength[n] = length;
      this.rangeStart[n] = (address >>> 0) - ((address >>> 0) % length);
      const bit = 1 << n;
      if (rw === RW_EXECUTE) this.execMask |= bit;
      else if (rw === RW_IO) { if (debugExtensions) this.ioMask |= bit; }
      else {
        this.dataMask |= bit;
        if (rw === RW_WRITE) this.dataWriteOnly |= bit;
        const start = this.rangeStart[n]!;
        this.watchedPages[n * 2] = Math.floor(start / 4096);
        this.watchedPages[n * 2 + 1] = Math.floor((start + length - 1) / 4096);
      }
    }
  }

  /** True when translations of linear page `vpn` must not be cached with data rights. */
  watches(vpn: number): boolean {
    if (this.dataMask === 0) return false;
    const w = this.watchedPages;
    for (let k = 0; k < 8; k++) if (w[k] === vpn) return true;
    return false;
  }

  /** B0-B3 bits of the execute breakpoints at linear address `lin`. */
  matchExecute(lin: number): number {
    let hits = 0;
    for (let n = 0; n < 4; n++) if ((this.execMask >>> n) & 1 && this.address[n] === lin) hits |= 1 << n;
    return hits;
  }

  /** Records the data breakpoints that an access of `size` bytes at `lin` hits. */
  checkData(lin: number, size: number, write: boolean): number {
    const first = lin >>> 0, last = first + size - 1;
    let hits = 0;
    for (let n = 0; n < 4; n++) {
      const bit = 1 << n;
      if (!(this.dataMask & bit) || (!write && (this.dataWriteOnly & bit))) continue;
      const start = this.rangeStart[n]!;
      if (first <= start + this.rangeLength[n]! - 1 && last >= start) hits |= bit;
    }
    this.pendingHits |= hits;
    return hits;
  }

  /** Records the I/O breakpoints that an access of `size` ports at `port` hits. */
  checkIo(port: number, size: number): number {
    let hits = 0;
    for (let n = 0; n < 4; n++) {
      const bit = 1 << n;
      if (!(this.ioMask & bit)) continue;
      const start = this.rangeStart[n]! & 0xffff;
      if (port <= start + this.rangeLength[n]! - 1 && port + size - 1 >= start) hits |= bit;
    }
    this.pendingHits |= hits;
    return hits;
  }
}
