// Near control transfer (JMP, Jcc, CALL, RET, LOOP, JCXZ), software interrupts, and HLT (SDM Vol. 2).
// Targets are checked against the CS limit (#GP(0)) by Cpu.branchTo before anything else changes.

import type { Cpu } from '../cpu.js';
import type { Insn } from '../decode/insn.js';
import { ECX } from '../registers.js';
import { Vector } from '../fault.js';
import { deliverException, deliverSoftwareInterrupt, EventSource } from '../protection/interrupts.js';
import { readEv16, readEv32 } from './arith.js';

/** Sets EIP to a near target: truncated to 16 bits for a 16-bit operand size, checked against the CS limit. */
export function jumpNear(cpu: Cpu, target: number, o32: boolean): void {
  cpu.branchTo(o32 ? target : target & 0xffff);
}

export function jmpRel(cpu: Cpu, i: Insn): void {
  jumpNear(cpu, cpu.eip + i.imm, i.o32);
}

/** Jcc may sit inside a block (a side exit), so its target is relative to its own next EIP. */
export function jcc(cpu: Cpu, i: Insn): void {
  if (cpu.testCondition(i.sub)) {
    jumpNear(cpu, cpu.nextEip(i) + i.imm, i.o32);
    cpu.takeSideExit();
  }
}

export function jmpEv(cpu: Cpu, i: Insn): void {
  jumpNear(cpu, i.o32 ? readEv32(cpu, i) : readEv16(cpu, i), i.o32);
}

export function callRel(cpu: Cpu, i: Insn): void {
  const ret = cpu.eip;
  // The target is checked first; a fault in the push leaves ESP alone and the fault path restores EIP.
  jumpNear(cpu, ret + i.imm, i.o32);
  if (i.o32) cpu.push32(ret); else cpu.push16(ret);
}

export function callEv(cpu: Cpu, i: Insn): void {
  const ret = cpu.eip;
  jumpNear(cpu, i.o32 ? readEv32(cpu, i) : readEv16(cpu, i), i.o32);
  if (i.o32) cpu.push32(ret); else cpu.push16(ret);
}

/** RET / RET imm16: the return address is read and checked before ESP moves. */
export function retNear(cpu: Cpu, i: Insn): void {
  cpu.branchTo(i.o32 ? cpu.stackRead32(0) : cpu.stackRead16(0));
  cpu.adjustEsp((i.o32 ? 4 : 2) + (i.imm & 0xffff));
}

/** LOOP/LOOPE/LOOPNE/JECXZ: the counter is CX or ECX by address size (sub: 0 LOOPNE, 1 LOOPE, 2 LOOP, 3 JCXZ). */
export function loop(cpu: Cpu, i: Insn): void {
  let count: number;
  if (i.sub === 3) {
    count = i.a32 ? cpu.r32[ECX]! : cpu.r16[ECX * 2]!;
    if (count === 0) jumpNear(cpu, cpu.eip + i.imm, i.o32);
    return;
  }
  if (i.a32) count = cpu.r32[ECX] = cpu.r32[ECX]! - 1;
  else count = cpu.r16[ECX * 2] = cpu.r16[ECX * 2]! - 1;
  let taken = count !== 0;
  if (i.sub === 0) taken &&= !cpu.getZF();
  else if (i.sub === 1) taken &&= cpu.getZF();
  if (taken) jumpNear(cpu, cpu.eip + i.imm, i.o32);
}

// --- software interrupts: EIP already points past the instruction (trap semantics)

export function intIb(cpu: Cpu, i: Insn): void {
  if ((cpu.flags & (1 << 17)) && ((cpu.flags >>> 12) & 3) < 3) cpu.raiseGP(0);
  deliverSoftwareInterrupt(cpu, i.imm & 0xff);
}

export function int3(cpu: Cpu): void {
  deliverSoftwareInterrupt(cpu, Vector.BP);
}

export function into(cpu: Cpu): void {
  if (cpu.getOF()) deliverSoftwareInterrupt(cpu, Vector.OF);
}

/** INT1/ICEBP (F1): #DB as a trap, delivered without the gate-DPL check (SDM Vol. 3A §17.3.1.2). */
export function icebp(cpu: Cpu): void {
  deliverException(cpu, Vector.DB, -1, EventSource.Icebp);
}

export function hlt(cpu: Cpu): void {
  if (cpu.protectedMode && cpu.cpl !== 0) cpu.raiseGP(0);
  cpu.halted = true;
  cpu.eventCheck = true;
}

export function nop(): void {}
