// The de-privileging scanner of the Nested Kernel (docs/nested-kernel.md, papers.md §3.3 NK-5): every byte
// offset of the outer kernel's executable sections is tried as the start of an instruction that writes
// protected CPU state, so an instruction hidden inside another one's immediate or displacement (reachable by
// a jump into the middle, since the nested kernel assumes no control-flow integrity) is found as well as an
// aligned one. Matches are allowed only inside nested-kernel sections (names starting ".nk").

import { type Elf32, type ElfSymbol, SHF_ALLOC, SHF_EXECINSTR } from './elf32.js';

/** One forbidden encoding. `modrm` decides on the byte after the opcode (undefined: no ModRM byte). */
export interface Rule {
  readonly name: string;
  readonly encoding: string;
  readonly opcode: readonly number[];
  readonly modrm?: (modrm: number) => boolean;
}

const reg = (m: number): number => (m >> 3) & 7;
const isMemory = (m: number): boolean => m >> 6 !== 3;

/** The forbidden instructions. Prefixes are irrelevant: the opcode bytes are matched at every offset. */
export const RULES: readonly Rule[] = [
  { name: 'MOV CR0, r32', encoding: '0F 22 /0', opcode: [0x0f, 0x22], modrm: (m) => reg(m) === 0 },
  { name: 'MOV CR3, r32', encoding: '0F 22 /3', opcode: [0x0f, 0x22], modrm: (m) => reg(m) === 3 },
  { name: 'MOV CR4, r32', encoding: '0F 22 /4', opcode: [0x0f, 0x22], modrm: (m) => reg(m) === 4 },
  { name: 'WRMSR', encoding: '0F 30', opcode: [0x0f, 0x30] },
  { name: 'LGDT m', encoding: '0F 01 /2 (memory operand)', opcode: [0x0f, 0x01], modrm: (m) => reg(m) === 2 && isMemory(m) },
  { name: 'LIDT m', encoding: '0F 01 /3 (memory operand)', opcode: [0x0f, 0x01], modrm: (m) => reg(m) === 3 && isMemory(m) },
  { name: 'LMSW r/m16', encoding: '0F 01 /6', opcode: [0x0f, 0x01], modrm: (m) => reg(m) === 6 },
  { name: 'LLDT r/m16', encoding: '0F 00 /2', opcode: [0x0f, 0x00], modrm: (m) => reg(m) === 2 },
  { name: 'LTR r/m16', encoding: '0F 00 /3', opcode: [0x0f, 0x00], modrm: (m) => reg(m) === 3 },
  { name: 'CLTS', encoding: '0F 06', opcode: [0x0f, 0x06] },
];

export interface Finding {
  readonly address: number;
  readonly section: string;
  /** "function+0xoff", or "?" when no symbol covers the address. */
  readonly symbol: string;
  /** The matched bytes and the next few, as hex. */
  readonly bytes: string;
  readonly rule: Rule;
  /** True when the match is inside a nested-kernel section (allowed). */
  readonly allowed: boolean;
}

export interface ScanReport {
  readonly findings: readonly Finding[];
  readonly violations: readonly Finding[];
  readonly outerSections: readonly string[];
  readonly nkSections: readonly string[];
  readonly outerBytes: number;
}

export const isNestedKernelSection = (name: string): boolean => name.startsWith('.nk');

/** The symbol covering address: the nearest function or object at or below it (sized ones must contain it). */
function symbolize(symbols: readonly ElfSymbol[], address: number): string {
  let best: ElfSymbol | undefined;
  for (const s of symbols) {
    if (s.type > 2 || s.value > address) continue; // NOTYPE, OBJECT, FUNC only
    if (s.size && address >= s.value + s.size) continue;
    if (!best || s.value > best.value || (s.value === best.value && s.type === 2)) best = s;
  }
  if (!best) return '?';
  const off = address - best.value;
  return off ? `${best.name}+0x${off.toString(16)}` : best.name;
}

function hex(bytes: Uint8Array, start: number, count: number): string {
  return Array.from(bytes.subarray(start, Math.min(bytes.length, start + count)), (b) => b.toString(16).padStart(2, '0')).join(' ');
}

/** The rule matching at offset i of code, if any. */
export function ruleAt(code: Uint8Array, i: number): Rule | undefined {
  for (const rule of RULES) {
    const n = rule.opcode.length;
    if (i + n > code.length) continue;
    if (!rule.opcode.every((b, k) => code[i + k] === b)) continue;
    if (rule.modrm) {
      if (i + n >= code.length || !rule.modrm(code[i + n]!)) continue;
    }
    return rule;
  }
  return undefined;
}

/** Scans every executable, allocated section of elf. */
export function scanElf(elf: Elf32): ScanReport {
  const findings: Finding[] = [];
  const outerSections: string[] = [];
  const nkSections: string[] = [];
  let outerBytes = 0;
  for (const s of elf.sections) {
    if (!(s.flags & SHF_ALLOC) || !(s.flags & SHF_EXECINSTR) || s.bytes.length === 0) continue;
    const allowed = isNestedKernelSection(s.name);
    (allowed ? nkSections : outerSections).push(s.name);
    if (!allowed) outerBytes += s.bytes.length;
    for (let i = 0; i < s.bytes.length; i++) {
      const rule = ruleAt(s.bytes, i);
      if (!rule) continue;
      const address = (s.addr + i) >>> 0;
      findings.push({ address, section: s.name, symbol: symbolize(elf.symbols, address), bytes: hex(s.bytes, i, 6), rule, allowed });
    }
  }
  return { findings, violations: findings.filter((f) => !f.allowed), outerSections, nkSections, outerBytes };
}

/** The report lines: one per violation, then a summary. */
export function formatReport(file: string, report: ScanReport): string[] {
  const lines = report.violations.map(
    (f) => `nk-scan: ${file}: 0x${f.address.toString(16).padStart(8, '0')} ${f.symbol} (${f.section}): ${f.bytes}: ` +
      `${f.rule.name} [${f.rule.encoding}] outside the nested kernel`);
  const allowed = report.findings.length - report.violations.length;
  lines.push(report.violations.length
    ? `nk-scan: ${file}: ${report.violations.length} violation(s) in ${report.outerBytes} bytes of outer-kernel code`
    : `nk-scan: ${file}: clean: ${report.outerBytes} bytes of outer-kernel code (${report.outerSections.join(', ') || 'none'}) ` +
      `scanned at every byte offset; ${allowed} allowed match(es) in ${report.nkSections.join(', ') || 'no nested-kernel section'}`);
  return lines;
}
