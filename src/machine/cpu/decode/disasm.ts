// Intel-syntax disassembly of a decoded instruction, from its opcode-table row and the decoder's record
// (the same table the decoder runs on). Used by traces, the fuzzer's reports and error messages.

import type { Insn } from './insn.js';
import { GPR16_NAMES, GPR32_NAMES, GPR8_NAMES, SEG_NAMES } from '../registers.js';

const BYTE_NAME_BY_INDEX: Record<number, string> = { 0: 'al', 4: 'cl', 8: 'dl', 12: 'bl', 1: 'ah', 5: 'ch', 9: 'dh', 13: 'bh' };
const RM16_TEXT = ['bx+si', 'bx+di', 'bp+si', 'bp+di', 'si', 'di', 'bp', 'bx'];

function hex(v: number): string {
  return '0x' + (v >>> 0).toString(16);
}

function signedHex(v: number): string {
  return v < 0 ? '-0x' + (-v).toString(16) : '+0x' + v.toString(16);
}

function reg(n: number, size: number): string {
  return size === 8 ? GPR8_NAMES[n]! : size === 16 ? GPR16_NAMES[n]! : GPR32_NAMES[n]!;
}

/** The memory operand: `dword ptr ds:[ebx+esi*4+0x10]` style, with the segment shown only when overridden. */
function memory(i: Insn, size: number | undefined): string {
  const parts: string[] = [];
  let disp = i.disp;
  if (i.a32) {
    if (i.base >= 0) parts.push(GPR32_NAMES[i.base]!);
    if (i.index2 >= 0) parts.push(`${GPR32_NAMES[i.index2]!}*${1 << i.scale}`);
    // A SIB byte with no index register, as objdump spells it (except for the usual [esp] form).
    else if (i.hasSib && i.base !== 4) parts.push(`eiz*${1 << i.scale}`);
  } else if (i.base >= 0) {
    parts.push(RM16_TEXT[i.rm]!);
    disp = (disp << 16) >> 16;
  }
  const sizeName = size === 8 ? 'byte ptr ' : size === 16 ? 'word ptr ' : size === 32 ? 'dword ptr ' : size === 64 ? 'qword ptr ' : '';
  // An absolute address is written segment:offset without brackets, as objdump does.
  if (parts.length === 0) return `${sizeName}${SEG_NAMES[i.seg]!}:${hex(i.a32 ? disp : disp & 0xffff)}`;
  let inner = parts.join('+');
  if (disp !== 0 || i.dispBytes > 0) inner += signedHex(disp);
  const seg = i.hasSegOverride ? `${SEG_NAMES[i.seg]!}:` : '';
  return `${sizeName}${seg}[${inner}]`;
}

/** One operand in SDM notation, rendered for instruction `i` whose next instruction starts at `nextEip`. */
function operand(i: Insn, code: string, opSize: number, nextEip: number): string {
  const rmSize = code.endsWith('b') ? 8 : code.endsWith('w') ? 16 : code.endsWith('d') ? 32 : opSize;
  switch (code) {
    case 'Eb': case 'Ev': case 'Ew': case 'Ed':
      return i.mod === 3 ? (rmSize === 8 ? BYTE_NAME_BY_INDEX[i.rm8]! : reg(i.rm, rmSize)) : memory(i, rmSize);
    case 'Gb': return BYTE_NAME_BY_INDEX[i.reg8]!;
    case 'Gv': case 'Gw': return reg(i.reg, code === 'Gw' ? 16 : opSize);
    case 'Zb': return BYTE_NAME_BY_INDEX[i.reg8]!;
    case 'Zv': case 'Zd': return reg(i.reg, code === 'Zd' ? 32 : opSize);
    case 'M': case 'Ma': case 'Mp': case 'Mq': case 'Ep': return memory(i, code === 'Mq' ? 64 : undefined);
    case 'Rd': return GPR32_NAMES[i.rm]!;
    case 'Cd': return `cr${i.reg}`;
    case 'Dd': return `dr${i.reg}`;
    case 'Sw': return SEG_NAMES[i.reg] ?? `sreg${i.reg}`;
    case 'AL': return 'al';
    case 'eAX': return opSize === 16 ? 'ax' : 'eax';
    case 'DX': return 'dx';
    case 'CL': return 'cl';
    case '1': return '1';
    case 'Ib': return hex(i.imm & 0xff);
    case 'sIb': return hex(opSize === 16 ? i.imm & 0xffff : i.imm);
    case 'Iw': return hex(i.imm & 0xffff);
    case 'Iz': case 'Iv': return hex(opSize === 16 ? i.imm & 0xffff : i.imm);
    case 'Jb': case 'Jz': return hex(opSize === 16 ? (nextEip + i.imm) & 0xffff : nextEip + i.imm);
    case 'Ap': return `${hex(i.imm2 & 0xffff)}:${hex(i.imm)}`;
    case 'Ob': case 'Ov': return memory(i, undefined);
    default: return code.toLowerCase();
  }
}

/**
 * Disassembles `i` (decoded at offset `eip`, `length` bytes long) in Intel syntax, e.g. `add eax, dword ptr [ebx+0x4]`.
 * An undefined opcode disassembles as `(bad)`, as objdump writes it.
 */
export function disassemble(i: Insn, eip = 0, length = i.endDelta - i.startDelta): string {
  const row = i.row;
  if (row === null) return '(bad)';
  const opSize = row.b ? 8 : i.o32 ? 32 : 16;
  const nextEip = (eip + length) | 0;
  const sizedMnemonic = sizeSuffix(row.mnemonic, row.operands.length, opSize);
  const prefix = (i.lock ? 'lock ' : '') + (i.rep === 1 && row.operands.length === 0 && isString(row.mnemonic) ? 'rep ' : '')
    + (i.rep === 2 && row.operands.length === 0 && isString(row.mnemonic) ? 'repne ' : '');
  const ops = row.operands.map((code) => operand(i, code, opSize, nextEip));
  return (prefix + sizedMnemonic + (ops.length ? ' ' + ops.join(', ') : '')).trim();
}

function isString(m: string): boolean {
  return /^(movs|cmps|stos|lods|scas|ins|outs)/.test(m);
}

/** String instructions and a few others spell their operand size in the mnemonic (movsd, cwde/cbw, pushad…). */
function sizeSuffix(mnemonic: string, operandCount: number, opSize: number): string {
  if (operandCount > 0) return mnemonic;
  if (['movs', 'cmps', 'stos', 'lods', 'scas', 'ins', 'outs'].includes(mnemonic)) return mnemonic + (opSize === 16 ? 'w' : 'd');
  if (mnemonic === 'cwde') return opSize === 16 ? 'cbw' : 'cwde';
  if (mnemonic === 'cdq') return opSize === 16 ? 'cwd' : 'cdq';
  if (mnemonic === 'pusha' || mnemonic === 'popa' || mnemonic === 'pushf' || mnemonic === 'popf' || mnemonic === 'iret') {
    return opSize === 16 ? mnemonic : mnemonic + 'd';
  }
  return mnemonic;
}
