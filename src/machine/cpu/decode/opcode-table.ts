// THE opcode table (SDM Vol. 2D Appendix A, operand notation of §A.2): one row per encoding.
// The decoder, the disassembler and the fuzzer's instruction generator are all built from it.

import type { Handler } from './insn.js';
import * as A from '../exec/arith.js';
import * as S from '../exec/shift.js';
import * as D from '../exec/data.js';
import * as C from '../exec/control.js';
import * as Sys from '../exec/system.js';
import * as IO from '../exec/io.js';
import * as B from '../exec/bcd.js';
import { makeStringHandler, StringKind } from '../exec/string.js';
import { FLAG_AF, FLAG_CF, FLAG_OF, FLAG_PF, FLAG_SF, FLAG_ZF, CR0_EM, CR0_MP, CR0_TS } from '../eflags.js';
import type { Cpu } from '../cpu.js';
import { Vector } from '../fault.js';

export interface OpcodeRow {
  /** 0x00-0xFF for the one-byte map, 0x0F00-0x0FFF for the 0F map. */
  readonly code: number;
  /** ModRM.reg for group members. */
  readonly ext?: number;
  /** Restricts a group member to register (mod = 3) or memory operands. */
  readonly form?: 'reg' | 'mem';
  /** With form 'reg': the row takes only this ModRM.rm (0F 01 C8-FF encode whole instructions in ModRM). */
  readonly rm?: number;
  readonly mnemonic: string;
  /** SDM notation: Eb Ev Ew Gb Gv Gw Ib sIb Iw Iz Jb Jz Ap Ep Ob Ov M Sw Cd Dd Rd Zb Zv AL eAX DX CL 1 … */
  readonly operands: readonly string[];
  /** Handlers by operand size: b (byte), w (16), d (32); x is size-independent (it reads insn.o32). */
  readonly b?: Handler;
  readonly w?: Handler;
  readonly d?: Handler;
  readonly x?: Handler;
  /** Value passed to the handler in insn.sub (ALU operation, condition code, segment register, …). */
  readonly sub?: number;
  readonly lockable?: boolean;
  /** Control transfer or a state change that must end a decoded block. */
  readonly endsBlock?: boolean;
  /** Flags the SDM leaves undefined after this instruction (masked by differential tests). */
  readonly undefinedFlags?: number;
  /** False for rows the random-sequence fuzzer must not emit (control flow, system, I/O, faults by design). */
  readonly fuzz?: boolean;
  /**
   * With register operands only, the instruction can neither fault nor store to memory (LEA never
   * accesses memory at all). Compiled blocks skip the fault bookkeeping and the block-break check for it.
   */
  readonly pure?: boolean;
}

const ALL_ARITH = FLAG_CF | FLAG_PF | FLAG_AF | FLAG_ZF | FLAG_SF | FLAG_OF;
/** BT/BTS/BTR/BTC: CF is the bit, ZF is unaffected, OF SF AF PF are undefined (SDM BT). */
const BT_UNDEFINED = FLAG_OF | FLAG_SF | FLAG_AF | FLAG_PF;
const rows: OpcodeRow[] = [];

function add(row: OpcodeRow): void {
  rows.push(row);
}

const raiseUd: Handler = (cpu: Cpu) => cpu.raiseUD();
/** x87 escape without a coprocessor: #NM when CR0.EM or CR0.TS is set (so software can emulate), else #UD. */
const x87: Handler = (cpu: Cpu) => { if (cpu.cr0 & (CR0_EM | CR0_TS)) cpu.raise(Vector.NM); cpu.raiseUD(); };
const wait: Handler = (cpu: Cpu) => { if ((cpu.cr0 & (CR0_TS | CR0_MP)) === (CR0_TS | CR0_MP)) cpu.raise(Vector.NM); };
export const undefinedOpcode = raiseUd;

// --- 00-3F: the eight ALU operations in six forms each
const ALU = ['add', 'or', 'adc', 'sbb', 'and', 'sub', 'xor', 'cmp'];
for (let op = 0; op < 8; op++) {
  const base = op << 3, mnemonic = ALU[op]!, lockable = op !== 7;
  const undefinedFlags = op === 1 || op === 4 || op === 6 ? FLAG_AF : 0;
  add({ code: base + 0, mnemonic, operands: ['Eb', 'Gb'], b: A.aluEbGb, sub: op, lockable, undefinedFlags, pure: true });
  add({ code: base + 1, mnemonic, operands: ['Ev', 'Gv'], w: A.aluEvGv16, d: A.aluEvGv32, sub: op, lockable, undefinedFlags, pure: true });
  add({ code: base + 2, mnemonic, operands: ['Gb', 'Eb'], b: A.aluGbEb, sub: op, undefinedFlags, pure: true });
  add({ code: base + 3, mnemonic, operands: ['Gv', 'Ev'], w: A.aluGvEv16, d: A.aluGvEv32, sub: op, undefinedFlags, pure: true });
  add({ code: base + 4, mnemonic, operands: ['AL', 'Ib'], b: A.aluAlIb, sub: op, undefinedFlags, pure: true });
  add({ code: base + 5, mnemonic, operands: ['eAX', 'Iz'], w: A.aluAxIw, d: A.aluEaxId, sub: op, undefinedFlags, pure: true });
  add({ code: 0x80, ext: op, mnemonic, operands: ['Eb', 'Ib'], b: A.aluEbIb, sub: op, lockable, undefinedFlags, pure: true });
  add({ code: 0x81, ext: op, mnemonic, operands: ['Ev', 'Iz'], w: A.aluEvI16, d: A.aluEvI32, sub: op, lockable, undefinedFlags, pure: true });
  add({ code: 0x82, ext: op, mnemonic, operands: ['Eb', 'Ib'], b: A.aluEbIb, sub: op, lockable, undefinedFlags, pure: true });
  add({ code: 0x83, ext: op, mnemonic, operands: ['Ev', 'sIb'], w: A.aluEvI16, d: A.aluEvI32, sub: op, lockable, undefinedFlags, pure: true });
}

// --- segment register push/pop and prefixes' neighbours
const SEG_PUSH: [number, number, string][] = [[0x06, 0, 'es'], [0x0e, 1, 'cs'], [0x16, 2, 'ss'], [0x1e, 3, 'ds'], [0x0fa0, 4, 'fs'], [0x0fa8, 5, 'gs']];
for (const [code, seg, name] of SEG_PUSH) {
  add({ code, mnemonic: 'push', operands: [name], w: D.pushSreg16, d: D.pushSreg32, sub: seg, fuzz: false });
  if (seg !== 1) add({ code: code + 1, mnemonic: 'pop', operands: [name], w: D.popSreg16, d: D.popSreg32, sub: seg, endsBlock: seg === 2, fuzz: false });
}
add({ code: 0x27, mnemonic: 'daa', operands: [], x: B.daa, undefinedFlags: FLAG_OF });
add({ code: 0x2f, mnemonic: 'das', operands: [], x: B.das, undefinedFlags: FLAG_OF });
add({ code: 0x37, mnemonic: 'aaa', operands: [], x: B.aaa, undefinedFlags: FLAG_OF | FLAG_SF | FLAG_ZF | FLAG_PF });
add({ code: 0x3f, mnemonic: 'aas', operands: [], x: B.aas, undefinedFlags: FLAG_OF | FLAG_SF | FLAG_ZF | FLAG_PF });

// --- 40-5F: INC/DEC/PUSH/POP with the register in the opcode
for (let r = 0; r < 8; r++) {
  add({ code: 0x40 + r, mnemonic: 'inc', operands: ['Zv'], w: A.incZv16, d: A.incZv32, pure: true });
  add({ code: 0x48 + r, mnemonic: 'dec', operands: ['Zv'], w: A.decZv16, d: A.decZv32, pure: true });
  add({ code: 0x50 + r, mnemonic: 'push', operands: ['Zv'], w: D.pushZv16, d: D.pushZv32 });
  add({ code: 0x58 + r, mnemonic: 'pop', operands: ['Zv'], w: D.popZv16, d: D.popZv32 });
}

add({ code: 0x60, mnemonic: 'pusha', operands: [], w: D.pusha16, d: D.pusha32 });
add({ code: 0x61, mnemonic: 'popa', operands: [], w: D.popa16, d: D.popa32 });
add({ code: 0x62, mnemonic: 'bound', operands: ['Gv', 'Ma'], x: D.bound, fuzz: false });
add({ code: 0x63, mnemonic: 'arpl', operands: ['Ew', 'Gw'], x: Sys.arpl, fuzz: false });
add({ code: 0x68, mnemonic: 'push', operands: ['Iz'], w: D.pushI16, d: D.pushI32 });
add({ code: 0x69, mnemonic: 'imul', operands: ['Gv', 'Ev', 'Iz'], w: A.imulGvEvI16, d: A.imulGvEvI32, undefinedFlags: FLAG_SF | FLAG_ZF | FLAG_AF | FLAG_PF });
add({ code: 0x6a, mnemonic: 'push', operands: ['sIb'], w: D.pushI16, d: D.pushI32 });
add({ code: 0x6b, mnemonic: 'imul', operands: ['Gv', 'Ev', 'sIb'], w: A.imulGvEvI16, d: A.imulGvEvI32, undefinedFlags: FLAG_SF | FLAG_ZF | FLAG_AF | FLAG_PF });

// --- string instructions (A4-AF, 6C-6F)
const STRINGS: [number, string, StringKind][] = [
  [0xa4, 'movs', StringKind.MOVS], [0xa6, 'cmps', StringKind.CMPS], [0xaa, 'stos', StringKind.STOS],
  [0xac, 'lods', StringKind.LODS], [0xae, 'scas', StringKind.SCAS], [0x6c, 'ins', StringKind.INS], [0x6e, 'outs', StringKind.OUTS],
];
for (const [code, mnemonic, kind] of STRINGS) {
  const io = kind === StringKind.INS || kind === StringKind.OUTS;
  add({ code, mnemonic: mnemonic + 'b', operands: [], b: makeStringHandler(kind, 1), endsBlock: io, fuzz: false });
  add({ code: code + 1, mnemonic, operands: [], w: makeStringHandler(kind, 2), d: makeStringHandler(kind, 4), endsBlock: io, fuzz: false });
}

// --- 70-7F, 0F 80-8F, 0F 90-9F, 0F 40-4F: condition codes
const CC = ['o', 'no', 'b', 'ae', 'e', 'ne', 'be', 'a', 's', 'ns', 'p', 'np', 'l', 'ge', 'le', 'g'];
for (let cc = 0; cc < 16; cc++) {
  // Jcc is a side exit, not a block end: decoding continues on the fall-through path.
  add({ code: 0x70 + cc, mnemonic: 'j' + CC[cc], operands: ['Jb'], x: C.jcc, sub: cc, fuzz: false });
  add({ code: 0x0f80 + cc, mnemonic: 'j' + CC[cc], operands: ['Jz'], x: C.jcc, sub: cc, fuzz: false });
  add({ code: 0x0f90 + cc, mnemonic: 'set' + CC[cc], operands: ['Eb'], b: D.setcc, sub: cc, pure: true });
  add({ code: 0x0f40 + cc, mnemonic: 'cmov' + CC[cc], operands: ['Gv', 'Ev'], w: D.cmovcc16, d: D.cmovcc32, sub: cc, pure: true });
}

add({ code: 0x84, mnemonic: 'test', operands: ['Eb', 'Gb'], b: A.testEbGb, undefinedFlags: FLAG_AF, pure: true });
add({ code: 0x85, mnemonic: 'test', operands: ['Ev', 'Gv'], w: A.testEvGv16, d: A.testEvGv32, undefinedFlags: FLAG_AF, pure: true });
add({ code: 0x86, mnemonic: 'xchg', operands: ['Eb', 'Gb'], b: D.xchgEbGb, lockable: true, pure: true });
add({ code: 0x87, mnemonic: 'xchg', operands: ['Ev', 'Gv'], w: D.xchgEvGv16, d: D.xchgEvGv32, lockable: true, pure: true });
add({ code: 0x88, mnemonic: 'mov', operands: ['Eb', 'Gb'], b: D.movEbGb, pure: true });
add({ code: 0x89, mnemonic: 'mov', operands: ['Ev', 'Gv'], w: D.movEvGv16, d: D.movEvGv32, pure: true });
add({ code: 0x8a, mnemonic: 'mov', operands: ['Gb', 'Eb'], b: D.movGbEb, pure: true });
add({ code: 0x8b, mnemonic: 'mov', operands: ['Gv', 'Ev'], w: D.movGvEv16, d: D.movGvEv32, pure: true });
add({ code: 0x8c, mnemonic: 'mov', operands: ['Ew', 'Sw'], x: D.movEwSw, fuzz: false });
add({ code: 0x8d, mnemonic: 'lea', operands: ['Gv', 'M'], w: D.lea16, d: D.lea32, pure: true });
add({ code: 0x8e, mnemonic: 'mov', operands: ['Sw', 'Ew'], x: D.movSwEw, endsBlock: true, fuzz: false });
add({ code: 0x8f, ext: 0, mnemonic: 'pop', operands: ['Ev'], w: D.popEv16, d: D.popEv32, fuzz: false });
add({ code: 0x90, mnemonic: 'nop', operands: [], x: C.nop, pure: true });
for (let r = 1; r < 8; r++) add({ code: 0x90 + r, mnemonic: 'xchg', operands: ['Zv', 'eAX'], w: D.xchgZvAx16, d: D.xchgZvEax32, pure: true });
add({ code: 0x98, mnemonic: 'cwde', operands: [], w: D.cbw, d: D.cwde, pure: true });
add({ code: 0x99, mnemonic: 'cdq', operands: [], w: D.cwd, d: D.cdq, pure: true });
add({ code: 0x9a, mnemonic: 'call', operands: ['Ap'], x: Sys.callFarAp, endsBlock: true, fuzz: false });
add({ code: 0x9b, mnemonic: 'wait', operands: [], x: wait });
add({ code: 0x9c, mnemonic: 'pushf', operands: [], x: D.pushf, fuzz: false });
add({ code: 0x9d, mnemonic: 'popf', operands: [], x: D.popf, endsBlock: true, fuzz: false });
add({ code: 0x9e, mnemonic: 'sahf', operands: [], x: D.sahf, pure: true });
add({ code: 0x9f, mnemonic: 'lahf', operands: [], x: D.lahf, pure: true });
add({ code: 0xa0, mnemonic: 'mov', operands: ['AL', 'Ob'], b: D.movAlOb, fuzz: false });
add({ code: 0xa1, mnemonic: 'mov', operands: ['eAX', 'Ov'], w: D.movAxOv16, d: D.movEaxOv32, fuzz: false });
add({ code: 0xa2, mnemonic: 'mov', operands: ['Ob', 'AL'], b: D.movObAl, fuzz: false });
add({ code: 0xa3, mnemonic: 'mov', operands: ['Ov', 'eAX'], w: D.movOvAx16, d: D.movOvEax32, fuzz: false });
add({ code: 0xa8, mnemonic: 'test', operands: ['AL', 'Ib'], b: A.testAlIb, undefinedFlags: FLAG_AF, pure: true });
add({ code: 0xa9, mnemonic: 'test', operands: ['eAX', 'Iz'], w: A.testAxIw, d: A.testEaxId, undefinedFlags: FLAG_AF, pure: true });
for (let r = 0; r < 8; r++) {
  add({ code: 0xb0 + r, mnemonic: 'mov', operands: ['Zb', 'Ib'], b: D.movZbIb, pure: true });
  add({ code: 0xb8 + r, mnemonic: 'mov', operands: ['Zv', 'Iv'], w: D.movZvI16, d: D.movZvI32, pure: true });
}

// --- group 2 shifts and rotates
const SHIFT = ['rol', 'ror', 'rcl', 'rcr', 'shl', 'shr', 'sal', 'sar'];
for (let op = 0; op < 8; op++) {
  const mnemonic = SHIFT[op]!;
  // AF is undefined for every shift; OF for counts other than 1 (tests mask both).
  const undefinedFlags = FLAG_AF | FLAG_OF;
  add({ code: 0xc0, ext: op, mnemonic, operands: ['Eb', 'Ib'], b: S.shiftEb, sub: op, undefinedFlags, pure: true });
  add({ code: 0xc1, ext: op, mnemonic, operands: ['Ev', 'Ib'], w: S.shiftEv16, d: S.shiftEv32, sub: op, undefinedFlags, pure: true });
  add({ code: 0xd0, ext: op, mnemonic, operands: ['Eb', '1'], b: S.shiftEb, sub: op, undefinedFlags: FLAG_AF, pure: true });
  add({ code: 0xd1, ext: op, mnemonic, operands: ['Ev', '1'], w: S.shiftEv16, d: S.shiftEv32, sub: op, undefinedFlags: FLAG_AF, pure: true });
  add({ code: 0xd2, ext: op, mnemonic, operands: ['Eb', 'CL'], b: S.shiftEb, sub: op, undefinedFlags, pure: true });
  add({ code: 0xd3, ext: op, mnemonic, operands: ['Ev', 'CL'], w: S.shiftEv16, d: S.shiftEv32, sub: op, undefinedFlags, pure: true });
}

add({ code: 0xc2, mnemonic: 'ret', operands: ['Iw'], x: C.retNear, endsBlock: true, fuzz: false });
add({ code: 0xc3, mnemonic: 'ret', operands: [], x: C.retNear, endsBlock: true, fuzz: false });
add({ code: 0xc4, mnemonic: 'les', operands: ['Gv', 'Mp'], x: D.loadFarPointer, sub: 0, fuzz: false });
add({ code: 0xc5, mnemonic: 'lds', operands: ['Gv', 'Mp'], x: D.loadFarPointer, sub: 3, fuzz: false });
add({ code: 0xc6, ext: 0, mnemonic: 'mov', operands: ['Eb', 'Ib'], b: D.movEbIb, pure: true });
add({ code: 0xc7, ext: 0, mnemonic: 'mov', operands: ['Ev', 'Iz'], w: D.movEvI16, d: D.movEvI32, pure: true });
add({ code: 0xc8, mnemonic: 'enter', operands: ['Iw', 'Ib'], x: D.enter, fuzz: false });
add({ code: 0xc9, mnemonic: 'leave', operands: [], x: D.leave32, fuzz: false });
add({ code: 0xca, mnemonic: 'retf', operands: ['Iw'], x: Sys.retFar, endsBlock: true, fuzz: false });
add({ code: 0xcb, mnemonic: 'retf', operands: [], x: Sys.retFar, endsBlock: true, fuzz: false });
add({ code: 0xcc, mnemonic: 'int3', operands: [], x: C.int3, endsBlock: true, fuzz: false });
add({ code: 0xcd, mnemonic: 'int', operands: ['Ib'], x: C.intIb, endsBlock: true, fuzz: false });
add({ code: 0xce, mnemonic: 'into', operands: [], x: C.into, endsBlock: true, fuzz: false });
add({ code: 0xcf, mnemonic: 'iret', operands: [], x: Sys.iret, endsBlock: true, fuzz: false });
add({ code: 0xd4, mnemonic: 'aam', operands: ['Ib'], x: B.aam, undefinedFlags: FLAG_OF | FLAG_AF | FLAG_CF });
add({ code: 0xd5, mnemonic: 'aad', operands: ['Ib'], x: B.aad, undefinedFlags: FLAG_OF | FLAG_AF | FLAG_CF });
add({ code: 0xd6, mnemonic: 'salc', operands: [], x: B.salc });
add({ code: 0xd7, mnemonic: 'xlat', operands: [], x: D.xlat, fuzz: false });
for (let k = 0; k < 8; k++) add({ code: 0xd8 + k, mnemonic: 'esc', operands: ['Ev'], x: x87, endsBlock: true, fuzz: false });

const LOOPS = ['loopne', 'loope', 'loop', 'jecxz'];
for (let k = 0; k < 4; k++) add({ code: 0xe0 + k, mnemonic: LOOPS[k]!, operands: ['Jb'], x: C.loop, sub: k, endsBlock: true, fuzz: false });
add({ code: 0xe4, mnemonic: 'in', operands: ['AL', 'Ib'], x: IO.inAlIb, endsBlock: true, fuzz: false });
add({ code: 0xe5, mnemonic: 'in', operands: ['eAX', 'Ib'], x: IO.inEaxIb, endsBlock: true, fuzz: false });
add({ code: 0xe6, mnemonic: 'out', operands: ['Ib', 'AL'], x: IO.outIbAl, endsBlock: true, fuzz: false });
add({ code: 0xe7, mnemonic: 'out', operands: ['Ib', 'eAX'], x: IO.outIbEax, endsBlock: true, fuzz: false });
add({ code: 0xe8, mnemonic: 'call', operands: ['Jz'], x: C.callRel, endsBlock: true, fuzz: false });
add({ code: 0xe9, mnemonic: 'jmp', operands: ['Jz'], x: C.jmpRel, endsBlock: true, fuzz: false });
add({ code: 0xea, mnemonic: 'jmp', operands: ['Ap'], x: Sys.jmpFarAp, endsBlock: true, fuzz: false });
add({ code: 0xeb, mnemonic: 'jmp', operands: ['Jb'], x: C.jmpRel, endsBlock: true, fuzz: false });
add({ code: 0xec, mnemonic: 'in', operands: ['AL', 'DX'], x: IO.inAlDx, endsBlock: true, fuzz: false });
add({ code: 0xed, mnemonic: 'in', operands: ['eAX', 'DX'], x: IO.inEaxDx, endsBlock: true, fuzz: false });
add({ code: 0xee, mnemonic: 'out', operands: ['DX', 'AL'], x: IO.outDxAl, endsBlock: true, fuzz: false });
add({ code: 0xef, mnemonic: 'out', operands: ['DX', 'eAX'], x: IO.outDxEax, endsBlock: true, fuzz: false });
add({ code: 0xf1, mnemonic: 'int1', operands: [], x: C.icebp, endsBlock: true, fuzz: false });
add({ code: 0xf4, mnemonic: 'hlt', operands: [], x: C.hlt, endsBlock: true, fuzz: false });
add({ code: 0xf5, mnemonic: 'cmc', operands: [], x: D.cmc, pure: true });
add({ code: 0xf8, mnemonic: 'clc', operands: [], x: D.clc, pure: true });
add({ code: 0xf9, mnemonic: 'stc', operands: [], x: D.stc, pure: true });
add({ code: 0xfa, mnemonic: 'cli', operands: [], x: D.cli, endsBlock: true, fuzz: false });
add({ code: 0xfb, mnemonic: 'sti', operands: [], x: D.sti, endsBlock: true, fuzz: false });
add({ code: 0xfc, mnemonic: 'cld', operands: [], x: D.cld, pure: true });
add({ code: 0xfd, mnemonic: 'std', operands: [], x: D.std, pure: true });

// --- group 3 (F6/F7), 4 (FE), 5 (FF)
const MULDIV_UNDEF = FLAG_SF | FLAG_ZF | FLAG_AF | FLAG_PF;
add({ code: 0xf6, ext: 0, mnemonic: 'test', operands: ['Eb', 'Ib'], b: A.testEbIb, undefinedFlags: FLAG_AF, pure: true });
add({ code: 0xf6, ext: 1, mnemonic: 'test', operands: ['Eb', 'Ib'], b: A.testEbIb, undefinedFlags: FLAG_AF, pure: true });
add({ code: 0xf6, ext: 2, mnemonic: 'not', operands: ['Eb'], b: A.notEb, lockable: true, pure: true });
add({ code: 0xf6, ext: 3, mnemonic: 'neg', operands: ['Eb'], b: A.negEb, lockable: true, pure: true });
add({ code: 0xf6, ext: 4, mnemonic: 'mul', operands: ['Eb'], b: A.mulEb, undefinedFlags: MULDIV_UNDEF, pure: true });
add({ code: 0xf6, ext: 5, mnemonic: 'imul', operands: ['Eb'], b: A.imulEb, undefinedFlags: MULDIV_UNDEF, pure: true });
add({ code: 0xf6, ext: 6, mnemonic: 'div', operands: ['Eb'], b: A.divEb, undefinedFlags: ALL_ARITH });
add({ code: 0xf6, ext: 7, mnemonic: 'idiv', operands: ['Eb'], b: A.idivEb, undefinedFlags: ALL_ARITH });
add({ code: 0xf7, ext: 0, mnemonic: 'test', operands: ['Ev', 'Iz'], w: A.testEvI16, d: A.testEvI32, undefinedFlags: FLAG_AF, pure: true });
add({ code: 0xf7, ext: 1, mnemonic: 'test', operands: ['Ev', 'Iz'], w: A.testEvI16, d: A.testEvI32, undefinedFlags: FLAG_AF, pure: true });
add({ code: 0xf7, ext: 2, mnemonic: 'not', operands: ['Ev'], w: A.notEv16, d: A.notEv32, lockable: true, pure: true });
add({ code: 0xf7, ext: 3, mnemonic: 'neg', operands: ['Ev'], w: A.negEv16, d: A.negEv32, lockable: true, pure: true });
add({ code: 0xf7, ext: 4, mnemonic: 'mul', operands: ['Ev'], w: A.mulEv16, d: A.mulEv32, undefinedFlags: MULDIV_UNDEF, pure: true });
add({ code: 0xf7, ext: 5, mnemonic: 'imul', operands: ['Ev'], w: A.imulEv16, d: A.imulEv32, undefinedFlags: MULDIV_UNDEF, pure: true });
add({ code: 0xf7, ext: 6, mnemonic: 'div', operands: ['Ev'], w: A.divEv16, d: A.divEv32, undefinedFlags: ALL_ARITH });
add({ code: 0xf7, ext: 7, mnemonic: 'idiv', operands: ['Ev'], w: A.idivEv16, d: A.idivEv32, undefinedFlags: ALL_ARITH });
add({ code: 0xfe, ext: 0, mnemonic: 'inc', operands: ['Eb'], b: A.incEb, lockable: true });
add({ code: 0xfe, ext: 1, mnemonic: 'dec', operands: ['Eb'], b: A.decEb, lockable: true });
add({ code: 0xff, ext: 0, mnemonic: 'inc', operands: ['Ev'], w: A.incEv16, d: A.incEv32, lockable: true });
add({ code: 0xff, ext: 1, mnemonic: 'dec', operands: ['Ev'], w: A.decEv16, d: A.decEv32, lockable: true });
add({ code: 0xff, ext: 2, mnemonic: 'call', operands: ['Ev'], x: C.callEv, endsBlock: true, fuzz: false });
add({ code: 0xff, ext: 3, mnemonic: 'call', operands: ['Ep'], x: Sys.callFarEp, endsBlock: true, fuzz: false });
add({ code: 0xff, ext: 4, mnemonic: 'jmp', operands: ['Ev'], x: C.jmpEv, endsBlock: true, fuzz: false });
add({ code: 0xff, ext: 5, mnemonic: 'jmp', operands: ['Ep'], x: Sys.jmpFarEp, endsBlock: true, fuzz: false });
add({ code: 0xff, ext: 6, mnemonic: 'push', operands: ['Ev'], w: D.pushEv16, d: D.pushEv32 });

// --- the 0F map
const SYS = { endsBlock: true, fuzz: false } as const;
add({ code: 0x0f00, ext: 0, mnemonic: 'sldt', operands: ['Ew'], x: Sys.sldt, fuzz: false });
add({ code: 0x0f00, ext: 1, mnemonic: 'str', operands: ['Ew'], x: Sys.str, fuzz: false });
add({ code: 0x0f00, ext: 2, mnemonic: 'lldt', operands: ['Ew'], x: Sys.lldt, ...SYS });
add({ code: 0x0f00, ext: 3, mnemonic: 'ltr', operands: ['Ew'], x: Sys.ltr, ...SYS });
add({ code: 0x0f00, ext: 4, mnemonic: 'verr', operands: ['Ew'], x: Sys.verr, fuzz: false });
add({ code: 0x0f00, ext: 5, mnemonic: 'verw', operands: ['Ew'], x: Sys.verw, fuzz: false });
add({ code: 0x0f01, ext: 0, form: 'mem', mnemonic: 'sgdt', operands: ['M'], x: Sys.sgdt, fuzz: false });
add({ code: 0x0f01, ext: 1, form: 'mem', mnemonic: 'sidt', operands: ['M'], x: Sys.sidt, fuzz: false });
add({ code: 0x0f01, ext: 2, form: 'mem', mnemonic: 'lgdt', operands: ['M'], x: Sys.lgdt, ...SYS });
add({ code: 0x0f01, ext: 3, form: 'mem', mnemonic: 'lidt', operands: ['M'], x: Sys.lidt, ...SYS });
add({ code: 0x0f01, ext: 4, mnemonic: 'smsw', operands: ['Ew'], x: Sys.smsw, fuzz: false });
add({ code: 0x0f01, ext: 6, mnemonic: 'lmsw', operands: ['Ew'], x: Sys.lmsw, ...SYS });
add({ code: 0x0f01, ext: 7, form: 'mem', mnemonic: 'invlpg', operands: ['M'], x: Sys.invlpg, ...SYS });
add({ code: 0x0f01, ext: 1, form: 'reg', rm: 2, mnemonic: 'clac', operands: [], x: Sys.clac, ...SYS });
add({ code: 0x0f01, ext: 1, form: 'reg', rm: 3, mnemonic: 'stac', operands: [], x: Sys.stac, ...SYS });
add({ code: 0x0f02, mnemonic: 'lar', operands: ['Gv', 'Ew'], x: Sys.lar, fuzz: false });
add({ code: 0x0f03, mnemonic: 'lsl', operands: ['Gv', 'Ew'], x: Sys.lsl, fuzz: false });
add({ code: 0x0f06, mnemonic: 'clts', operands: [], x: Sys.clts, ...SYS });
add({ code: 0x0f08, mnemonic: 'invd', operands: [], x: Sys.wbinvd, ...SYS });
add({ code: 0x0f09, mnemonic: 'wbinvd', operands: [], x: Sys.wbinvd, ...SYS });
add({ code: 0x0f0b, mnemonic: 'ud2', operands: [], x: raiseUd, ...SYS });
add({ code: 0x0f0d, mnemonic: 'nop', operands: ['Ev'], x: C.nop });
for (let k = 0x18; k <= 0x1f; k++) add({ code: 0x0f00 + k, mnemonic: 'nop', operands: ['Ev'], x: C.nop });
add({ code: 0x0f20, mnemonic: 'mov', operands: ['Rd', 'Cd'], x: Sys.movRdCr, ...SYS });
add({ code: 0x0f21, mnemonic: 'mov', operands: ['Rd', 'Dd'], x: Sys.movRdDr, ...SYS });
add({ code: 0x0f22, mnemonic: 'mov', operands: ['Cd', 'Rd'], x: Sys.movCrRd, ...SYS });
add({ code: 0x0f23, mnemonic: 'mov', operands: ['Dd', 'Rd'], x: Sys.movDrRd, ...SYS });
add({ code: 0x0f30, mnemonic: 'wrmsr', operands: [], x: Sys.wrmsr, ...SYS });
add({ code: 0x0f31, mnemonic: 'rdtsc', operands: [], x: Sys.rdtsc, fuzz: false });
add({ code: 0x0f32, mnemonic: 'rdmsr', operands: [], x: Sys.rdmsr, fuzz: false });
add({ code: 0x0fa2, mnemonic: 'cpuid', operands: [], x: Sys.cpuid, fuzz: false });
add({ code: 0x0fa3, mnemonic: 'bt', operands: ['Ev', 'Gv'], x: D.btEvGv, sub: 0, undefinedFlags: BT_UNDEFINED, fuzz: false });
add({ code: 0x0fab, mnemonic: 'bts', operands: ['Ev', 'Gv'], x: D.btEvGv, sub: 1, lockable: true, undefinedFlags: BT_UNDEFINED, fuzz: false });
add({ code: 0x0fb3, mnemonic: 'btr', operands: ['Ev', 'Gv'], x: D.btEvGv, sub: 2, lockable: true, undefinedFlags: BT_UNDEFINED, fuzz: false });
add({ code: 0x0fbb, mnemonic: 'btc', operands: ['Ev', 'Gv'], x: D.btEvGv, sub: 3, lockable: true, undefinedFlags: BT_UNDEFINED, fuzz: false });
for (let op = 4; op < 8; op++) {
  add({ code: 0x0fba, ext: op, mnemonic: ['bt', 'bts', 'btr', 'btc'][op - 4]!, operands: ['Ev', 'Ib'], x: D.btEvIb, sub: op, lockable: op > 4, undefinedFlags: BT_UNDEFINED });
}
add({ code: 0x0fa4, mnemonic: 'shld', operands: ['Ev', 'Gv', 'Ib'], w: S.shld16, d: S.shld32, undefinedFlags: FLAG_AF | FLAG_OF, pure: true });
add({ code: 0x0fa5, mnemonic: 'shld', operands: ['Ev', 'Gv', 'CL'], w: S.shld16, d: S.shld32, undefinedFlags: FLAG_AF | FLAG_OF, pure: true });
add({ code: 0x0fac, mnemonic: 'shrd', operands: ['Ev', 'Gv', 'Ib'], w: S.shrd16, d: S.shrd32, undefinedFlags: FLAG_AF | FLAG_OF, pure: true });
add({ code: 0x0fad, mnemonic: 'shrd', operands: ['Ev', 'Gv', 'CL'], w: S.shrd16, d: S.shrd32, undefinedFlags: FLAG_AF | FLAG_OF, pure: true });
add({ code: 0x0faf, mnemonic: 'imul', operands: ['Gv', 'Ev'], w: A.imulGvEv16, d: A.imulGvEv32, undefinedFlags: MULDIV_UNDEF, pure: true });
add({ code: 0x0fb0, mnemonic: 'cmpxchg', operands: ['Eb', 'Gb'], b: D.cmpxchgEbGb, lockable: true });
add({ code: 0x0fb1, mnemonic: 'cmpxchg', operands: ['Ev', 'Gv'], w: D.cmpxchgEvGv16, d: D.cmpxchgEvGv32, lockable: true });
add({ code: 0x0fb2, mnemonic: 'lss', operands: ['Gv', 'Mp'], x: D.loadFarPointer, sub: 2, ...SYS });
add({ code: 0x0fb4, mnemonic: 'lfs', operands: ['Gv', 'Mp'], x: D.loadFarPointer, sub: 4, fuzz: false });
add({ code: 0x0fb5, mnemonic: 'lgs', operands: ['Gv', 'Mp'], x: D.loadFarPointer, sub: 5, fuzz: false });
add({ code: 0x0fb6, mnemonic: 'movzx', operands: ['Gv', 'Eb'], w: D.movzxGvEb16, d: D.movzxGvEb32, pure: true });
add({ code: 0x0fb7, mnemonic: 'movzx', operands: ['Gv', 'Ew'], w: D.movzxGvEw16, d: D.movzxGvEw32, pure: true });
add({ code: 0x0fbc, mnemonic: 'bsf', operands: ['Gv', 'Ev'], x: D.bsf, undefinedFlags: ALL_ARITH & ~FLAG_ZF, fuzz: false });
add({ code: 0x0fbd, mnemonic: 'bsr', operands: ['Gv', 'Ev'], x: D.bsr, undefinedFlags: ALL_ARITH & ~FLAG_ZF, fuzz: false });
add({ code: 0x0fbe, mnemonic: 'movsx', operands: ['Gv', 'Eb'], w: D.movsxGvEb16, d: D.movsxGvEb32, pure: true });
add({ code: 0x0fbf, mnemonic: 'movsx', operands: ['Gv', 'Ew'], w: D.movsxGvEw16, d: D.movsxGvEw32, pure: true });
add({ code: 0x0fc0, mnemonic: 'xadd', operands: ['Eb', 'Gb'], b: D.xaddEbGb, lockable: true });
add({ code: 0x0fc1, mnemonic: 'xadd', operands: ['Ev', 'Gv'], w: D.xaddEvGv16, d: D.xaddEvGv32, lockable: true });
add({ code: 0x0fc7, ext: 1, form: 'mem', mnemonic: 'cmpxchg8b', operands: ['Mq'], x: D.cmpxchg8b, lockable: true, fuzz: false });
for (let r = 0; r < 8; r++) add({ code: 0x0fc8 + r, mnemonic: 'bswap', operands: ['Zd'], x: D.bswap, pure: true });

export const OPCODE_ROWS: readonly OpcodeRow[] = Object.freeze(rows);

/** A map slot: one row, or eight group members indexed by ModRM.reg (each with reg/mem variants). */
export interface GroupSlot {
  readonly members: (OpcodeRow | undefined)[];
  readonly memberRegForm: (OpcodeRow | undefined)[];
  /** Register forms that name one ModRM.rm, indexed by reg * 8 + rm; they win over memberRegForm. */
  readonly exactRegForm: (OpcodeRow | undefined)[];
}
export type Slot = OpcodeRow | GroupSlot | undefined;

/** Dispatch tables built once from the rows: index = code (0-0x1FF, 0F map at 0x100). */
export const SLOTS: Slot[] = buildSlots();

function buildSlots(): Slot[] {
  const slots: Slot[] = new Array(0x200).fill(undefined);
  for (const row of rows) {
    const index = row.code >= 0x0f00 ? 0x100 + (row.code & 0xff) : row.code;
    if (row.ext === undefined) {
      if (slots[index] !== undefined) throw new Error(`opcode table: duplicate row for ${row.code.toString(16)}`);
      slots[index] = row;
      continue;
    }
    let group = slots[index] as GroupSlot | undefined;
    if (group === undefined) {
      group = { members: new Array(8).fill(undefined), memberRegForm: new Array(8).fill(undefined), exactRegForm: new Array(64).fill(undefined) };
      slots[index] = group;
    }
    if (row.rm !== undefined) {
      if (row.form !== 'reg') throw new Error(`opcode table: ${row.mnemonic} names a ModRM.rm without form 'reg'`);
      const at = row.ext * 8 + row.rm;
      if (group.exactRegForm[at] !== undefined) throw new Error(`opcode table: duplicate row ${row.code.toString(16)}/${row.ext}/${row.rm}`);
      group.exactRegForm[at] = row;
      continue;
    }
    if (row.form !== 'mem') {
      if (group.memberRegForm[row.ext] !== undefined) throw new Error(`opcode table: duplicate reg-form row ${row.code.toString(16)}/${row.ext}`);
      group.memberRegForm[row.ext] = row;
    }
    if (row.form !== 'reg') {
      if (group.members[row.ext] !== undefined) throw new Error(`opcode table: duplicate row ${row.code.toString(16)}/${row.ext}`);
      group.members[row.ext] = row;
    }
  }
  return slots;
}

export function isGroup(slot: Slot): slot is GroupSlot {
  return slot !== undefined && 'members' in slot;
}

/** Operand codes that are decoded from a ModRM byte. */
export function needsModrm(operands: readonly string[]): boolean {
  return operands.some((o) => /^[EGM][a-z]?$|^(Sw|Cd|Dd|Rd)$/.test(o));
}
