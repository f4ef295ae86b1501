// Encodes a generated instruction into IA-32 machine code from its opcode-table row (SDM Vol. 2A ch. 2:
// prefixes, opcode, ModRM, SIB, displacement, immediates), for 32-bit code; 0x67 selects 16-bit addressing.

import { needsModrm } from '../../src/machine/cpu/decode/opcode-table.js';
import { EBP, ESP } from '../../src/machine/cpu/registers.js';
import type { FuzzInstruction, Memory16, Memory32, RmOperand } from './instruction.js';
import { immediateBytes } from './operands.js';

export class EncodeError extends Error {}

export function encodeInstruction(insn: FuzzInstruction): number[] {
  const row = insn.row;
  const bytes: number[] = [];
  if (insn.lock) bytes.push(0xf0);
  if (insn.segPrefix !== 0) bytes.push(insn.segPrefix);
  if (insn.opsize16) bytes.push(0x66);
  if (insn.rm?.kind === 'mem' && insn.rm.mem.addressSize === 16) bytes.push(0x67);
  if (row.code >= 0x0f00) bytes.push(0x0f, row.code & 0xff);
  else bytes.push(row.code);
  if (needsModrm(row.operands)) {
    if (insn.rm === null) throw new EncodeError(`${row.mnemonic}: the row needs a ModRM operand`);
    bytes.push(...encodeModrm(row.ext ?? insn.reg, insn.rm));
  } else if (insn.rm !== null) {
    throw new EncodeError(`${row.mnemonic}: the row has no ModRM byte`);
  }
  const operandSize = insn.opsize16 ? 16 : 32;
  let next = 0;
  for (const code of row.operands) {
    const count = immediateBytes(code, operandSize);
    if (count === 0) continue;
    const value = insn.imms[next++];
    if (value === undefined) throw new EncodeError(`${row.mnemonic}: missing immediate for ${code}`);
    pushLittleEndian(bytes, value, count);
  }
  if (next !== insn.imms.length) throw new EncodeError(`${row.mnemonic}: ${insn.imms.length} immediates for ${next} operands`);
  return bytes;
}

function encodeModrm(reg: number, rm: RmOperand): number[] {
  if (!(reg >= 0 && reg < 8)) throw new EncodeError(`ModRM.reg ${reg} out of range`);
  if (rm.kind === 'reg') return [0xc0 | (reg << 3) | checkedRegister(rm.reg)];
  return rm.mem.addressSize === 16 ? encodeMemory16(reg, rm.mem) : encodeMemory32(reg, rm.mem);
}

/** SDM Vol. 2A Tables 2-2 and 2-3: mod/rm and SIB for 32-bit addressing. */
function encodeMemory32(reg: number, mem: Memory32): number[] {
  const useSib = mem.sib || mem.base === ESP || mem.index >= 0;
  if (mem.index === ESP) throw new EncodeError('ESP cannot be an index register');
  if (mem.base < 0 && mem.dispBytes !== 4) throw new EncodeError('a memory operand without a base needs a 32-bit displacement');
  const mod = mem.base < 0 ? 0 : mem.dispBytes === 0 ? 0 : mem.dispBytes === 1 ? 1 : 2;
  if (mod === 0 && mem.base === EBP) throw new EncodeError('[ebp] needs a displacement (mod 00 with EBP means disp32)');
  checkDisp(mem.disp, mem.dispBytes);
  const bytes: number[] = [];
  if (useSib) {
    if (!(mem.scale >= 0 && mem.scale < 4)) throw new EncodeError(`scale ${mem.scale} out of range`);
    const index = mem.index < 0 ? 4 : checkedRegister(mem.index);
    const base = mem.base < 0 ? 5 : checkedRegister(mem.base);
    bytes.push((mod << 6) | (reg << 3) | 4, (mem.scale << 6) | (index << 3) | base);
  } else {
    bytes.push((mod << 6) | (reg << 3) | (mem.base < 0 ? 5 : checkedRegister(mem.base)));
  }
  pushLittleEndian(bytes, mem.disp, mem.dispBytes);
  return bytes;
}

/** SDM Vol. 2A Table 2-1: mod/rm for 16-bit addressing. */
function encodeMemory16(reg: number, mem: Memory16): number[] {
  checkDisp(mem.disp, mem.dispBytes);
  if (mem.rm < 0) {
    if (mem.dispBytes !== 2) throw new EncodeError('[disp16] needs a 16-bit displacement');
    return [(reg << 3) | 6, ...littleEndian(mem.disp, 2)];
  }
  if (!(mem.rm >= 0 && mem.rm < 8)) throw new EncodeError(`16-bit rm ${mem.rm} out of range`);
  if (mem.rm === 6 && mem.dispBytes === 0) throw new EncodeError('[bp] needs a displacement (mod 00 rm 110 means disp16)');
  const mod = mem.dispBytes === 0 ? 0 : mem.dispBytes === 1 ? 1 : 2;
  return [(mod << 6) | (reg << 3) | mem.rm, ...littleEndian(mem.disp, mem.dispBytes)];
}

function checkDisp(disp: number, bytes: number): void {
  if (bytes === 1 && (disp < -128 || disp > 127)) throw new EncodeError(`disp8 ${disp} out of range`);
}

function checkedRegister(r: number): number {
  if (!(Number.isInteger(r) && r >= 0 && r < 8)) throw new EncodeError(`register ${r} out of range`);
  return r;
}

function littleEndian(value: number, count: number): number[] {
  const bytes: number[] = [];
  pushLittleEndian(bytes, value, count);
  return bytes;
}

function pushLittleEndian(bytes: number[], value: number, count: number): void {
  for (let i = 0; i < count; i++) bytes.push(Math.floor(value / 2 ** (8 * i)) & 0xff);
}
