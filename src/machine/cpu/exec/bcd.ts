// Decimal adjust instructions DAA, DAS, AAA, AAS, AAM, AAD (SDM Vol. 2A pseudocode).

import type { Cpu } from '../cpu.js';
import type { Insn } from '../decode/insn.js';
import { CcOp } from '../lazy-flags.js';
import { FLAG_AF, FLAG_CF, FLAG_OF } from '../eflags.js';
import { Vector } from '../fault.js';

/** Sets SF/ZF/PF from the byte `al` and CF/AF as given; OF is undefined here and cleared. */
function setDecimalFlags(cpu: Cpu, al: number, cf: boolean, af: boolean): void {
  cpu.ccOp = CcOp.LOGIC; cpu.ccDst = al; cpu.ccSign = 0x80;
  cpu.materializeFlags();
  cpu.flags = (cpu.flags & ~(FLAG_CF | FLAG_AF | FLAG_OF)) | (cf ? FLAG_CF : 0) | (af ? FLAG_AF : 0);
}

export function daa(cpu: Cpu): void {
  const oldAl = cpu.r8[0]!, oldCf = cpu.getCF();
  let al = oldAl, cf = false, af = false;
  if ((al & 0xf) > 9 || cpu.getAF()) { al = (al + 6) & 0xff; cf = oldCf || oldAl + 6 > 0xff; af = true; }
  if (oldAl > 0x99 || oldCf) { al = (al + 0x60) & 0xff; cf = true; }
  cpu.r8[0] = al;
  setDecimalFlags(cpu, al, cf, af);
}

export function das(cpu: Cpu): void {
  const oldAl = cpu.r8[0]!, oldCf = cpu.getCF();
  let al = oldAl, cf = false, af = false;
  if ((al & 0xf) > 9 || cpu.getAF()) { al = (al - 6) & 0xff; cf = oldCf || oldAl < 6; af = true; }
  if (oldAl > 0x99 || oldCf) { al = (al - 0x60) & 0xff; cf = true; }
  cpu.r8[0] = al;
  setDecimalFlags(cpu, al, cf, af);
}

export function aaa(cpu: Cpu): void {
  const adjust = (cpu.r8[0]! & 0xf) > 9 || cpu.getAF();
  if (adjust) { cpu.r16[0] = cpu.r16[0]! + 0x106; }
  cpu.r8[0] = cpu.r8[0]! & 0xf;
  setDecimalFlags(cpu, cpu.r8[0]!, adjust, adjust);
}

export function aas(cpu: Cpu): void {
  const adjust = (cpu.r8[0]! & 0xf) > 9 || cpu.getAF();
  if (adjust) { cpu.r16[0] = cpu.r16[0]! - 6; cpu.r8[1] = cpu.r8[1]! - 1; }
  cpu.r8[0] = cpu.r8[0]! & 0xf;
  setDecimalFlags(cpu, cpu.r8[0]!, adjust, adjust);
}

/** AAM imm8: #DE for a zero base. */
export function aam(cpu: Cpu, i: Insn): void {
  const base = i.imm & 0xff;
  if (base === 0) cpu.raise(Vector.DE);
  const al = cpu.r8[0]!;
  cpu.r8[1] = Math.floor(al / base);
  cpu.r8[0] = al % base;
  setDecimalFlags(cpu, cpu.r8[0]!, false, false);
}

export function aad(cpu: Cpu, i: Insn): void {
  const al = (cpu.r8[0]! + cpu.r8[1]! * (i.imm & 0xff)) & 0xff;
  cpu.r16[0] = al;
  setDecimalFlags(cpu, al, false, false);
}

/** SALC (D6): AL = CF ? 0xFF : 0, as on every IA-32 processor (undocumented by Intel until recently). */
export function salc(cpu: Cpu): void {
  cpu.r8[0] = cpu.getCF() ? 0xff : 0;
}

