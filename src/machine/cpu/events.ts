// The CPU's observable events, for tracers, demos and the web lab: ring transitions (with their cause),
// exceptions and interrupts, control-register writes, TLB flushes and descriptor-table loads.
//
// Counting is always on: every event is a rare, already slow path (nothing here runs per instruction).
// Event objects are built only while a listener is attached, so an unobserved machine allocates nothing.

/** Why CPL changed. */
export const enum TransferCause { Other, CallGate, Interrupt, Exception, Iret, Retf, TaskSwitch, Reset }
export const TRANSFER_CAUSE_NAMES = ['other', 'call-gate', 'interrupt', 'exception', 'iret', 'retf', 'task-switch', 'reset'] as const;
export type TransferCauseName = (typeof TRANSFER_CAUSE_NAMES)[number];

/** 'wp-writes': setting CR0.WP took back the supervisor write rights that WP = 0 had granted. */
export type TlbFlushScope = 'all' | 'non-global' | 'page' | 'wp-writes';
export type DescriptorTable = 'gdt' | 'idt' | 'ldt' | 'tr';

export type CpuEvent =
  /** CPL changed. `vector` is the interrupt or exception vector for those causes, else -1. */
  | { kind: 'ring'; from: number; to: number; cause: TransferCauseName; vector: number }
  /** An exception is being delivered; EIP is the one it reports (the instruction for faults). errorCode -1: none. */
  | { kind: 'exception'; vector: number; errorCode: number; cs: number; eip: number; cpl: number }
  /** A hardware (external = true) or software interrupt (INT n, INT3, INTO, ICEBP) is being delivered. */
  | { kind: 'interrupt'; vector: number; external: boolean; cs: number; eip: number; cpl: number }
  | { kind: 'cr-write'; register: 0 | 3 | 4; previous: number; value: number }
  /** `address` is the linear address for a single-page flush (INVLPG), else -1. */
  | { kind: 'tlb-flush'; scope: TlbFlushScope; address: number }
  /** LGDT/LIDT (base and limit) or LLDT/LTR and task switches (selector, with the descriptor's base and limit). */
  | { kind: 'table-load'; table: DescriptorTable; selector: number; base: number; limit: number };

export type CpuEventKind = CpuEvent['kind'];
export type CpuEventListener = (event: CpuEvent) => void;

/** How many of each event happened since reset; `instructions` is read from the CPU when asked. */
export interface CpuCounters {
  instructions: number;
  ringTransitions: number;
  exceptions: number;
  interrupts: number;
  crWrites: number;
  tlbFlushes: number;
  tableLoads: number;
  /** Exceptions by vector (0-31). */
  exceptionsByVector: number[];
  /** Ring transitions by [from][to]. */
  transitions: number[][];
}

export class CpuEvents {
  listener: CpuEventListener | null = null;
  ringTransitions = 0;
  exceptions = 0;
  interrupts = 0;
  crWrites = 0;
  tlbFlushes = 0;
  tableLoads = 0;
  readonly exceptionsByVector = new Float64Array(32);
  readonly transitions = new Float64Array(16);

  reset(): void {
    this.ringTransitions = this.exceptions = this.interrupts = this.crWrites = this.tlbFlushes = this.tableLoads = 0;
    this.exceptionsByVector.fill(0);
    this.transitions.fill(0);
  }

  ring(from: number, to: number, cause: TransferCause, vector: number): void {
    this.ringTransitions++;
    this.transitions[from * 4 + to]!++;
    this.listener?.({ kind: 'ring', from, to, cause: TRANSFER_CAUSE_NAMES[cause]!, vector });
  }

  exception(vector: number, errorCode: number, cs: number, eip: number, cpl: number): void {
    this.exceptions++;
    if (vector < 32) this.exceptionsByVector[vector]!++;
    this.listener?.({ kind: 'exception', vector, errorCode, cs, eip: eip >>> 0, cpl });
  }

  interrupt(vector: number, external: boolean, cs: number, eip: number, cpl: number): void {
    this.interrupts++;
    this.listener?.({ kind: 'interrupt', vector, external, cs, eip: eip >>> 0, cpl });
  }

  crWrite(register: 0 | 3 | 4, previous: number, value: number): void {
    this.crWrites++;
    this.listener?.({ kind: 'cr-write', register, previous: previous >>> 0, value: value >>> 0 });
  }

  tlbFlush(scope: TlbFlushScope, address: number): void {
    this.tlbFlushes++;
    this.listener?.({ kind: 'tlb-flush', scope, address: scope === 'page' ? address >>> 0 : -1 });
  }

  tableLoad(table: DescriptorTable, selector: number, base: number, limit: number): void {
    this.tableLoads++;
    this.listener?.({ kind: 'table-load', table, selector, base: base >>> 0, limit: limit >>> 0 });
  }

  /** A plain snapshot of the counters (with the instructions retired so far). */
  counters(instructions: number): CpuCounters {
    const transitions: number[][] = [];
    for (let from = 0; from < 4; from++) transitions.push(Array.from(this.transitions.subarray(from * 4, from * 4 + 4)));
    return {
      instructions, ringTransitions: this.ringTransitions, exceptions: this.exceptions, interrupts: this.interrupts,
      crWrites: this.crWrites, tlbFlushes: this.tlbFlushes, tableLoads: this.tableLoads,
      exceptionsByVector: Array.from(this.exceptionsByVector), transitions,
    };
  }
}
