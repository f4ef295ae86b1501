// The translation lookaside buffer: one Int32Array entry per 4 KiB linear page (the v86 layout).
// An entry holds the physical page base and the accesses already known to be allowed; any access whose
// bits are missing takes the slow path (page walk, A/D update, #PF), which refills the entry.

export const TLB_VALID = 1 << 0;
export const TLB_SUP_READ = 1 << 1;
export const TLB_USER_READ = 1 << 2;
export const TLB_SUP_WRITE = 1 << 3;
export const TLB_USER_WRITE = 1 << 4;
export const TLB_SUP_EXEC = 1 << 5;
export const TLB_USER_EXEC = 1 << 6;
export const TLB_GLOBAL = 1 << 7;
/**
 * Explicit supervisor reads / writes with EFLAGS.AC = 1 may use it: under SMAP these also cover user pages,
 * so that ring 0-2 code that opened SMAP (STAC, or POPF at CPL 1-2) keeps the fast path.
 */
export const TLB_SUP_READ_AC = 1 << 8;
export const TLB_SUP_WRITE_AC = 1 << 9;
export const TLB_WRITE_BITS = TLB_SUP_WRITE | TLB_USER_WRITE | TLB_SUP_WRITE_AC;
export const TLB_DATA_BITS = TLB_SUP_READ | TLB_USER_READ | TLB_SUP_READ_AC | TLB_WRITE_BITS;

/** Access masks, indexed by [user ? 1 : 0]: an access may use the fast path when (entry & mask) === mask. */
export const READ_MASK = [TLB_VALID | TLB_SUP_READ, TLB_VALID | TLB_USER_READ] as const;
export const WRITE_MASK = [TLB_VALID | TLB_SUP_WRITE, TLB_VALID | TLB_USER_WRITE] as const;
export const EXEC_MASK = [TLB_VALID | TLB_SUP_EXEC, TLB_VALID | TLB_USER_EXEC] as const;
/** The read and write masks of explicit supervisor accesses while CR4.SMAP and EFLAGS.AC are both set. */
export const READ_MASK_AC = TLB_VALID | TLB_SUP_READ_AC;
export const WRITE_MASK_AC = TLB_VALID | TLB_SUP_WRITE_AC;

const PAGE_COUNT = 1 << 20;
/** Past this many live entries a flush clears the whole array instead of walking the list. */
const LIST_CAPACITY = 1 << 14;
/** Entries remembered as writable only through CR0.WP = 0; past this many, setting WP revokes from all. */
const WP_GRANT_CAPACITY = 256;
const SUPERVISOR_WRITE_BITS = TLB_SUP_WRITE | TLB_SUP_WRITE_AC;

export class Tlb {
  readonly entries = new Int32Array(PAGE_COUNT);
  private readonly live = new Int32Array(LIST_CAPACITY);
  private liveCount = 0;
  private overflowed = false;
  private readonly wpGrants = new Int32Array(WP_GRANT_CAPACITY);
  private wpGrantCount = 0;
  private wpGrantsOverflowed = false;
  /** Bumped whenever a translation is removed, so that cached links between decoded blocks can be trusted. */
  generation = 0;

  /** Installs the translation of linear page `vpn` to physical base `physBase` with permission `bits`. */
  set(vpn: number, physBase: number, bits: number): void {
    if (this.entries[vpn] === 0) {
      if (this.liveCount < LIST_CAPACITY) this.live[this.liveCount++] = vpn;
      else this.overflowed = true;
    }
    this.entries[vpn] = (physBase & ~0xfff) | bits | TLB_VALID;
  }

  invalidatePage(vpn: number): void {
    this.entries[vpn] = 0;
    this.generation++;
  }

  /** Drops every translation (CR0/CR4 paging changes). */
  flushAll(): void {
    this.generation++;
    if (this.overflowed) {
      this.entries.fill(0);
    } else {
      for (let i = 0; i < this.liveCount; i++) this.entries[this.live[i]!] = 0;
    }
    this.liveCount = 0;
    this.overflowed = false;
    this.wpGrantCount = 0;
    this.wpGrantsOverflowed = false;
  }

  /** Drops every translation not marked global (a CR3 load with CR4.PGE set, SDM Vol. 3A §4.10.4.1). */
  flushNonGlobal(): void {
    this.generation++;
    if (this.overflowed) {
      this.compactFromScan();
    }
    let kept = 0;
    for (let i = 0; i < this.liveCount; i++) {
      const vpn = this.live[i]!;
      const e = this.entries[vpn]!;
      if (e & TLB_GLOBAL) this.live[kept++] = vpn;
      else this.entries[vpn] = 0;
    }
    this.liveCount = kept;
  }

  /**
   * Notes that the entry of `vpn` allows supervisor writes only because CR0.WP is 0 (the page is read-only):
   * setting WP again revokes exactly these (revokeWpGrants) instead of flushing everything. The Nested Kernel
   * clears and sets WP on every gate, so this keeps its outer kernel's translations across the gates.
   */
  noteWpGrant(vpn: number): void {
    if (this.wpGrantCount < WP_GRANT_CAPACITY) this.wpGrants[this.wpGrantCount++] = vpn;
    else this.wpGrantsOverflowed = true;
  }

  /** CR0.WP was set: no entry may keep a supervisor write right that only WP = 0 gave. */
  revokeWpGrants(): void {
    if (this.wpGrantsOverflowed) {
      if (this.overflowed) this.compactFromScan();
      for (let i = 0; i < this.liveCount; i++) {
        const vpn = this.live[i]!;
        this.entries[vpn] = this.entries[vpn]! & ~SUPERVISOR_WRITE_BITS;
      }
    } else {
      for (let i = 0; i < this.wpGrantCount; i++) {
        const vpn = this.wpGrants[i]!;
        this.entries[vpn] = this.entries[vpn]! & ~SUPERVISOR_WRITE_BITS;
      }
    }
    this.wpGrantCount = 0;
    this.wpGrantsOverflowed = false;
  }

  /** Removes write permission from every entry that maps physical page `physBase` (the page now holds decoded code). */
  revokeWritesTo(physBase: number): void {
    if (this.overflowed) this.compactFromScan();
    const page = physBase & ~0xfff;
    for (let i = 0; i < this.liveCount; i++) {
      const vpn = this.live[i]!;
      const e = this.entries[vpn]!;
      if ((e & ~0xfff) === page) this.entries[vpn] = e & ~TLB_WRITE_BITS;
    }
  }

  get size(): number {
    return this.liveCount;
  }

  private compactFromScan(): void {
    const kept: number[] = [];
    for (let vpn = 0; vpn < PAGE_COUNT; vpn++) {
      if (this.entries[vpn] === 0) continue;
      if (kept.length < LIST_CAPACITY) kept.push(vpn);
      else this.entries[vpn] = 0;
    }
    this.live.set(kept);
    this.liveCount = kept.length;
    this.overflowed = false;
  }
}
