// Test bench for the IA-32 CPU model: a Cpu on its own RAM, in flat 32-bit protected mode (SDM Vol. 3A §3.2.1),
// with a GDT, an IDT whose handlers are single HLTs, and helpers to place code, descriptors and page tables.

import { Cpu, StopReason } from '../../../src/machine/cpu/cpu.js';
import { CpuFault } from '../../../src/machine/cpu/fault.js';
import { CR0_PE } from '../../../src/machine/cpu/eflags.js';
import { CS, DS, ES, FS, GS, SS, ESP } from '../../../src/machine/cpu/registers.js';
import { ATTR_DB, ATTR_G, ATTR_P, ATTR_S, TYPE_ACCESSED, TYPE_CODE, TYPE_CODE_READABLE, TYPE_DATA_WRITABLE } from '../../../src/machine/cpu/segments.js';
import { PhysicalMemory } from '../../../src/machine/memory/physical-memory.js';
import { IoBus } from '../../../src/machine/bus/io-bus.js';
import type { InterruptController } from '../../../src/machine/bus/irq.js';

export { StopReason };

/** An interrupt controller with nothing pending. */
export class IdleInterruptController implements InterruptController {
  hasInterrupt(): boolean { return false; }
  acknowledge(): number { return 0x20; }
}

// Physical layout of the bench (all below 1 MiB except the paging area).
export const GDT_BASE = 0x1000;
export const IDT_BASE = 0x2000;
/** Handler for vector v lives at HANDLER_BASE + v * HANDLER_STRIDE and is a single HLT. */
export const HANDLER_BASE = 0x3000;
export const HANDLER_STRIDE = 16;
export const STACK_TOP = 0x9000;
export const CODE_BASE = 0x10000;
export const DATA_BASE = 0x20000;

// GDT selectors.
export const SEL_CODE0 = 0x08;
export const SEL_DATA0 = 0x10;
export const SEL_CODE3 = 0x18 | 3;
export const SEL_DATA3 = 0x20 | 3;
/** A data segment whose descriptor has P = 0. */
export const SEL_NOT_PRESENT = 0x28;
/** A 32-bit interrupt gate sitting in the GDT (a system descriptor, not loadable into DS). */
export const SEL_SYSTEM = 0x30;
export const GDT_ENTRIES = 7;

export const GATE_INT32 = 0xe;
export const GATE_TRAP32 = 0xf;

const FLAT_CODE_ATTR = ATTR_P | ATTR_S | TYPE_CODE | TYPE_CODE_READABLE | TYPE_ACCESSED | ATTR_DB | ATTR_G;
const FLAT_DATA_ATTR = ATTR_P | ATTR_S | TYPE_DATA_WRITABLE | TYPE_ACCESSED | ATTR_DB | ATTR_G;

/** A segment descriptor (SDM Vol. 3A Figure 3-8): `access` is byte 5 (P, DPL, S, type), `flags` the G/DB/L/AVL nibble. */
export function segmentDescriptor(base: number, limit: number, access: number, flags: number): [number, number] {
  const low = ((limit & 0xffff) | ((base & 0xffff) << 16)) | 0;
  const high = (((base >>> 16) & 0xff) | (access << 8) | (limit & 0xf0000) | ((flags & 0xf) << 20) | (base & 0xff000000)) | 0;
  return [low, high];
}

/** An interrupt or trap gate (SDM Vol. 3A Figure 6-2). */
export function gateDescriptor(selector: number, offset: number, type: number, dpl: number, present = true): [number, number] {
  const low = ((offset & 0xffff) | (selector << 16)) | 0;
  const high = ((offset & 0xffff0000) | (present ? 1 << 15 : 0) | (dpl << 13) | (type << 8)) | 0;
  return [low, high];
}

export function writeDescriptor(mem: PhysicalMemory, addr: number, [low, high]: [number, number]): void {
  mem.write32(addr, low);
  mem.write32(addr + 4, high);
}

export function handlerAddress(vector: number): number {
  return HANDLER_BASE + vector * HANDLER_STRIDE;
}

export interface Bench {
  cpu: Cpu;
  mem: PhysicalMemory;
}

/** A CPU at CPL 0 in flat 32-bit protected mode, paging off, interrupts off, every IDT vector a present interrupt gate. */
export function makeBench(memoryBytes = 8 * 1024 * 1024, intr: InterruptController = new IdleInterruptController()): Bench {
  const mem = new PhysicalMemory(memoryBytes);
  const cpu = new Cpu(mem, new IoBus(), intr);
  writeDescriptor(mem, GDT_BASE, [0, 0]);
  writeDescriptor(mem, GDT_BASE + 0x08, segmentDescriptor(0, 0xfffff, 0x9b, 0xc));
  writeDescriptor(mem, GDT_BASE + 0x10, segmentDescriptor(0, 0xfffff, 0x93, 0xc));
  writeDescriptor(mem, GDT_BASE + 0x18, segmentDescriptor(0, 0xfffff, 0xfb, 0xc));
  writeDescriptor(mem, GDT_BASE + 0x20, segmentDescriptor(0, 0xfffff, 0xf3, 0xc));
  writeDescriptor(mem, GDT_BASE + 0x28, segmentDescriptor(0, 0xfffff, 0x13, 0xc));
  writeDescriptor(mem, GDT_BASE + 0x30, gateDescriptor(SEL_CODE0, 0, GATE_INT32, 0));
  for (let v = 0; v < 256; v++) {
    writeDescriptor(mem, IDT_BASE + v * 8, gateDescriptor(SEL_CODE0, handlerAddress(v), GATE_INT32, 0));
    mem.write8(handlerAddress(v), 0xf4);
  }
  cpu.cr0 |= CR0_PE;
  cpu.gdtBase = GDT_BASE;
  cpu.gdtLimit = GDT_ENTRIES * 8 - 1;
  cpu.idtBase = IDT_BASE;
  cpu.idtLimit = 256 * 8 - 1;
  cpu.setSegmentCache(CS, SEL_CODE0, 0, 0xffffffff, FLAT_CODE_ATTR);
  for (const seg of [DS, ES, FS, GS, SS]) cpu.setSegmentCache(seg, SEL_DATA0, 0, 0xffffffff, FLAT_DATA_ATTR);
  cpu.setCpl(0);
  cpu.setEflags(2, 0xffffffff);
  cpu.r32[ESP] = STACK_TOP;
  cpu.eip = CODE_BASE;
  cpu.invalidateAllCode();
  cpu.flushTlb();
  return { cpu, mem };
}

/** Writes code at `addr`, points EIP at it and makes the CPU runnable again (not halted, ESP at STACK_TOP). */
export function loadCode(bench: Bench, bytes: readonly number[], addr = CODE_BASE): void {
  const { cpu } = bench;
  bench.mem.writeBytes(addr, Uint8Array.from(bytes));
  cpu.invalidateAllCode();
  cpu.eip = addr;
  cpu.r32[ESP] = STACK_TOP;
  cpu.halted = false;
  cpu.eventCheck = true;
}

/** Runs exactly one instruction at `addr` through the decoder and its handler (no block cache, no delivery). */
export function stepAt(bench: Bench, bytes: readonly number[], addr = CODE_BASE): void {
  loadCode(bench, bytes, addr);
  bench.cpu.stepOne();
}

export interface FaultInfo { vector: number; errorCode: number; hasErrorCode: boolean }

/** Runs `fn`, which must raise a CPU fault, and returns a copy of it. */
export function catchFault(fn: () => void): FaultInfo {
  try {
    fn();
  } catch (e) {
    if (e instanceof CpuFault) return { vector: e.vector, errorCode: e.errorCode, hasErrorCode: e.hasErrorCode };
    throw e;
  }
  throw new Error('expected a CPU fault, none was raised');
}

/** Runs until HLT (or the budget); returns the reason. */
export function runToHalt(bench: Bench, budget = 10_000): StopReason {
  return bench.cpu.run(budget);
}

/** The vector whose HLT handler the CPU stopped in, or -1. */
export function haltedInVector(bench: Bench): number {
  const off = (bench.cpu.eip >>> 0) - 1 - HANDLER_BASE;
  if (off < 0 || off % HANDLER_STRIDE !== 0 || off / HANDLER_STRIDE > 255) return -1;
  return off / HANDLER_STRIDE;
}

export interface DeliveredEvent {
  vector: number;
  /** EIP, CS and EFLAGS of the interrupted code as pushed by the CPU. */
  eip: number;
  cs: number;
  eflags: number;
  /** The pushed error code, or undefined when the frame has none. */
  errorCode: number | undefined;
}

/**
 * Reads the frame that a same-privilege delivery pushed onto the STACK_TOP stack, for a CPU stopped in a HLT
 * handler. The frame size (ESP) tells whether an error code was pushed.
 */
export function deliveredEvent(bench: Bench): DeliveredEvent {
  const depth = STACK_TOP - (bench.cpu.r32[ESP]! >>> 0);
  if (depth !== 12 && depth !== 16) throw new Error(`unexpected stack depth ${depth} (vector ${haltedInVector(bench)}, eip ${hex(bench.cpu.eip)})`);
  const hasCode = depth === 16;
  const at = (k: number) => stackDword(bench, k + (hasCode ? 1 : 0));
  return { vector: haltedInVector(bench), eip: at(0), cs: at(1) & 0xffff, eflags: at(2), errorCode: hasCode ? stackDword(bench, 0) : undefined };
}

/**
 * Runs `bytes` followed by HLT at CODE_BASE, with EAX = DATA_BASE so that [eax] operands hit scratch memory.
 * Returns the event delivered to a HLT handler, or undefined when the code ran to its own HLT.
 */
export function runSnippet(bench: Bench, bytes: readonly number[], budget = 100): DeliveredEvent | undefined {
  loadCode(bench, [...bytes, 0xf4]);
  bench.cpu.r32[0] = DATA_BASE;
  runToHalt(bench, budget);
  return haltedInVector(bench) < 0 ? undefined : deliveredEvent(bench);
}

/** The dword at ESP + 4k (the k-th stacked value). */
export function stackDword(bench: Bench, k: number): number {
  return bench.mem.read32((bench.cpu.r32[ESP]! >>> 0) + 4 * k) >>> 0;
}

/** Mulberry32: a small seeded PRNG, so random cases are the same on every run. */
export function prng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return (t ^ (t >>> 14)) >>> 0;
  };
}

export function hex(v: number, digits = 8): string {
  return (v >>> 0).toString(16).padStart(digits, '0');
}
