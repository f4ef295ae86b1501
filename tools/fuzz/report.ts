// The text of a mismatch report: the sequence (bytes and listing), the initial state, both final states and
// the fields that differ.

import { GPR32_NAMES } from '../../src/machine/cpu/registers.js';
import { caseCode } from './case-module.js';
import type { Mismatch } from './compare.js';
import type { FuzzCase } from './fuzz-case.js';
import { formatListing, hexBytes } from './listing.js';
import { registerDump } from './transcript.js';

const h8 = (v: number): string => (v >>> 0).toString(16).padStart(8, '0');

export function initialStateText(fuzzCase: FuzzCase): string {
  const regs = GPR32_NAMES.map((name, r) => `${name}=${h8(fuzzCase.regs[r]!)}`).join(' ');
  return `${regs} fl=${h8(fuzzCase.flags)} (memory base register ${GPR32_NAMES[fuzzCase.baseReg]})`;
}

export function formatMismatch(mismatch: Mismatch, note = ''): string {
  const c = mismatch.fuzzCase;
  const lines = [
    `seed ${c.seed}${note}: ${mismatch.differences.map((d) => d.field).join(', ')} differ`,
    `  bytes:   ${hexBytes(caseCode(c))}`,
    formatListing(c.insns, '    '),
    `  initial: ${initialStateText(c)}`,
    `  ours:    ${registerDump(c, mismatch.ours)}`,
    `  qemu:    ${registerDump(c, mismatch.qemu)}`,
    ...mismatch.differences.map((d) => `  ${d.field}: ours ${d.ours}, qemu ${d.qemu}`),
  ];
  return lines.join('\n');
}
