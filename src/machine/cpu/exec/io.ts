// IN/OUT and the I/O permission check: CPL ≤ IOPL, else the TSS I/O bitmap (SDM Vol. 1 §19.5).

import type { Cpu } from '../cpu.js';
import type { Insn } from '../decode/insn.js';
import { EAX, EDX } from '../registers.js';
import { FLAG_IOPL, FLAG_VM } from '../eflags.js';

/** #GP(0) unless the current privilege may access `size` ports starting at `port`; notes I/O breakpoints. */
export function checkIoPermission(cpu: Cpu, port: number, size: number): void {
  if (!cpu.protectedMode) { noteIoBreakpoint(cpu, port, size); return; }
  if (!(cpu.flags & FLAG_VM) && cpu.cpl <= ((cpu.flags & FLAG_IOPL) >>> 12)) { noteIoBreakpoint(cpu, port, size); return; }
  // Only a 32-bit TSS has an I/O bitmap; its base is the word at offset 0x66.
  const type = cpu.trAttr & 0xf;
  if ((type !== 0x9 && type !== 0xb) || cpu.trLimit < 0x67) cpu.raiseGP(0);
  const mapBase = cpu.readSup16((cpu.trBase + 0x66) | 0);
  const byte = mapBase + (port >>> 3);
  if (byte + 1 > cpu.trLimit) cpu.raiseGP(0);
  const bits = cpu.readSup16((cpu.trBase + byte) | 0);
  const mask = ((1 << size) - 1) << (port & 7);
  if (bits & mask) cpu.raiseGP(0);
  noteIoBreakpoint(cpu, port, size);
}

/** An I/O breakpoint (DR7 R/W = 10b with CR4.DE) is a trap: the instruction completes, then #DB. */
function noteIoBreakpoint(cpu: Cpu, port: number, size: number): void {
  if (cpu.debug.ioMask !== 0 && cpu.debug.checkIo(port, size)) { cpu.breakBlock = true; cpu.eventCheck = true; }
}

function portIn(cpu: Cpu, port: number, size: number): void {
  checkIoPermission(cpu, port, size);
  if (size === 1) cpu.r8[0] = cpu.io.read8(port);
  else if (size === 2) cpu.r16[0] = cpu.io.read16(port);
  else cpu.r32[EAX] = cpu.io.read32(port);
  cpu.eventCheck = true;
}

function portOut(cpu: Cpu, port: number, size: number): void {
  checkIoPermission(cpu, port, size);
  if (size === 1) cpu.io.write8(port, cpu.r8[0]!);
  else if (size === 2) cpu.io.write16(port, cpu.r16[0]!);
  else cpu.io.write32(port, cpu.r32[EAX]!);
  cpu.eventCheck = true;
}

export const inAlIb = (cpu: Cpu, i: Insn) => portIn(cpu, i.imm & 0xff, 1);
export const inEaxIb = (cpu: Cpu, i: Insn) => portIn(cpu, i.imm & 0xff, i.o32 ? 4 : 2);
export const inAlDx = (cpu: Cpu) => portIn(cpu, cpu.r16[EDX * 2]!, 1);
export const inEaxDx = (cpu: Cpu, i: Insn) => portIn(cpu, cpu.r16[EDX * 2]!, i.o32 ? 4 : 2);
export const outIbAl = (cpu: Cpu, i: Insn) => portOut(cpu, i.imm & 0xff, 1);
export const outIbEax = (cpu: Cpu, i: Insn) => portOut(cpu, i.imm & 0xff, i.o32 ? 4 : 2);
export const outDxAl = (cpu: Cpu) => portOut(cpu, cpu.r16[EDX * 2]!, 1);
export const outDxEax = (cpu: Cpu, i: Insn) => portOut(cpu, cpu.r16[EDX * 2]!, i.o32 ? 4 : 2);
