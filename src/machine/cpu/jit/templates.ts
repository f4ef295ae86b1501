// Inline JavaScript for the hottest 32-bit instruction forms (the anchor guest's dynamic mix: MOV, ALU,
// TEST, INC/DEC, LEA, MOVZX/MOVSX, shifts by an immediate, PUSH/POP). Register numbers, displacements and
// immediates become constants. Each template does what the interpreter's handler does, in the same order:
// every access that can fault comes before any architectural state changes, so a fault leaves the
// instruction undone. Any form without a template is compiled as a call to its handler.
// Safety: only numbers from the decoder and fixed identifiers enter the source.

import type { Insn } from '../decode/insn.js';
import { CcOp } from '../lazy-flags.js';
import { CS, SS, ESP } from '../registers.js';
import { SEG_BASE0, SEG_FLAT, SEG_READ, SEG_WRITE } from '../segments.js';

const S32 = '(-2147483648)';

/** The effective address as an expression over `r` (the Int32Array register file); 32-bit addressing only. */
function address(i: Insn): string {
  const parts: string[] = [];
  if (i.base >= 0) parts.push(`r[${i.base}]`);
  if (i.index2 >= 0) parts.push(i.scale ? `(r[${i.index2}] << ${i.scale})` : `r[${i.index2}]`);
  if (i.disp !== 0 || parts.length === 0) parts.push(`${i.disp | 0}`);
  return parts.length === 1 && i.base >= 0 && i.index2 < 0 ? parts[0]! : `((${parts.join(' + ')}) | 0)`;
}

/**
 * Flag bookkeeping and result for ALU operation `op` (0 ADD, 1 OR, 4 AND, 5 SUB, 6 XOR, 7 CMP) of `a` and `b`,
 * for an operand whose sign bit is `sign` (the lazy getters mask by it, as for the interpreter's alu()).
 */
function aluBody(op: number, sign = S32): string | undefined {
  switch (op) {
    case 0: return `const v = (a + b) | 0; cpu.ccOp = ${CcOp.ADD}; cpu.ccDst = v; cpu.ccSrc = b; cpu.ccSign = ${sign};`;
    case 5: case 7: return `const v = (a - b) | 0; cpu.ccOp = ${CcOp.SUB}; cpu.ccDst = v; cpu.ccSrc = b; cpu.ccSign = ${sign};`;
    case 1: return `const v = a | b; cpu.ccOp = ${CcOp.LOGIC}; cpu.ccDst = v; cpu.ccSign = ${sign};`;
    case 4: return `const v = a & b; cpu.ccOp = ${CcOp.LOGIC}; cpu.ccDst = v; cpu.ccSign = ${sign};`;
    case 6: return `const v = a ^ b; cpu.ccOp = ${CcOp.LOGIC}; cpu.ccDst = v; cpu.ccSign = ${sign};`;
    default: return undefined;
  }
}

const S8 = '128';

/** Byte forms: Eb,Gb / Gb,Eb / AL,Ib and group 1 Eb,Ib (the r8 view stores the low byte of v). */
function byteAlu(i: Insn, form: 'rm' | 'reg' | 'al', source: string): string | undefined {
  const body = aluBody(i.sub, S8);
  if (body === undefined) return undefined;
  const store = i.sub !== 7;
  if (form === 'al') return `{ const a = r8[0], b = ${source}; ${body}${store ? ' r8[0] = v;' : ''} }`;
  if (form === 'reg') return `{ const b = ${source}, a = r8[${i.reg8}]; ${body}${store ? ` r8[${i.reg8}] = v;` : ''} }`;
  if (i.mod === 3) return `{ const a = r8[${i.rm8}], b = ${source}; ${body}${store ? ` r8[${i.rm8}] = v;` : ''} }`;
  if (!store) return `{ const a = cpu.read8(${i.seg}, ${address(i)}), b = ${source}; ${body} }`;
  return `{ const ad = ${address(i)}; const a = cpu.read8(${i.seg}, ad), b = ${source}; cpu.probeWrite(${i.seg}, ad, 1); ${body} cpu.write8(${i.seg}, ad, v); }`;
}

/** r/m ← r/m op source (source an expression); memory destinations check writability before flags change. */
function aluToRm(i: Insn, source: string): string | undefined {
  const body = aluBody(i.sub);
  if (body === undefined) return undefined;
  const store = i.sub !== 7;
  if (i.mod === 3) return `{ const a = r[${i.rm}], b = ${source}; ${body}${store ? ` r[${i.rm}] = v;` : ''} }`;
  const seg = i.seg;
  if (!store) return `{ const a = cpu.read32(${seg}, ${address(i)}), b = ${source}; ${body} }`;
  return `{ const ad = ${address(i)}; const a = cpu.read32(${seg}, ad), b = ${source}; cpu.probeWrite(${seg}, ad, 4); ${body} cpu.write32(${seg}, ad, v); }`;
}

/** Register `reg` ← reg op source. */
function aluToReg(op: number, reg: number, source: string): string | undefined {
  const body = aluBody(op);
  if (body === undefined) return undefined;
  return `{ const b = ${source}, a = r[${reg}]; ${body}${op !== 7 ? ` r[${reg}] = v;` : ''} }`;
}

function rm32(i: Insn): string {
  return i.mod === 3 ? `r[${i.rm}]` : `cpu.read32(${i.seg}, ${address(i)})`;
}

function rm8(i: Insn): string {
  return i.mod === 3 ? `r8[${i.rm8}]` : `cpu.read8(${i.seg}, ${address(i)})`;
}

function rm16(i: Insn): string {
  return i.mod === 3 ? `(r[${i.rm}] & 0xffff)` : `cpu.read16(${i.seg}, ${address(i)})`;
}

/** Group-2 shift of a register by a constant count (1..31): SHL/SAL, SHR, SAR. */
function shiftByConstant(i: Insn, count: number): string | undefined {
  if (i.mod !== 3 || count === 0) return undefined;
  const x = `r[${i.rm}]`;
  switch (i.sub) {
    case 4: case 6:
      return `{ const a = ${x}; const v = a << ${count}; cpu.ccOp = ${CcOp.SHL}; cpu.ccSrc = a << ${count - 1}; cpu.ccDst = v; cpu.ccSign = ${S32}; ${x} = v; }`;
    case 5:
      return `{ const a = ${x}; const v = a >>> ${count}; cpu.ccOp = ${CcOp.SAR}; cpu.ccSrc = a >>> ${count - 1}; cpu.ccDst = v; cpu.ccSign = ${S32}; ${x} = v; }`;
    case 7:
      return `{ const a = ${x}; const v = a >> ${count}; cpu.ccOp = ${CcOp.SAR}; cpu.ccSrc = a >> ${count - 1}; cpu.ccDst = v; cpu.ccSign = ${S32}; ${x} = v; }`;
    default: return undefined;
  }
}

/** Writes all six arithmetic flags without reading any: the ALU group (not ADC/SBB) and TEST. */
function writesAllArithFlags(i: Insn): boolean {
  const code = i.row?.code ?? -1;
  if (code < 0x40 && [0, 1, 2, 3, 4, 5].includes(code & 7) && code >> 3 !== 2 && code >> 3 !== 3) return true;
  if (code >= 0x80 && code <= 0x83) return i.sub !== 2 && i.sub !== 3;
  return code === 0x84 || code === 0x85 || code === 0xa8 || code === 0xa9;
}

/** Neither reads nor writes flags: moves, LEA, MOVZX/MOVSX, BSWAP. */
function leavesFlags(i: Insn): boolean {
  const code = i.row?.code ?? -1;
  return (code >= 0x88 && code <= 0x8b) || code === 0x8d || (code >= 0xb0 && code <= 0xbf) || code === 0xc6 || code === 0xc7
    || code === 0x0fb6 || code === 0x0fb7 || code === 0x0fbe || code === 0x0fbf || (code >= 0x0fc8 && code <= 0x0fcf);
}

/**
 * True when the flags `insns[k]` produces can never be observed: a later instruction of the block overwrites
 * all of them first, and everything between is pure (cannot fault, so no handler sees EFLAGS) and leaves flags alone.
 */
export function flagsDeadAfter(insns: readonly Insn[], k: number): boolean {
  for (let j = k + 1; j < insns.length; j++) {
    const next = insns[j]!;
    if (!next.pure) return false;
    if (writesAllArithFlags(next)) return true;
    if (!leavesFlags(next)) return false;
  }
  return false;
}

/** ROL/ROR of a register by a constant whose CF/OF results are dead: just the rotation. */
function rotateWithoutFlags(i: Insn, count: number): string | undefined {
  if (i.mod !== 3 || (i.sub !== 0 && i.sub !== 1)) return undefined;
  const n = count & 31;
  if (n === 0) return '';
  const x = `r[${i.rm}]`;
  return i.sub === 0 ? `{ const a = ${x}; ${x} = (a << ${n}) | (a >>> ${32 - n}); }` : `{ const a = ${x}; ${x} = (a >>> ${n}) | (a << ${32 - n}); }`;
}

/**
 * PUSH of the int32 expression `value` (evaluated once, first): on a 32-bit stack whose segment needs at most the
 * limit check (the fast cases of Cpu.write32) and a TLB hit, the store itself; anything else goes through
 * cpu.write32 (same checks, same faults) or cpu.push32 for a 16-bit stack. ESP moves only after the store.
 */
function pushInline(value: string): string {
  const w = SEG_BASE0 | SEG_WRITE;
  return `{ const v = ${value}; if (cpu.ss32) { const sp = (r[${ESP}] - 4) | 0; const a = cpu.segAccess[${SS}], e = cpu.tlbEntries[sp >>> 12], m = cpu.writeMask; `
    + `if ((a & ${w}) === ${w} && ((a & ${SEG_FLAT}) !== 0 || (sp >>> 0) <= cpu.segHigh[${SS}] - 3) && (e & m) === m && (sp & 0xfff) <= 0xffc) cpu.view.setInt32((e & ~0xfff) | (sp & 0xfff), v, true); `
    + `else cpu.write32(${SS}, sp, v); r[${ESP}] = sp; } else cpu.push32(v); }`;
}

/** EIP ← `target` (an int32 expression), #GP(0) beyond the CS limit: Cpu.branchTo inline. */
function branchInline(target: string): string {
  return `if ((cpu.segAccess[${CS}] & ${SEG_FLAT}) === 0 && (${target} >>> 0) > cpu.segHigh[${CS}]) cpu.raiseGP(0); cpu.eip = ${target};`;
}

/** CALL rel32: the target is checked, then the return address pushed (callRel). */
function callRel32(i: Insn): string {
  return `{ const ret = (base + ${i.endDelta | 0}) | 0, target = (ret + ${i.imm | 0}) | 0; ${branchInline('target')} ${pushInline('ret')} }`;
}

/**
 * RET / RET imm16 with a 32-bit operand size on a 32-bit stack (retNear): the return address is read (the fast
 * cases of Cpu.read32, else cpu.read32) and checked before ESP moves. `k` is the instruction's index, for the
 * call to its handler on a 16-bit stack.
 */
function retNear32(i: Insn, k: number): string {
  const rd = SEG_BASE0 | SEG_READ;
  return `if (cpu.ss32) { const sp = r[${ESP}]; const a = cpu.segAccess[${SS}], e = cpu.tlbEntries[sp >>> 12], m = cpu.readMask; `
    + `const v = (a & ${rd}) === ${rd} && ((a & ${SEG_FLAT}) !== 0 || (sp >>> 0) <= cpu.segHigh[${SS}] - 3) && (e & m) === m && (sp & 0xfff) <= 0xffc ? cpu.view.getInt32((e & ~0xfff) | (sp & 0xfff), true) : cpu.read32(${SS}, sp); `
    + `${branchInline('v')} r[${ESP}] = (sp + ${4 + (i.imm & 0xffff)}) | 0; } else h${k}(cpu, i${k});`;
}

/** INC/DEC r32: CF is kept (the old CF goes to ccSrc), as in the interpreter. */
function incDec(reg: number, inc: boolean): string {
  return `{ const c = cpu.getCF() ? 1 : 0; const v = (r[${reg}] ${inc ? '+' : '-'} 1) | 0; cpu.ccOp = ${inc ? CcOp.INC : CcOp.DEC}; cpu.ccSrc = c; cpu.ccDst = v; cpu.ccSign = ${S32}; r[${reg}] = v; }`;
}

/**
 * The inline statement for `i`, or undefined when it has none. Only 32-bit operand and address size
 * forms without LOCK or REP prefixes are templated.
 */
/** What a template may know about the instruction's place in its block. */
export interface TemplateContext {
  /** Index of the instruction in its block (the generated code exits with `retired += k + 1`). */
  k: number;
  /** The instruction before it in the block, if any. */
  previous: Insn | undefined;
  /** Its flag results can never be observed. */
  flagsDead: boolean;
}

/** The lazy-flags operation a 32-bit instruction leaves behind, when it is fixed by the encoding. */
function lazyOpOf(i: Insn | undefined): CcOp | undefined {
  const row = i?.row;
  if (!i || !row || !i.o32 || row.b !== undefined) return undefined;
  const code = row.code;
  const aluOp = code < 0x40 && (code & 7) <= 5 ? code >> 3 : code === 0x81 || code === 0x83 ? i.sub : -1;
  if (aluOp === 0) return CcOp.ADD;
  if (aluOp === 5 || aluOp === 7) return CcOp.SUB;
  if (aluOp === 1 || aluOp === 4 || aluOp === 6 || code === 0x85 || code === 0xa9) return CcOp.LOGIC;
  if (code >= 0x40 && code <= 0x47) return CcOp.INC;
  if (code >= 0x48 && code <= 0x4f) return CcOp.DEC;
  return undefined;
}

/**
 * Condition `cc` evaluated directly from ccDst/ccSrc when the previous instruction fixed the lazy operation
 * (32-bit), e.g. CMP then JB: the unsigned compare of the original operands. Undefined where the general
 * evaluation is needed.
 */
function fusedCondition(op: CcOp | undefined, cc: number): string | undefined {
  const d = 'cpu.ccDst', s = 'cpu.ccSrc';
  const pair = cc >> 1;
  let test: string | undefined;
  switch (op) {
    case CcOp.SUB:
      test = pair === 2 ? `${d} === 0` : pair === 1 ? `((${d} + ${s}) >>> 0) < (${s} >>> 0)` : pair === 3 ? `((${d} + ${s}) >>> 0) <= (${s} >>> 0)`
        : pair === 4 ? `${d} < 0` : pair === 6 ? `((${d} + ${s}) | 0) < (${s} | 0)` : pair === 7 ? `((${d} + ${s}) | 0) <= (${s} | 0)` : undefined;
      break;
    case CcOp.LOGIC:
      test = pair === 2 || pair === 3 ? `${d} === 0` : pair === 4 || pair === 6 ? `${d} < 0` : pair === 7 ? `${d} <= 0`
        : pair === 0 || pair === 1 ? 'false' : undefined;
      break;
    case CcOp.ADD:
      test = pair === 2 ? `${d} === 0` : pair === 4 ? `${d} < 0` : pair === 1 ? `(${d} >>> 0) < (${s} >>> 0)` : undefined;
      break;
    case CcOp.INC: case CcOp.DEC:
      test = pair === 2 ? `${d} === 0` : pair === 4 ? `${d} < 0` : undefined;
      break;
    default:
      return undefined;
  }
  if (test === undefined) return undefined;
  return cc & 1 ? `!(${test})` : `(${test})`;
}

/** Jcc: a taken branch leaves the block at once (CS limit checked by cpu.branchTo), else execution falls through. */
function conditionalJump(i: Insn, ctx: TemplateContext): string {
  const condition = fusedCondition(lazyOpOf(ctx.previous), i.sub) ?? `cpu.testCondition(${i.sub})`;
  const target = `(base + ${(i.endDelta + i.imm) | 0})`;
  return `if (${condition}) { cpu.branchTo(${i.o32 ? target : `${target} & 0xffff`}); cpu.retired += ${ctx.k + 1}; return; }`;
}

export function templateFor(i: Insn, ctx: TemplateContext): string | undefined {
  const row = i.row;
  if (row === null) return undefined;
  // Jcc rel8/rel32 (70-7F, 0F 80-8F), any operand size.
  if ((row.code >= 0x70 && row.code <= 0x7f) || (row.code >= 0x0f80 && row.code <= 0x0f8f)) return conditionalJump(i, ctx);
  if (i.lock || i.rep !== 0 || !i.o32 || !i.a32) return undefined;
  const code = row.code;
  const flagsDead = ctx.flagsDead;
  if (flagsDead && (code === 0xc1 || code === 0xd1)) {
    const rotate = rotateWithoutFlags(i, code === 0xd1 ? 1 : i.imm);
    if (rotate !== undefined) return rotate;
  }
  const mem = i.mod !== 3;
  if (code < 0x40) {
    // The six forms of the eight ALU operations: Eb,Gb Ev,Gv Gb,Eb Gv,Ev AL,Ib eAX,Iz.
    const form = code & 7;
    if (form === 0) return byteAlu(i, 'rm', `r8[${i.reg8}]`);
    if (form === 1) return aluToRm(i, `r[${i.reg}]`);
    if (form === 2) return byteAlu(i, 'reg', rm8(i));
    if (form === 3) return aluToReg(i.sub, i.reg, rm32(i));
    if (form === 4) return byteAlu(i, 'al', `${i.imm & 0xff}`);
    if (form === 5) return aluToReg(i.sub, 0, `${i.imm | 0}`);
    return undefined;
  }
  if (code === 0x80 || code === 0x82) return byteAlu(i, 'rm', `${i.imm & 0xff}`);
  switch (code) {
    case 0x81: case 0x83: return aluToRm(i, `${i.imm | 0}`);
    case 0x85: return i.mod === 3 ? `cpu.ccOp = ${CcOp.LOGIC}; cpu.ccDst = r[${i.rm}] & r[${i.reg}]; cpu.ccSign = ${S32};` : undefined;
    case 0x89: return mem ? `cpu.write32(${i.seg}, ${address(i)}, r[${i.reg}]);` : `r[${i.rm}] = r[${i.reg}];`;
    case 0x8b: return `r[${i.reg}] = ${rm32(i)};`;
    case 0x88: return mem ? `cpu.write8(${i.seg}, ${address(i)}, r8[${i.reg8}]);` : `r8[${i.rm8}] = r8[${i.reg8}];`;
    case 0x8a: return `r8[${i.reg8}] = ${rm8(i)};`;
    case 0x8d: return mem ? `r[${i.reg}] = ${address(i)};` : undefined;
    case 0xc7: return mem ? `cpu.write32(${i.seg}, ${address(i)}, ${i.imm | 0});` : `r[${i.rm}] = ${i.imm | 0};`;
    case 0xc1: return shiftByConstant(i, i.imm & 31);
    case 0xd1: return shiftByConstant(i, 1);
    case 0x0fb6: return `r[${i.reg}] = ${rm8(i)};`;
    case 0x0fb7: return `r[${i.reg}] = ${rm16(i)};`;
    case 0x0fbe: return `r[${i.reg}] = (${rm8(i)} << 24) >> 24;`;
    case 0x0fbf: return `r[${i.reg}] = (${rm16(i)} << 16) >> 16;`;
    default: break;
  }
  if (code >= 0x40 && code <= 0x4f) return incDec(code & 7, code < 0x48);
  if (code >= 0x50 && code <= 0x57) return pushInline(`r[${code & 7}]`);
  if (code === 0x68 || code === 0x6a) return pushInline(`${i.imm | 0}`);
  if (code === 0xe8) return callRel32(i);
  if (code === 0xc2 || code === 0xc3) return retNear32(i, ctx.k);
  if (code >= 0x58 && code <= 0x5f) return `{ const v = cpu.pop32(); r[${code & 7}] = v; }`;
  if (code >= 0xb8 && code <= 0xbf) return `r[${code & 7}] = ${i.imm | 0};`;
  if (code >= 0xb0 && code <= 0xb7) return `r8[${i.reg8}] = ${i.imm & 0xff};`;
  return undefined;
}
