// String instructions MOVS, STOS, LODS, CMPS, SCAS, INS, OUTS with REP/REPE/REPNE (SDM Vol. 2).
// Each iteration commits ECX, ESI and EDI, so a fault in iteration n resumes at iteration n.

import type { Cpu } from '../cpu.js';
import type { Insn } from '../decode/insn.js';
import { EAX, ECX, EDX, ESI, EDI, ES } from '../registers.js';
import { FLAG_DF } from '../eflags.js';
import { alu } from './arith.js';
import { checkIoPermission } from './io.js';

export const enum StringKind { MOVS, STOS, LODS, CMPS, SCAS, INS, OUTS }

function readSized(cpu: Cpu, seg: number, addr: number, size: number): number {
  return size === 1 ? cpu.read8(seg, addr) : size === 2 ? cpu.read16(seg, addr) : cpu.read32(seg, addr);
}

function writeSized(cpu: Cpu, seg: number, addr: number, size: number, v: number): void {
  if (size === 1) cpu.write8(seg, addr, v); else if (size === 2) cpu.write16(seg, addr, v); else cpu.write32(seg, addr, v);
}

function accumulator(cpu: Cpu, size: number): number {
  return size === 1 ? cpu.r8[0]! : size === 2 ? cpu.r16[0]! : cpu.r32[EAX]!;
}

function setAccumulator(cpu: Cpu, size: number, v: number): void {
  if (size === 1) cpu.r8[0] = v; else if (size === 2) cpu.r16[0] = v; else cpu.r32[EAX] = v;
}

/** Executes one string instruction of `kind` and `size` bytes, repeated per the REP prefix. */
export function stringOp(cpu: Cpu, i: Insn, kind: StringKind, size: number): void {
  const a32 = i.a32;
  const step = cpu.flags & FLAG_DF ? -size : size;
  const sign = size === 1 ? 0x80 : size === 2 ? 0x8000 : 0x80000000 | 0;
  const repeat = i.rep !== 0;
  const compares = kind === StringKind.CMPS || kind === StringKind.SCAS;
  if (kind === StringKind.INS || kind === StringKind.OUTS) checkIoPermission(cpu, cpu.r16[EDX * 2]!, size);
  for (;;) {
    if (repeat && (a32 ? cpu.r32[ECX] : cpu.r16[ECX * 2]) === 0) return;
    const si = a32 ? cpu.r32[ESI]! : cpu.r16[ESI * 2]!;
    const di = a32 ? cpu.r32[EDI]! : cpu.r16[EDI * 2]!;
    let advanceSi = false, advanceDi = false;
    switch (kind) {
      case StringKind.MOVS: writeSized(cpu, ES, di, size, readSized(cpu, i.seg, si, size)); advanceSi = advanceDi = true; break;
      case StringKind.STOS: writeSized(cpu, ES, di, size, accumulator(cpu, size)); advanceDi = true; break;
      case StringKind.LODS: setAccumulator(cpu, size, readSized(cpu, i.seg, si, size)); advanceSi = true; break;
      case StringKind.CMPS: {
        const a = readSized(cpu, i.seg, si, size), b = readSized(cpu, ES, di, size);
        alu(cpu, 7, a, b, sign);
        advanceSi = advanceDi = true;
        break;
      }
      case StringKind.SCAS: alu(cpu, 7, accumulator(cpu, size), readSized(cpu, ES, di, size), sign); advanceDi = true; break;
      case StringKind.INS: {
        const port = cpu.r16[EDX * 2]!;
        cpu.probeWrite(ES, di, size);
        const v = size === 1 ? cpu.io.read8(port) : size === 2 ? cpu.io.read16(port) : cpu.io.read32(port);
        writeSized(cpu, ES, di, size, v);
        advanceDi = true;
        cpu.eventCheck = true;
        break;
      }
      default: {
        const port = cpu.r16[EDX * 2]!;
        const v = readSized(cpu, i.seg, si, size);
        if (size === 1) cpu.io.write8(port, v); else if (size === 2) cpu.io.write16(port, v); else cpu.io.write32(port, v);
        advanceSi = true;
        cpu.eventCheck = true;
        break;
      }
    }
    if (a32) {
      if (advanceSi) cpu.r32[ESI] = si + step;
      if (advanceDi) cpu.r32[EDI] = di + step;
    } else {
      if (advanceSi) cpu.r16[ESI * 2] = si + step;
      if (advanceDi) cpu.r16[EDI * 2] = di + step;
    }
    if (!repeat) return;
    const left = a32 ? (cpu.r32[ECX] = cpu.r32[ECX]! - 1) : (cpu.r16[ECX * 2] = cpu.r16[ECX * 2]! - 1);
    if (left === 0) return;
    // REPE stops on ZF=0, REPNE on ZF=1 (only for CMPS/SCAS).
    if (compares && (i.rep === 1) !== cpu.getZF()) return;
    // A data or I/O breakpoint hit traps between iterations: EIP stays on the instruction (SDM §17.3.1.2).
    if (cpu.debug.pendingHits !== 0) { cpu.eip = (cpu.blockEip + i.startDelta) | 0; cpu.takeSideExit(); return; }
  }
}

export function makeStringHandler(kind: StringKind, size: number) {
  return (cpu: Cpu, i: Insn): void => stringOp(cpu, i, kind, size);
}
