// The IA-32 processor: register file, segmented and paged memory access, and the run loop over
// cached blocks of decoded instructions (SDM Vol. 3A chapters 2-6).

import type { IoBus } from '../bus/io-bus.js';
import type { InterruptController } from '../bus/irq.js';
import type { PhysicalMemory } from '../memory/physical-memory.js';
import { FLAGS_ARITH, CR0_PE, CR0_PG, CR0_WP, CR4_PAE, CR4_PGE, CR4_PSE, CR4_SMEP, CR4_SMAP, CR4_SUPPORTED, EFER_NXE, FLAG_AC, FLAG_IF, FLAG_TF, FLAG_RF, CR0_ET } from './eflags.js';
import { CpuFault, Vector } from './fault.js';
import { DebugUnit, DR6_BS } from './debug.js';
import { CpuEvents, TransferCause } from './events.js';
import { LazyFlags } from './lazy-flags.js';
import { CS, DS, ES, FS, GS, SS, ESP } from './registers.js';
import { Tlb, READ_MASK, WRITE_MASK, EXEC_MASK, READ_MASK_AC, WRITE_MASK_AC, TLB_DATA_BITS, TLB_WRITE_BITS, TLB_SUP_EXEC, TLB_USER_EXEC } from './mmu/tlb.js';
import { walkPage, ACCESS_IMPLICIT, ACCESS_SUPERVISOR, ACCESS_USER, type WalkResult } from './mmu/page-walk.js';
import { SEG_BASE0, SEG_FLAT, SEG_READ, SEG_WRITE, ATTR_DB, ATTR_P, ATTR_S, TYPE_DATA_WRITABLE, TYPE_CODE_READABLE, TYPE_DATA_EXPAND_DOWN, TYPE_CODE, accessFromAttr } from './segments.js';
import { Insn } from './decode/insn.js';
import { decodeInstruction } from './decode/decoder.js';
import { CPUID_FEATURES_EDX, CPUID_EXT_FEATURES_EDX, CPUID_LEAF7_EBX, MSR_EFER, MSR_PAT, MSR_TSC } from './exec/system.js';
import { compileBlock, COMPILE_THRESHOLD, type CompiledBlock } from './jit/block-compiler.js';
import { deliverException, deliverExternalInterrupt, type TripleFaultHandler } from './protection/interrupts.js';

/** A run of decoded instructions starting at one physical address and ending at a control transfer or page end. */
export class Block {
  constructor(readonly insns: Insn[], readonly byteLength: number, readonly code32: boolean) {}
  /** Times executed by the interpreter; at COMPILE_THRESHOLD the block is compiled. */
  hits = 0;
  compiled: CompiledBlock | undefined = undefined;
  /**
   * Links to the blocks that followed this one (taken and fall-through exits), valid while neither the TLB
   * nor the code cache changed (both generations still match). Each link also records the code context
   * (CS base, code size, user or supervisor fetch rights) it was found under, and is followed only under the
   * same one: a far transfer that leaves and comes back (ring 3 → 2 → 3) keeps its links.
   */
  linkTlbGen = -1;
  linkCodeGen = -1;
  next0Eip = -1;
  next0Base = 0;
  next0Mode = -1;
  next0: Block | undefined = undefined;
  next1Eip = -1;
  next1Base = 0;
  next1Mode = -1;
  next1: Block | undefined = undefined;
}

const MAX_BLOCK_INSNS = 64;

export const enum StopReason { Budget, Halted, Stopped }

export class Cpu extends LazyFlags {
  readonly r32 = new Int32Array(8);
  readonly r16 = new Uint16Array(this.r32.buffer);
  readonly r8 = new Uint8Array(this.r32.buffer);
  eip = 0;

  /** Segment registers: visible selector and the hidden descriptor cache. */
  readonly sreg = new Uint16Array(6);
  readonly segBase = new Int32Array(6);
  /** Lowest and highest valid offsets (expand-down segments have low > 0). */
  readonly segLow = new Float64Array(6);
  readonly segHigh = new Float64Array(6);
  readonly segAttr = new Int32Array(6);
  /** SEG_READ | SEG_WRITE | SEG_BASE0 | SEG_FLAT, recomputed on every segment load. */
  readonly segAccess = new Uint8Array(6);

  cpl = 0;
  /** ACCESS_USER at CPL 3, else ACCESS_SUPERVISOR: the paging privilege of explicit accesses (SDM §4.6). */
  accessMode = ACCESS_SUPERVISOR;
  cr0 = CR0_ET;
  cr2 = 0;
  cr3 = 0;
  cr4 = 0;
  readonly dr = new Int32Array(8);
  /** DR0-DR3/DR7 decoded (debug.ts). */
  readonly debug = new DebugUnit();
  /** Ring transitions, exceptions, CR writes, TLB flushes and table loads: counted, and reported to a listener. */
  readonly events = new CpuEvents();
  /** Set by each far transfer before it changes CPL, so that the ring event names its cause. */
  transferCause = TransferCause.Other;
  transferVector = -1;
  /** Set by MOV DR with DR7.GD: the #DB about to be raised is a fault that pushes RF=1 (§17.3.1.1). */
  generalDetect = false;
  gdtBase = 0; gdtLimit = 0xffff;
  idtBase = 0; idtLimit = 0x3ff;
  ldtSel = 0; ldtBase = 0; ldtLimit = 0; ldtAttr = 0;
  trSel = 0; trBase = 0; trLimit = 0; trAttr = 0;
  efer = 0;
  /** IA32_PAT (MSR 277h), power-on value; paging ignores memory types. */
  pat = [0x00070406, 0x00070406];
  /** PAE's PDPTE registers, low dwords (the high dwords must be zero: MAXPHYADDR is 32); the scratch copy lets a load that faults change nothing. */
  readonly pdpteLow = new Int32Array(4);
  readonly pdpteScratch = new Int32Array(4);
  /** Time-stamp counter offset: TSC = instructions retired + tscOffset. */
  tscOffset = 0;
  /** CR4 bits this CPU implements; MOV CR4 with any other bit set is #GP(0). */
  cr4Supported = CR4_SUPPORTED;
  /** CPUID.1:EDX, CPUID.7:EBX and CPUID.80000001h:EDX: only what is implemented. */
  cpuidFeaturesEdx = CPUID_FEATURES_EDX;
  cpuidExtFeaturesEdx = CPUID_EXT_FEATURES_EDX;
  cpuidLeaf7Ebx = CPUID_LEAF7_EBX;

  /** Instructions completed since reset. */
  retired = 0;
  halted = false;
  /** Set when something may need attention at the next block boundary (IRQ, IF change, TF, HLT). */
  eventCheck = true;
  /** The instruction after STI / MOV SS / POP SS runs before interrupts are recognised. */
  interruptShadow = false;
  /** MOV SS / POP SS also hold off debug traps (#DB) until after the next instruction (SDM §6.8.3). */
  debugShadow = false;
  /** Set by a write into a page holding cached code: the current block stops after this instruction. */
  breakBlock = false;
  /** Set with breakBlock by a taken side exit (a conditional branch inside a block): EIP is already the target. */
  branched = false;
  stopRequested = false;

  /** Block being executed, its starting EIP and the instruction in flight. */
  blockEip = 0;
  curInsn: Insn;
  /** Compile hot blocks to JavaScript (off: interpret everything, for tests of the interpreter itself). */
  compileBlocks = true;
  /**
   * Take the fast paths of protection/fast-transfer.ts for call gates, INT n, RETF and IRET when they apply
   * (off: always the general path, so that tests can compare the two).
   */
  fastTransfers = true;
  /** Executions of a block before it is compiled (1: compile on first execution, to test the compiler). */
  compileThreshold = COMPILE_THRESHOLD;
  private readonly scratch = new Insn();
  /**
   * Decoded blocks by physical page, then by offset in the page. A page has an entry exactly when blocks were
   * decoded from it: stores to it leave the fast path and drop its blocks.
   */
  private readonly pageBlocks: (Block[] | undefined)[];
  /** Bumped when decoded code changes: links between blocks made before are stale. */
  codeGeneration = 0;
  /**
   * What, besides EIP, decides which block a fetch finds: CS.base, and CS.D with whether fetches use user or
   * supervisor rights (CPL 3 or not) as a mode 0-3. Block links compare both (two int32 fields, never boxed).
   */
  codeBase = 0;
  codeMode = 0;

  readonly tlb = new Tlb();
  /** The TLB's entry array, held directly for the fast paths. */
  readonly tlbEntries = this.tlb.entries;
  readMask: number = READ_MASK[0];
  writeMask: number = WRITE_MASK[0];
  execMask: number = EXEC_MASK[0];
  readonly fault = new CpuFault();
  private readonly walk: WalkResult = { phys: 0, bits: 0, wpGrant: false };
  readonly u8: Uint8Array;
  readonly view: DataView;
  private readonly ramSize: number;

  onTripleFault: TripleFaultHandler = () => {};

  constructor(readonly memory: PhysicalMemory, readonly io: IoBus, readonly intr: InterruptController) {
    super();
    this.u8 = memory.u8;
    this.view = memory.view;
    this.ramSize = memory.size;
    this.pageBlocks = new Array(Math.ceil(memory.size / 4096)).fill(undefined);
    this.curInsn = this.scratch;
    this.reset();
  }

  /** Power-on state (SDM Vol. 3A §9.1.1, Table 9-1). */
  reset(): void {
    this.r32.fill(0);
    this.r32[2] = 0x600;
    this.flags = 2;
    this.ccOp = 0;
    this.eip = 0xfff0;
    this.cr0 = CR0_ET | (1 << 29) | (1 << 30);
    this.cr2 = this.cr3 = this.cr4 = 0;
    this.efer = 0;
    this.pat = [0x00070406, 0x00070406];
    this.pdpteLow.fill(0);
    this.gdtBase = 0; this.gdtLimit = 0xffff;
    this.idtBase = 0; this.idtLimit = 0x3ff;
    this.ldtSel = this.ldtBase = this.ldtLimit = this.ldtAttr = 0;
    this.trSel = this.trBase = this.trLimit = this.trAttr = 0;
    for (let s = 0; s < 6; s++) this.setSegmentCache(s, 0, 0, 0xffff, ATTR_P | ATTR_S | TYPE_DATA_WRITABLE | 1);
    this.setSegmentCache(CS, 0xf000, 0xffff0000 | 0, 0xffff, ATTR_P | ATTR_S | TYPE_CODE | TYPE_CODE_READABLE | 1);
    this.transferCause = TransferCause.Reset;
    this.setCpl(0);
    this.events.reset();
    this.dr.fill(0);
    this.debug.arm(this.dr, false);
    this.debug.pendingHits = 0;
    this.halted = false;
    this.interruptShadow = false;
    this.eventCheck = true;
    this.flushTlb();
    this.invalidateAllCode();
  }

  // ---------------------------------------------------------------- segment cache

  /**
   * Loads the hidden part of segment register `seg` and recomputes its cached access bits (`limit` signed or
   * unsigned). setSegmentFromDescriptor below does the same from raw descriptor dwords: keep them in step.
   */
  setSegmentCache(seg: number, selector: number, base: number, limit: number, attr: number): void {
    this.sreg[seg] = selector;
    this.segBase[seg] = base;
    this.segAttr[seg] = attr;
    const big = (attr & ATTR_DB) !== 0;
    const isData = (attr & ATTR_S) !== 0 && (attr & TYPE_CODE) === 0;
    let low = 0, high = limit >>> 0;
    if (isData && (attr & TYPE_DATA_EXPAND_DOWN)) {
      low = high + 1;
      high = big ? 0xffffffff : 0xffff;
    }
    this.segLow[seg] = low;
    this.segHigh[seg] = high;
    let access = accessFromAttr(attr);
    if (access && base === 0 && low === 0) access |= high === 0xffffffff ? SEG_FLAT | SEG_BASE0 : SEG_BASE0;
    this.segAccess[seg] = access;
    if (seg === CS) this.updateCodeContext();
    else if (seg === SS) this.ss32 = big;
  }

  /** Loads segment register `seg` from the descriptor whose dwords are `low` and `high` (SDM Figure 3-8). */
  setSegmentFromDescriptor(seg: number, selector: number, low: number, high: number): void {
    // setSegmentCache's work on the decoded fields, written out so that no 32-bit value crosses a call (boxed).
    const base = (low >>> 16) | ((high & 0xff) << 16) | (high & 0xff000000);
    const raw = (low & 0xffff) | (high & 0xf0000);
    const limit = (high & (1 << 23) ? (raw << 12) | 0xfff : raw) >>> 0;
    const attr = (high >>> 8) & 0xf0ff;
    this.sreg[seg] = selector;
    this.segBase[seg] = base;
    this.segAttr[seg] = attr;
    const big = (attr & ATTR_DB) !== 0;
    let lowest = 0, highest = limit;
    if ((attr & ATTR_S) !== 0 && (attr & TYPE_CODE) === 0 && (attr & TYPE_DATA_EXPAND_DOWN)) {
      lowest = limit + 1;
      highest = big ? 0xffffffff : 0xffff;
    }
    this.segLow[seg] = lowest;
    this.segHigh[seg] = highest;
    let access = accessFromAttr(attr);
    if (access && base === 0 && lowest === 0) access |= highest === 0xffffffff ? SEG_FLAT | SEG_BASE0 : SEG_BASE0;
    this.segAccess[seg] = access;
    if (seg === CS) this.updateCodeContext();
    else if (seg === SS) this.ss32 = big;
  }

  /** Marks a segment register unusable (a null selector loaded into DS/ES/FS/GS in protected mode). */
  setNullSegment(seg: number, selector: number): void {
    this.sreg[seg] = selector;
    this.segBase[seg] = 0;
    this.segAttr[seg] = 0;
    this.segLow[seg] = 1;
    this.segHigh[seg] = 0;
    this.segAccess[seg] = 0;
    if (seg === SS) this.ss32 = false;
  }

  get cs32(): boolean { return (this.segAttr[CS]! & ATTR_DB) !== 0; }
  /** SS.B: 32-bit stack pointer (ESP) rather than SP; kept in a field because every push and pop asks. */
  ss32 = false;
  get protectedMode(): boolean { return (this.cr0 & CR0_PE) !== 0; }

  private updateCodeContext(): void {
    this.codeBase = this.segBase[CS]!;
    this.codeMode = ((this.segAttr[CS]! & ATTR_DB) !== 0 ? 1 : 0) | (this.cpl === 3 ? 2 : 0);
  }

  /** CPL changes select the user or supervisor TLB permission masks. */
  setCpl(cpl: number): void {
    if (cpl !== this.cpl) {
      this.events.ring(this.cpl, cpl, this.transferCause, this.transferVector);
      this.transferCause = TransferCause.Other;
      this.transferVector = -1;
    }
    this.cpl = cpl;
    this.updateCodeContext();
    const user = cpl === 3 ? 1 : 0;
    this.accessMode = user ? ACCESS_USER : ACCESS_SUPERVISOR;
    this.selectAccessMasks();
    this.execMask = EXEC_MASK[user];
  }

  /**
   * The TLB masks of explicit data accesses: user at CPL 3; at CPL 0-2 the AC set while CR4.SMAP and EFLAGS.AC
   * are both set (then explicit accesses may touch user pages), else the plain supervisor set. Called whenever
   * CPL, CR4.SMAP or EFLAGS.AC changes.
   */
  selectAccessMasks(): void {
    if (this.cpl === 3) { this.readMask = READ_MASK[1]; this.writeMask = WRITE_MASK[1]; return; }
    const open = (this.cr4 & CR4_SMAP) !== 0 && (this.flags & FLAG_AC) !== 0;
    this.readMask = open ? READ_MASK_AC : READ_MASK[0];
    this.writeMask = open ? WRITE_MASK_AC : WRITE_MASK[0];
  }


  // ---------------------------------------------------------------- faults

  /** Throws the preallocated fault; never returns. */
  raise(vector: number, errorCode = -1): never {
    const f = this.fault;
    f.vector = vector;
    f.hasErrorCode = errorCode >= 0;
    f.errorCode = errorCode >= 0 ? errorCode : 0;
    throw f;
  }

  raiseGP(code = 0): never { return this.raise(Vector.GP, code); }
  raiseUD(): never { return this.raise(Vector.UD); }

  // ---------------------------------------------------------------- segmentation

  /** Offset → linear for a read through `seg`, with the limit and type checks of §5.3/§5.4.1. */
  private checkSegmentRead(seg: number, off: number, size: number): number {
    const access = this.segAccess[seg]!;
    if (!(access & SEG_READ)) this.segmentFault(seg);
    this.checkLimit(seg, off, size);
    return (this.segBase[seg]! + off) | 0;
  }

  private checkSegmentWrite(seg: number, off: number, size: number): number {
    const access = this.segAccess[seg]!;
    if (!(access & SEG_WRITE)) this.segmentFault(seg);
    this.checkLimit(seg, off, size);
    return (this.segBase[seg]! + off) | 0;
  }

  private checkLimit(seg: number, off: number, size: number): void {
    const first = off >>> 0;
    const last = first + size - 1;
    if (first < this.segLow[seg]! || last > this.segHigh[seg]!) this.segmentFault(seg);
  }

  /** #SS(0) for the stack segment, #GP(0) for all others (including an unusable null segment). */
  private segmentFault(seg: number): never {
    return this.raise(seg === SS ? Vector.SS : Vector.GP, 0);
  }

  // ---------------------------------------------------------------- paging

  /** Linear → physical through the TLB or a page walk; raises #PF. `mode` is who accesses (ACCESS_*). */
  translate(lin: number, write: boolean, exec: boolean, mode: number): number {
    const w = this.walk;
    w.wpGrant = false;
    if (!(this.cr0 & CR0_PG)) {
      w.phys = lin;
      w.bits = TLB_DATA_BITS | TLB_SUP_EXEC | TLB_USER_EXEC;
    } else {
      walkPage(this, lin, write, exec, mode, w);
    }
    const phys = (w.phys & ~0xfff) | (lin & 0xfff);
    const page = phys >>> 12;
    if ((phys >>> 0) < this.ramSize) {
      let bits = w.bits;
      if (this.pageBlocks[page] !== undefined) bits &= ~TLB_WRITE_BITS;
      // A page with a data breakpoint keeps only execute rights, so that every data access comes back here.
      if (this.debug.dataMask !== 0 && this.debug.watches(lin >>> 12)) bits &= ~TLB_DATA_BITS;
      this.tlb.set(lin >>> 12, phys, bits);
      if (w.wpGrant && (bits & TLB_WRITE_BITS)) this.tlb.noteWpGrant(lin >>> 12);
    }
    return phys;
  }

  flushTlb(): void {
    this.events.tlbFlush('all', 0);
    this.tlb.flushAll();
  }

  /** CR0.WP was set: supervisor write rights that only WP = 0 allowed leave the TLB (nothing else does). */
  revokeWpGrants(): void {
    this.events.tlbFlush('wp-writes', 0);
    this.tlb.revokeWpGrants();
  }

  /** A CR3 load: keeps global translations when CR4.PGE is set. */
  flushTlbNonGlobal(): void {
    const keepGlobal = (this.cr4 & CR4_PGE) !== 0;
    this.events.tlbFlush(keepGlobal ? 'non-global' : 'all', 0);
    if (keepGlobal) this.tlb.flushNonGlobal();
    else this.tlb.flushAll();
  }

  get pseEnabled(): boolean { return (this.cr4 & CR4_PSE) !== 0; }
  /** The I/D bit of #PF error codes is defined only with NX or SMEP enabled (§4.7). */
  get instructionFetchReportsI(): boolean {
    return ((this.efer & EFER_NXE) !== 0 && (this.cr4 & CR4_PAE) !== 0) || (this.cr4 & CR4_SMEP) !== 0;
  }
  get wpEnabled(): boolean { return (this.cr0 & CR0_WP) !== 0; }
  get globalPagesEnabled(): boolean { return (this.cr4 & CR4_PGE) !== 0; }

  // ---------------------------------------------------------------- linear memory (privilege given by CPL)

  readLin8(lin: number): number {
    const e = this.tlbEntries[lin >>> 12]!;
    const m = this.readMask;
    if ((e & m) === m) return this.u8[(e & ~0xfff) | (lin & 0xfff)]!;
    if (this.debug.dataMask !== 0) this.noteDataAccess(lin, 1, false);
    return this.memory.read8(this.translate(lin, false, false, this.accessMode));
  }

  readLin16(lin: number): number {
    const e = this.tlbEntries[lin >>> 12]!;
    const m = this.readMask;
    if ((e & m) === m && (lin & 0xfff) <= 0xffe) return this.view.getUint16((e & ~0xfff) | (lin & 0xfff), true);
    return this.readLinSlow(lin, 2, this.accessMode);
  }

  readLin32(lin: number): number {
    const e = this.tlbEntries[lin >>> 12]!;
    const m = this.readMask;
    if ((e & m) === m && (lin & 0xfff) <= 0xffc) return this.view.getInt32((e & ~0xfff) | (lin & 0xfff), true);
    return this.readLinSlow(lin, 4, this.accessMode);
  }

  writeLin8(lin: number, v: number): void {
    const e = this.tlbEntries[lin >>> 12]!;
    const m = this.writeMask;
    if ((e & m) === m) { this.u8[(e & ~0xfff) | (lin & 0xfff)] = v; return; }
    this.writeLinSlow(lin, 1, v, this.accessMode);
  }

  writeLin16(lin: number, v: number): void {
    const e = this.tlbEntries[lin >>> 12]!;
    const m = this.writeMask;
    if ((e & m) === m && (lin & 0xfff) <= 0xffe) { this.view.setUint16((e & ~0xfff) | (lin & 0xfff), v, true); return; }
    this.writeLinSlow(lin, 2, v, this.accessMode);
  }

  writeLin32(lin: number, v: number): void {
    const e = this.tlbEntries[lin >>> 12]!;
    const m = this.writeMask;
    if ((e & m) === m && (lin & 0xfff) <= 0xffc) { this.view.setInt32((e & ~0xfff) | (lin & 0xfff), v, true); return; }
    this.writeLinSlow(lin, 4, v, this.accessMode);
  }

  /** A data breakpoint hit: the instruction completes, then its block ends and the #DB trap is taken. */
  private noteDataAccess(lin: number, size: number, write: boolean): void {
    if (this.debug.checkData(lin, size, write)) { this.breakBlock = true; this.eventCheck = true; }
  }

  /** Reads `size` bytes at `lin`, split at a page boundary (both pages are translated before the read). */
  readLinSlow(lin: number, size: number, mode: number): number {
    if (this.debug.dataMask !== 0) this.noteDataAccess(lin, size, false);
    const firstLen = 0x1000 - (lin & 0xfff);
    const first = this.translate(lin, false, false, mode);
    if (firstLen >= size) return size === 2 ? this.memory.read16(first) : this.memory.read32(first);
    const second = this.translate((lin + firstLen) | 0, false, false, mode);
    let value = 0;
    for (let k = 0; k < size; k++) {
      value |= this.memory.read8(k < firstLen ? first + k : second + (k - firstLen)) << (8 * k);
    }
    return size === 2 ? value & 0xffff : value | 0;
  }

  /** Writes `size` bytes at `lin`; both pages are translated (and may fault) before any byte is stored. */
  writeLinSlow(lin: number, size: number, v: number, mode: number): void {
    if (this.debug.dataMask !== 0) this.noteDataAccess(lin, size, true);
    const firstLen = Math.min(size, 0x1000 - (lin & 0xfff));
    const first = this.translate(lin, true, false, mode);
    const second = firstLen < size ? this.translate((lin + firstLen) | 0, true, false, mode) : 0;
    for (let k = 0; k < size; k++) {
      const a = k < firstLen ? first + k : second + (k - firstLen);
      this.physWrite8(a, v >>> (8 * k));
    }
  }

  /** A store to physical memory outside the fast path; discards cached code decoded from that page. */
  physWrite8(phys: number, v: number): void {
    const page = phys >>> 12;
    if (this.pageBlocks[page] !== undefined) this.invalidateCodePage(page);
    this.memory.write8(phys, v);
  }

  // Supervisor-privilege linear accesses: descriptor tables, the TSS, the IDT (SDM §5.5 "implicit supervisor access").
  readSup32(lin: number): number {
    const e = this.tlbEntries[lin >>> 12]!;
    if ((e & READ_MASK[0]) === READ_MASK[0] && (lin & 0xfff) <= 0xffc) return this.view.getInt32((e & ~0xfff) | (lin & 0xfff), true);
    return this.readLinSlow(lin, 4, ACCESS_IMPLICIT);
  }

  readSup16(lin: number): number {
    const e = this.tlbEntries[lin >>> 12]!;
    if ((e & READ_MASK[0]) === READ_MASK[0] && (lin & 0xfff) <= 0xffe) return this.view.getUint16((e & ~0xfff) | (lin & 0xfff), true);
    return this.readLinSlow(lin, 2, ACCESS_IMPLICIT);
  }

  /** Makes sure a supervisor store to `lin` can complete (#PF otherwise), through the TLB when it already allows it. */
  probeSupervisorWrite(lin: number): void {
    const e = this.tlbEntries[lin >>> 12]!;
    if ((e & WRITE_MASK[0]) !== WRITE_MASK[0]) this.translate(lin, true, false, ACCESS_IMPLICIT);
  }

  writeSup32(lin: number, v: number): void {
    const e = this.tlbEntries[lin >>> 12]!;
    if ((e & WRITE_MASK[0]) === WRITE_MASK[0] && (lin & 0xfff) <= 0xffc) { this.view.setInt32((e & ~0xfff) | (lin & 0xfff), v, true); return; }
    this.writeLinSlow(lin, 4, v, ACCESS_IMPLICIT);
  }

  writeSup8(lin: number, v: number): void {
    this.writeLinSlow(lin, 1, v, ACCESS_IMPLICIT);
  }

  // ---------------------------------------------------------------- segmented memory: seg:offset

  /**
   * seg:off → linear for a read of `size` bytes. Fast: a flat segment, or a base-0 expand-up segment whose limit
   * alone needs checking (LOTRx86's ring-3 segments end at 0xBFFFFFFF). Everything else takes the full check.
   */
  private linearForRead(seg: number, off: number, size: number): number {
    const a = this.segAccess[seg]!;
    if (a & SEG_FLAT) return off;
    if ((a & (SEG_BASE0 | SEG_READ)) === (SEG_BASE0 | SEG_READ) && (off >>> 0) <= this.segHigh[seg]! - (size - 1)) return off;
    return this.checkSegmentRead(seg, off, size);
  }

  private linearForWrite(seg: number, off: number, size: number): number {
    const a = this.segAccess[seg]!;
    if ((a & (SEG_BASE0 | SEG_WRITE)) === (SEG_BASE0 | SEG_WRITE) && (a & SEG_FLAT || (off >>> 0) <= this.segHigh[seg]! - (size - 1))) return off;
    return this.checkSegmentWrite(seg, off, size);
  }

  read8(seg: number, off: number): number { return this.readLin8(this.linearForRead(seg, off, 1)); }
  read16(seg: number, off: number): number { return this.readLin16(this.linearForRead(seg, off, 2)); }
  read32(seg: number, off: number): number { return this.readLin32(this.linearForRead(seg, off, 4)); }
  write8(seg: number, off: number, v: number): void { this.writeLin8(this.linearForWrite(seg, off, 1), v); }
  write16(seg: number, off: number, v: number): void { this.writeLin16(this.linearForWrite(seg, off, 2), v); }
  write32(seg: number, off: number, v: number): void { this.writeLin32(this.linearForWrite(seg, off, 4), v); }

  /** Checks that a read-modify-write or multi-part store to seg:off can complete, before anything is stored. */
  probeWrite(seg: number, off: number, size: number): void {
    const lin = this.linearForWrite(seg, off, size);
    const e = this.tlbEntries[lin >>> 12]!;
    const m = this.writeMask;
    if ((e & m) !== m) this.translate(lin, true, false, this.accessMode);
    const end = (lin + size - 1) | 0;
    if ((end ^ lin) & ~0xfff) this.translate(end & ~0xfff, true, false, this.accessMode);
  }

  /** Effective address of the memory operand (SDM Vol. 2A §2.1.5), truncated to the address size. */
  ea(i: Insn): number {
    let a = i.disp;
    if (i.base >= 0) a += this.r32[i.base]!;
    if (i.index2 >= 0) a += this.r32[i.index2]! << i.scale;
    return i.a32 ? a | 0 : a & 0xffff;
  }

  // ---------------------------------------------------------------- stack

  push32(v: number): void {
    if (this.ss32) {
      const sp = (this.r32[ESP]! - 4) | 0;
      this.write32(SS, sp, v);
      this.r32[ESP] = sp;
    } else {
      const sp = (this.r16[ESP * 2]! - 4) & 0xffff;
      this.write32(SS, sp, v);
      this.r16[ESP * 2] = sp;
    }
  }

  push16(v: number): void {
    if (this.ss32) {
      const sp = (this.r32[ESP]! - 2) | 0;
      this.write16(SS, sp, v);
      this.r32[ESP] = sp;
    } else {
      const sp = (this.r16[ESP * 2]! - 2) & 0xffff;
      this.write16(SS, sp, v);
      this.r16[ESP * 2] = sp;
    }
  }

  pop32(): number {
    if (this.ss32) {
      const sp = this.r32[ESP]!;
      const v = this.read32(SS, sp);
      this.r32[ESP] = sp + 4;
      return v;
    }
    const sp = this.r16[ESP * 2]!;
    const v = this.read32(SS, sp);
    this.r16[ESP * 2] = sp + 4;
    return v;
  }

  pop16(): number {
    if (this.ss32) {
      const sp = this.r32[ESP]!;
      const v = this.read16(SS, sp);
      this.r32[ESP] = sp + 2;
      return v;
    }
    const sp = this.r16[ESP * 2]!;
    const v = this.read16(SS, sp);
    this.r16[ESP * 2] = sp + 2;
    return v;
  }

  /** Reads the stack at ESP+delta without moving ESP (for instructions that must not commit before all checks). */
  stackRead32(delta: number): number {
    return this.ss32 ? this.read32(SS, (this.r32[ESP]! + delta) | 0) : this.read32(SS, (this.r16[ESP * 2]! + delta) & 0xffff);
  }

  stackRead16(delta: number): number {
    return this.ss32 ? this.read16(SS, (this.r32[ESP]! + delta) | 0) : this.read16(SS, (this.r16[ESP * 2]! + delta) & 0xffff);
  }

  adjustEsp(delta: number): void {
    if (this.ss32) this.r32[ESP] = (this.r32[ESP]! + delta) | 0;
    else this.r16[ESP * 2] = (this.r16[ESP * 2]! + delta) & 0xffff;
  }

  // ---------------------------------------------------------------- EFLAGS

  /** Writes EFLAGS bits selected by `mask`; bit 1 stays set and reserved bits stay clear. */
  setEflags(value: number, mask: number): void {
    // The non-arithmetic bits of `flags` are always current; the lazy arithmetic ones matter only if kept.
    const old = (mask & FLAGS_ARITH) === FLAGS_ARITH ? this.flags & ~FLAGS_ARITH : this.getEflags();
    const wasIF = old & FLAG_IF;
    this.flags = ((old & ~mask) | (value & mask) | 2) & 0x3f7fd7 | 2;
    this.ccOp = 0;
    if ((this.flags & FLAG_IF) !== wasIF || (this.flags & (FLAG_TF | FLAG_RF))) this.eventCheck = true;
    if ((old ^ this.flags) & FLAG_AC) this.selectAccessMasks();
  }

  /** EIP of the instruction after the one executing now. */
  nextEip(i: Insn): number {
    return (this.blockEip + i.endDelta) | 0;
  }

  // ---------------------------------------------------------------- decoded-code cache

  private invalidateCodePage(page: number): void {
    this.pageBlocks[page] = undefined;
    this.codeGeneration++;
    this.breakBlock = true;
  }

  /** Forgets every decoded block (mode changes that alter decoding, reset). */
  invalidateAllCode(): void {
    this.pageBlocks.fill(undefined);
    this.codeGeneration++;
  }

  /** Decodes the block starting at the current EIP, whose first byte is at physical `phys`. */
  private buildBlock(phys: number, code32: boolean): Block {
    const insns: Insn[] = [];
    const pageEnd = 0x1000 - (phys & 0xfff);
    let delta = 0;
    while (insns.length < MAX_BLOCK_INSNS && delta < pageEnd) {
      const insn = new Insn();
      const lin = (this.segBase[CS]! + this.eip + delta) | 0;
      try {
        decodeInstruction(this, lin, (this.eip + delta) | 0, code32, insn);
      } catch (e) {
        if (insns.length === 0 || !(e instanceof CpuFault)) throw e;
        break;
      }
      if (insn.crossesPage) break;
      insn.startDelta = delta;
      delta += insn.endDelta;
      insn.endDelta = delta;
      insn.index = insns.length;
      insns.push(insn);
      if (insn.row === null || insn.row.endsBlock) break;
    }
    const block = new Block(insns, delta, code32);
    if (insns.length > 0 && (phys >>> 0) < this.ramSize) {
      const page = phys >>> 12;
      let slots = this.pageBlocks[page];
      if (slots === undefined) {
        slots = this.pageBlocks[page] = new Array<Block>(4096);
        this.tlb.revokeWritesTo(phys);
      }
      slots[phys & 0xfff] = block;
    }
    return block;
  }

  // ---------------------------------------------------------------- run loop

  /** Runs until `budget` instructions have retired, the CPU halts, or stop() is called. */
  run(budget: number): StopReason {
    const stopAt = this.retired + budget;
    this.stopRequested = false;
    while (this.retired < stopAt) {
      if (this.stopRequested) return StopReason.Stopped;
      try {
        if (this.eventCheck && this.handleEvents()) return StopReason.Halted;
        this.runBlocks(stopAt);
      } catch (e) {
        if (!(e instanceof CpuFault)) throw e;
        this.deliverFault(e);
      }
    }
    return StopReason.Budget;
  }

  /** EIP ← target of a near branch, checked against the CS limit (#GP(0)); used by compiled Jcc. */
  branchTo(target: number): void {
    if (!(this.segAccess[CS]! & SEG_FLAT) && (target >>> 0) > this.segHigh[CS]!) this.raiseGP(0);
    this.eip = target | 0;
  }

  /** A conditional branch was taken inside a block: leave the block at the new EIP. */
  takeSideExit(): void {
    this.branched = true;
    this.breakBlock = true;
  }

  /** After MOV SS or POP SS: interrupts and debug traps wait one instruction. */
  shadowAfterStackLoad(): void {
    this.interruptShadow = true;
    this.debugShadow = true;
    this.eventCheck = true;
  }

  stop(): void {
    this.stopRequested = true;
    this.eventCheck = true;
  }

  private runBlocks(stopAt: number): void {
    let prev: Block | undefined;
    while (this.retired < stopAt && !this.eventCheck) {
      const eip = this.eip;
      let block: Block | undefined;
      const linked = prev !== undefined && prev.linkTlbGen === this.tlb.generation && prev.linkCodeGen === this.codeGeneration;
      if (linked) {
        const cb = this.codeBase, cm = this.codeMode;
        block = prev!.next0Eip === eip && prev!.next0Base === cb && prev!.next0Mode === cm ? prev!.next0
          : prev!.next1Eip === eip && prev!.next1Base === cb && prev!.next1Mode === cm ? prev!.next1 : undefined;
      }
      if (block === undefined) {
        block = this.lookupBlock(eip);
        if (prev !== undefined && block.insns.length > 0) this.link(prev, linked, eip, block);
      }
      const insns = block.insns;
      const n = insns.length;
      if (n === 0 || !this.blockFitsCsLimit(block)) {
        this.stepOne();
        continue;
      }
      const base = this.eip;
      this.blockEip = base;
      prev = block;
      let compiled = block.compiled;
      // The execution that reaches the threshold already runs compiled (with threshold 1: every execution).
      if (compiled === undefined && ++block.hits === this.compileThreshold && this.compileBlocks) compiled = block.compiled = compileBlock(insns);
      if (compiled !== undefined) {
        compiled(this);
        continue;
      }
      for (let k = 0; k < n - 1; k++) {
        const insn = insns[k]!;
        this.curInsn = insn;
        insn.exec(this, insn);
        if (this.breakBlock) {
          this.breakBlock = false;
          if (this.branched) this.branched = false;
          else this.eip = (base + insn.endDelta) | 0;
          this.retired += k + 1;
          this.curInsn = this.scratch;
          return;
        }
      }
      const last = insns[n - 1]!;
      this.curInsn = last;
      this.eip = (base + last.endDelta) | 0;
      last.exec(this, last);
      this.breakBlock = false;
      this.branched = false;
      this.retired += n;
    }
  }

  /** Finds (or decodes) the block at CS:eip through the TLB and the per-page block table. */
  private lookupBlock(eip: number): Block {
    const lin = (this.segBase[CS]! + eip) | 0;
    const e = this.tlbEntries[lin >>> 12]!;
    const m = this.execMask;
    const phys = (e & m) === m ? (e & ~0xfff) | (lin & 0xfff) : this.fetchMiss(lin);
    const code32 = (this.segAttr[CS]! & ATTR_DB) !== 0;
    const slots = this.pageBlocks[phys >>> 12];
    const block = slots !== undefined ? slots[phys & 0xfff] : undefined;
    if (block !== undefined && block.code32 === code32) return block;
    this.attributeFaultsToEip();
    return this.buildBlock(phys, code32);
  }

  /** Records `next` as a successor of `prev` at `eip` (blocks have at most two direct successors worth caching). */
  private link(prev: Block, stillValid: boolean, eip: number, next: Block): void {
    if (!stillValid) {
      prev.linkTlbGen = this.tlb.generation;
      prev.linkCodeGen = this.codeGeneration;
      prev.next0Eip = prev.next1Eip = -1;
      prev.next0 = prev.next1 = undefined;
    }
    if (prev.next0 === undefined) { prev.next0Eip = eip; prev.next0Base = this.codeBase; prev.next0Mode = this.codeMode; prev.next0 = next; }
    else { prev.next1Eip = eip; prev.next1Base = this.codeBase; prev.next1Mode = this.codeMode; prev.next1 = next; }
  }

  private blockFitsCsLimit(block: Block): boolean {
    return (this.segAccess[CS]! & SEG_FLAT) !== 0 || (this.eip >>> 0) + block.byteLength - 1 <= this.segHigh[CS]!;
  }

  /** A fetch that misses the TLB: a #PF here belongs to the instruction at EIP, not to the previous block. */
  private fetchMiss(lin: number): number {
    this.attributeFaultsToEip();
    return this.translate(lin, false, true, this.accessMode);
  }

  /** Makes a fault raised before any instruction of a block runs (or during event delivery) report the current EIP. */
  private attributeFaultsToEip(): void {
    this.curInsn = this.scratch;
    this.scratch.startDelta = 0;
    this.scratch.index = 0;
    this.blockEip = this.eip;
  }

  /** Executes exactly one instruction without the block cache (single-step, shadows, page-crossing code). */
  stepOne(): void {
    const insn = this.scratch;
    const lin = (this.segBase[CS]! + this.eip) | 0;
    this.blockEip = this.eip;
    this.curInsn = insn;
    insn.startDelta = 0;
    decodeInstruction(this, lin, this.eip, this.cs32, insn);
    insn.index = 0;
    this.eip = (this.blockEip + insn.endDelta) | 0;
    insn.exec(this, insn);
    this.breakBlock = false;
    this.branched = false;
    this.retired++;
  }

  /** Interrupts, HLT, TF and shadows at an instruction boundary. Returns true when the CPU stays halted. */
  private handleEvents(): boolean {
    this.eventCheck = false;
    // Traps of the previous instruction come before interrupts (SDM Table 6-2), unless MOV SS holds them.
    if (this.debug.pendingHits !== 0 && !this.debugShadow) {
      this.eventCheck = true;
      this.deliverDebugTrap(0);
      return false;
    }
    if (this.interruptShadow) {
      this.interruptShadow = false;
      this.eventCheck = true;
      this.stepSingle();
      return false;
    }
    if ((this.flags & FLAG_IF) && this.intr.hasInterrupt()) {
      this.halted = false;
      this.attributeFaultsToEip();
      deliverExternalInterrupt(this, this.intr.acknowledge());
      this.eventCheck = true;
      return false;
    }
    if (this.halted) {
      this.eventCheck = true;
      return true;
    }
    // Single-step, armed execute breakpoints and RF (which lasts one instruction) go one instruction at a time.
    if ((this.flags & (FLAG_TF | FLAG_RF)) || this.debug.execMask !== 0) {
      this.eventCheck = true;
      this.stepSingle();
      return false;
    }
    return false;
  }

  /**
   * One instruction on its own: first the execute breakpoints (a fault, suppressed by RF), then the
   * instruction, then one #DB trap for single-step (TF set before it, §17.3.1.4) and data/I/O hits.
   */
  private stepSingle(): void {
    const trap = (this.flags & FLAG_TF) !== 0;
    const resume = (this.flags & FLAG_RF) !== 0;
    this.flags &= ~FLAG_RF;
    if (this.debug.execMask !== 0 && !resume) {
      const hits = this.debug.matchExecute((this.segBase[CS]! + this.eip) | 0);
      if (hits !== 0) {
        this.dr[6] = (this.dr[6]! & ~0xf) | hits;
        this.attributeFaultsToEip();
        deliverException(this, Vector.DB, -1);
        return;
      }
    }
    this.debugShadow = false;
    this.stepOne();
    if (this.debugShadow) { this.debugShadow = false; return; }
    if (trap || this.debug.pendingHits !== 0) this.deliverDebugTrap(trap ? DR6_BS : 0);
  }

  /** #DB after an instruction: DR6 gets the data/I/O hits (B0-B3 replaced) and `status` (BS). */
  private deliverDebugTrap(status: number): void {
    const hits = this.debug.pendingHits;
    this.debug.pendingHits = 0;
    let dr6 = this.dr[6]! | status;
    if (hits !== 0) dr6 = (dr6 & ~0xf) | hits;
    this.dr[6] = dr6;
    this.attributeFaultsToEip();
    deliverException(this, Vector.DB, -1);
  }

  /** A fault raised by the instruction in flight: restore its EIP and deliver. */
  private deliverFault(f: CpuFault): void {
    const insn = this.curInsn;
    this.retired += insn === this.scratch ? 0 : insn.index;
    this.eip = (this.blockEip + insn.startDelta) | 0;
    this.attributeFaultsToEip();
    this.breakBlock = false;
    this.halted = false;
    this.eventCheck = true;
    // Breakpoint hits of an instruction that did not complete are not reported.
    this.debug.pendingHits = 0;
    deliverException(this, f.vector, f.hasErrorCode ? f.errorCode : -1);
  }

  // ---------------------------------------------------------------- misc helpers used by handlers

  /** Instruction-level snapshot for debuggers and tests. */
  snapshot(): Record<string, number> {
    const names = ['eax', 'ecx', 'edx', 'ebx', 'esp', 'ebp', 'esi', 'edi'];
    const out: Record<string, number> = {};
    names.forEach((n, k) => { out[n] = this.r32[k]! >>> 0; });
    out.eip = this.eip >>> 0;
    out.eflags = this.getEflags() >>> 0;
    out.cs = this.sreg[CS]!; out.ss = this.sreg[SS]!; out.ds = this.sreg[DS]!;
    out.es = this.sreg[ES]!; out.fs = this.sreg[FS]!; out.gs = this.sreg[GS]!;
    out.cr0 = this.cr0 >>> 0; out.cr2 = this.cr2 >>> 0; out.cr3 = this.cr3 >>> 0; out.cr4 = this.cr4 >>> 0;
    return out;
  }

  reg32(k: number): number { return this.r32[k]! >>> 0; }

  /** Instructions retired before the one in flight (retired itself advances once per block). */
  retiredNow(): number {
    return this.retired + this.curInsn.index;
  }

  /** RDMSR: [EAX, EDX], or undefined for an MSR this CPU does not have (#GP(0)). */
  readMsr(msr: number): [number, number] | undefined {
    if (msr === MSR_EFER) return [this.efer, 0];
    if (msr === MSR_PAT) return [this.pat[0]!, this.pat[1]!];
    if (msr === MSR_TSC) {
      const tsc = this.retiredNow() + this.tscOffset;
      return [tsc % 0x100000000 | 0, Math.floor(tsc / 0x100000000) | 0];
    }
    return undefined;
  }

  /** WRMSR: false for an MSR this CPU does not have. */
  writeMsr(msr: number, low: number, high: number): boolean {
    if (msr === MSR_EFER) {
      // Only NXE exists here: SCE needs SYSCALL and LME long mode, neither of which this CPU has.
      if (high !== 0 || (low & ~EFER_NXE)) return false;
      if ((low ^ this.efer) & EFER_NXE) this.flushTlb();
      this.efer = low;
      return true;
    }
    if (msr === MSR_PAT) {
      // Each byte is a memory type; 2, 3 and 8-255 are reserved (#GP), SDM §11.12.2.
      for (const dword of [low, high]) for (let k = 0; k < 32; k += 8) { const t = (dword >>> k) & 0xff; if (t === 2 || t === 3 || t > 7) return false; }
      this.pat = [low, high];
      return true;
    }
    if (msr === MSR_TSC) {
      this.tscOffset = (high >>> 0) * 0x100000000 + (low >>> 0) - this.retiredNow();
      return true;
    }
    return false;
  }
}
