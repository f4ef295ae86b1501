// Encodings where QEMU TCG (the oracle) departs from what the opcode table implements, found by this fuzzer and
// left out of generated sequences so that they do not drown real differences. Each entry says what QEMU does.

import type { FuzzInstruction } from './instruction.js';

interface Divergence {
  readonly what: string;
  readonly matches: (insn: FuzzInstruction) => boolean;
}

export const QEMU_DIVERGENCES: readonly Divergence[] = [
  {
    what: 'F6 /1 and F7 /1 (TEST Eb,Ib / Ev,Iz, an undocumented alias of /0 that Intel CPUs execute): QEMU 7.2 raises #UD',
    matches: (insn) => (insn.row.code === 0xf6 || insn.row.code === 0xf7) && insn.row.ext === 1,
  },
  {
    what: 'LOCK on an instruction that is not lockable or has no memory destination: QEMU 7.2 runs it, the SDM says #UD',
    matches: (insn) => insn.lock && !(insn.row.lockable === true && insn.rm?.kind === 'mem'),
  },
  {
    what: '0F 0D and 0F 18 (prefetch hints) with a register operand: QEMU 7.2 raises #UD; the table makes them NOPs',
    matches: (insn) => (insn.row.code === 0x0f0d || insn.row.code === 0x0f18) && insn.rm?.kind === 'reg',
  },
];

export function isKnownQemuDivergence(insn: FuzzInstruction): boolean {
  return QEMU_DIVERGENCES.some((d) => d.matches(insn));
}
