// A disassembly-ish listing of generated instructions, from their opcode-table rows: bytes, mnemonic and the
// operands in Intel syntax, enough to read a minimized failing sequence.

import { GPR16_NAMES, GPR32_NAMES, GPR8_NAMES } from '../../src/machine/cpu/registers.js';
import { encodeInstruction } from './encoder.js';
import { memoryRegisters, type FuzzInstruction, type MemoryOperand } from './instruction.js';
import { immediateBytes, operandBits, operandKind } from './operands.js';

const SEGMENT_PREFIX_NAMES: Record<number, string> = { 0x26: 'es', 0x2e: 'cs', 0x36: 'ss', 0x3e: 'ds', 0x64: 'fs', 0x65: 'gs' };
const WIDTH_NAMES: Record<number, string> = { 8: 'byte', 16: 'word', 32: 'dword', 64: 'qword' };

export function registerName(reg: number, bits: number): string {
  const names = bits === 8 ? GPR8_NAMES : bits === 16 ? GPR16_NAMES : GPR32_NAMES;
  return names[reg & 7]!;
}

function hex(value: number, bytes: number): string {
  return '0x' + (value >>> 0).toString(16).padStart(bytes * 2, '0').slice(-bytes * 2);
}

function signedHex(value: number, bytes: number): string {
  return value < 0 ? `-${hex(-value, bytes)}` : `+${hex(value, bytes)}`;
}

function memoryText(mem: MemoryOperand, bits: number, segPrefix: number): string {
  let text: string;
  if (mem.addressSize === 16) {
    const regs = memoryRegisters(mem).map((r) => GPR16_NAMES[r]!).join('+');
    text = regs === '' ? hex(mem.disp, 2) : mem.dispBytes === 0 ? regs : regs + (mem.dispBytes === 1 ? signedHex(mem.disp, 1) : `+${hex(mem.disp, 2)}`);
  } else {
    const parts: string[] = [];
    if (mem.base >= 0) parts.push(GPR32_NAMES[mem.base]!);
    if (mem.index >= 0) parts.push(mem.scale === 0 ? GPR32_NAMES[mem.index]! : `${GPR32_NAMES[mem.index]}*${2 ** mem.scale}`);
    text = parts.join('+');
    if (parts.length === 0) text = hex(mem.disp, 4);
    else if (mem.dispBytes > 0) text += signedHex(mem.disp, mem.dispBytes);
  }
  const segment = segPrefix in SEGMENT_PREFIX_NAMES ? `${SEGMENT_PREFIX_NAMES[segPrefix]}:` : '';
  const width = bits > 0 ? `${WIDTH_NAMES[bits]} ` : '';
  return `${width}${segment}[${text}]`;
}

/** One instruction in Intel syntax, e.g. "lock add dword [ebx+0x10], 0x00000001". */
export function formatInstruction(insn: FuzzInstruction): string {
  const row = insn.row;
  const operandSize = insn.opsize16 ? 16 : 32;
  let nextImm = 0;
  const operands = row.operands.map((code) => {
    const kind = operandKind(code);
    const bits = operandBits(code, operandSize);
    switch (kind) {
      case 'rm': case 'mem': case 'rmreg':
        if (insn.rm?.kind === 'mem') return memoryText(insn.rm.mem, kind === 'mem' ? 0 : bits, insn.segPrefix);
        return registerName(insn.rm?.reg ?? 0, bits);
      case 'reg': return registerName(insn.reg, bits);
      case 'opreg': return registerName(row.code & 7, bits);
      case 'imm': return hex(insn.imms[nextImm++] ?? 0, immediateBytes(code, operandSize));
      default:
        if (code === 'eAX') return registerName(0, operandSize);
        return code.toLowerCase();
    }
  });
  const prefixes = (insn.lock ? 'lock ' : '') + (insn.opsize16 && operands.length === 0 ? 'o16 ' : '');
  return `${prefixes}${row.mnemonic}${operands.length > 0 ? ' ' + operands.join(', ') : ''}`;
}

export function hexBytes(bytes: readonly number[]): string {
  return bytes.map((b) => b.toString(16).padStart(2, '0')).join(' ');
}

/** The sequence, one instruction a line: offset, bytes, assembly. */
export function formatListing(insns: readonly FuzzInstruction[], indent = '  '): string {
  let offset = 0;
  return insns.map((insn) => {
    const bytes = encodeInstruction(insn);
    const line = `${indent}${offset.toString(16).padStart(3, '0')}: ${hexBytes(bytes).padEnd(40)} ${formatInstruction(insn)}`;
    offset += bytes.length;
    return line;
  }).join('\n');
}
