// Instruction decoder: prefixes, opcode maps, ModRM/SIB/displacement and immediates (SDM Vol. 2A ch. 2),
// driven entirely by the opcode table. Fetches honour the CS limit (#GP(0)) and paging (#PF).

import type { Cpu } from '../cpu.js';
import type { Insn } from './insn.js';
import { SLOTS, isGroup, needsModrm, undefinedOpcode, type OpcodeRow } from './opcode-table.js';
import { CS, DS, SS, ES, FS, GS, EBP, ESP, EBX, ESI, EDI } from '../registers.js';
import { SEG_FLAT } from '../segments.js';

const MAX_INSN_LENGTH = 15;
const PREFIX_SEG: Record<number, number> = { 0x26: ES, 0x2e: CS, 0x36: SS, 0x3e: DS, 0x64: FS, 0x65: GS };
const MODRM_CACHE = new Uint8Array(0x200);
for (let k = 0; k < 0x200; k++) {
  const slot = SLOTS[k];
  // 2: MOV to/from CR/DR, whose ModRM always names a register: "the mod field is ignored" (SDM MOV CR/DR).
  MODRM_CACHE[k] = slot === undefined ? 0 : isGroup(slot) ? 1 : slot.operands.includes('Rd') ? 2 : needsModrm(slot.operands) ? 1 : 0;
}
/** Byte-register index into the Uint8Array view of the register file: AL CL DL BL AH CH DH BH. */
export const BYTE_REG = [0, 4, 8, 12, 1, 5, 9, 13];
/** 16-bit ModRM r/m: base and index registers (SDM Vol. 2A Table 2-1). */
const RM16_BASE = [EBX, EBX, EBP, EBP, ESI, EDI, EBP, EBX];
const RM16_INDEX = [ESI, EDI, ESI, EDI, -1, -1, -1, -1];

/** Decoder cursor (module state, so decoding allocates nothing). */
let cpuRef: Cpu;
let eipStart = 0;
let pos = 0;
let firstPage = 0;
let crosses = false;

function fetch8(): number {
  const cpu = cpuRef;
  const off = (eipStart + pos) | 0;
  if (pos >= MAX_INSN_LENGTH) cpu.raiseGP(0);
  // Fetch beyond the CS limit → #GP(0).
  if (!(cpu.segAccess[CS]! & SEG_FLAT) && (off >>> 0) > cpu.segHigh[CS]!) cpu.raiseGP(0);
  const lin = (cpu.segBase[CS]! + off) | 0;
  pos++;
  if ((lin >>> 12) !== firstPage) crosses = true;
  const e = cpu.tlb.entries[lin >>> 12]!;
  const m = cpu.execMask;
  if ((e & m) === m) return cpu.u8[(e & ~0xfff) | (lin & 0xfff)]!;
  return cpu.memory.read8(cpu.translate(lin, false, true, cpu.accessMode));
}

function fetch16(): number { const lo = fetch8(); return lo | (fetch8() << 8); }
function fetch32(): number { const lo = fetch16(); return (lo | (fetch16() << 16)) | 0; }

/**
 * Decodes the instruction at linear `lin` (offset `eip` in CS) into `insn`. Sets endDelta to its length;
 * the caller turns it into a block-relative offset.
 */
export function decodeInstruction(cpu: Cpu, lin: number, eip: number, code32: boolean, insn: Insn): void {
  cpuRef = cpu;
  eipStart = eip;
  pos = 0;
  firstPage = lin >>> 12;
  crosses = false;
  let o32 = code32, a32 = code32, seg = -1, rep = 0, lock = false;
  let b: number;
  for (;;) {
    b = fetch8();
    if (b === 0x66) o32 = !code32;
    else if (b === 0x67) a32 = !code32;
    else if (b === 0xf0) lock = true;
    else if (b === 0xf3) rep = 1;
    else if (b === 0xf2) rep = 2;
    else if (PREFIX_SEG[b] !== undefined) seg = PREFIX_SEG[b]!;
    else break;
  }
  let index = b;
  if (b === 0x0f) index = 0x100 + fetch8();
  insn.o32 = o32;
  insn.a32 = a32;
  insn.rep = rep;
  insn.lock = lock;
  insn.hasSegOverride = seg >= 0;
  insn.base = -1; insn.index2 = -1; insn.scale = 0; insn.disp = 0; insn.imm = 0; insn.imm2 = 0;
  insn.mod = 3; insn.reg = b & 7; insn.rm = 0; insn.reg8 = BYTE_REG[b & 7]!; insn.rm8 = 0;
  insn.hasModrm = false;
  insn.seg = seg >= 0 ? seg : DS;

  const slot = SLOTS[index];
  let row: OpcodeRow | undefined;
  if (MODRM_CACHE[index] === 2) {
    decodeRegisterModrm(insn);
    row = slot as OpcodeRow;
  } else if (MODRM_CACHE[index]) {
    decodeModrm(insn, a32, seg);
    row = isGroup(slot) ? (insn.mod === 3 ? slot.exactRegForm[insn.reg * 8 + insn.rm] ?? slot.memberRegForm[insn.reg] : slot.members[insn.reg]) : (slot as OpcodeRow);
  } else {
    row = slot as OpcodeRow | undefined;
  }
  if (row === undefined) { finishInvalid(insn); return; }
  insn.row = row;
  decodeImmediates(insn, row, o32, a32, index & 0xff);
  insn.sub = row.sub ?? (row.ext !== undefined ? insn.reg : 0);
  // LOCK is valid only on lockable instructions with a memory destination (#UD otherwise).
  if (lock && (!row.lockable || !insn.isMemory)) { finishInvalid(insn); insn.row = row; return; }
  const handler = row.x ?? row.b ?? (o32 ? row.d : row.w);
  insn.size = row.b ? 8 : o32 ? 32 : 16;
  insn.exec = handler ?? undefinedOpcode;
  // LEA computes an address without accessing memory; every other memory form can fault.
  insn.pure = row.pure === true && !lock && (!insn.isMemory || row.code === 0x8d);
  insn.endDelta = pos;
  insn.crossesPage = crosses;
}

function finishInvalid(insn: Insn): void {
  insn.row = null;
  insn.pure = false;
  insn.exec = undefinedOpcode;
  insn.endDelta = pos;
  insn.crossesPage = crosses;
}

/** A ModRM byte whose r/m always names a register, whatever its mod bits say. */
function decodeRegisterModrm(insn: Insn): void {
  const modrm = fetch8();
  insn.hasModrm = true;
  insn.mod = 3;
  insn.reg = (modrm >> 3) & 7;
  insn.rm = modrm & 7;
  insn.hasSib = false;
  insn.dispBytes = 0;
}

function decodeModrm(insn: Insn, a32: boolean, seg: number): void {
  const modrm = fetch8();
  const mod = modrm >> 6, reg = (modrm >> 3) & 7, rm = modrm & 7;
  insn.hasModrm = true;
  insn.mod = mod; insn.reg = reg; insn.rm = rm;
  insn.reg8 = BYTE_REG[reg]!; insn.rm8 = BYTE_REG[rm]!;
  insn.hasSib = false;
  insn.dispBytes = mod === 1 ? 1 : mod === 2 ? (a32 ? 4 : 2) : 0;
  if (mod === 3) return;
  let defaultSeg = DS;
  if (a32) {
    if (rm === 4) {
      const sib = fetch8();
      insn.hasSib = true;
      const scale = sib >> 6, index = (sib >> 3) & 7, base = sib & 7;
      insn.scale = scale;
      insn.index2 = index === 4 ? -1 : index;
      if (base === 5 && mod === 0) {
        insn.disp = fetch32();
        insn.dispBytes = 4;
      } else {
        insn.base = base;
        if (base === ESP || base === EBP) defaultSeg = SS;
      }
    } else if (rm === 5 && mod === 0) {
      insn.disp = fetch32();
      insn.dispBytes = 4;
    } else {
      insn.base = rm;
      if (rm === EBP) defaultSeg = SS;
    }
    if (mod === 1) insn.disp = (fetch8() << 24) >> 24;
    else if (mod === 2) insn.disp = fetch32();
  } else {
    if (rm === 6 && mod === 0) {
      insn.disp = fetch16();
    } else {
      insn.base = RM16_BASE[rm]!;
      insn.index2 = RM16_INDEX[rm]!;
      if (rm === 2 || rm === 3 || rm === 6) defaultSeg = SS;
    }
    if (mod === 1) insn.disp = (fetch8() << 24) >> 24;
    else if (mod === 2) insn.disp = fetch16();
  }
  insn.seg = seg >= 0 ? seg : defaultSeg;
}

function decodeImmediates(insn: Insn, row: OpcodeRow, o32: boolean, a32: boolean, opcode: number): void {
  let first = true;
  for (const op of row.operands) {
    let v: number;
    switch (op) {
      case 'Ib': v = fetch8(); break;
      case 'sIb': case 'Jb': v = (fetch8() << 24) >> 24; break;
      case 'Iw': v = fetch16(); break;
      case 'Iz': case 'Iv': v = o32 ? fetch32() : fetch16(); break;
      case 'Jz': v = o32 ? fetch32() : (fetch16() << 16) >> 16; break;
      case 'Ap': insn.imm = o32 ? fetch32() : fetch16(); insn.imm2 = fetch16(); continue;
      case 'Ob': case 'Ov': insn.disp = a32 ? fetch32() : fetch16(); insn.hasModrm = true; insn.mod = 0; continue;
      case '1': v = 1; break;
      case 'CL': v = -1; break;
      case 'Zb': case 'Zv': case 'Zd': insn.reg = opcode & 7; insn.reg8 = BYTE_REG[opcode & 7]!; continue;
      default: continue;
    }
    if (first) { insn.imm = v; first = false; } else insn.imm2 = v;
  }
}
