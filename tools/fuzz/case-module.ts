// Packs test cases into the Multiboot module the harness reads (layout.ts: a header, then fixed-size records),
// and fingerprints a module so that a recorded transcript can tell whether it still belongs to the generator.

import { encodeInstruction } from './encoder.js';
import type { FuzzCase } from './fuzz-case.js';
import {
  CODE_ADDRESS, CODE_MAX, HDR_CASE_COUNT, HDR_CODE_ADDRESS, HDR_RUNS, HDR_SCRATCH_ADDRESS, HEADER_SIZE, MODULE_MAGIC, RECORD_SIZE, REC_CODE, REC_CODE_LENGTH, REC_FLAGS, REC_MEMORY,
  REC_REGS, SCRATCH_ADDRESS, SCRATCH_SIZE,
} from './layout.js';

export function caseCode(fuzzCase: FuzzCase): number[] {
  return fuzzCase.insns.flatMap((insn) => encodeInstruction(insn));
}

/** `runs`: how often the harness runs each case from its initial state (the outcome must not depend on it). */
export function buildModule(cases: readonly FuzzCase[], runs = 1): Uint8Array {
  const module = new Uint8Array(HEADER_SIZE + cases.length * RECORD_SIZE);
  const view = new DataView(module.buffer);
  view.setUint32(0, MODULE_MAGIC, true);
  view.setUint32(HDR_CASE_COUNT, cases.length, true);
  view.setUint32(HDR_SCRATCH_ADDRESS, SCRATCH_ADDRESS, true);
  view.setUint32(HDR_CODE_ADDRESS, CODE_ADDRESS, true);
  view.setUint32(HDR_RUNS, runs, true);
  cases.forEach((fuzzCase, i) => {
    const at = HEADER_SIZE + i * RECORD_SIZE;
    fuzzCase.regs.forEach((value, r) => view.setUint32(at + REC_REGS + 4 * r, value >>> 0, true));
    view.setUint32(at + REC_FLAGS, fuzzCase.flags >>> 0, true);
    const code = caseCode(fuzzCase);
    if (code.length > CODE_MAX) throw new RangeError(`seed ${fuzzCase.seed}: ${code.length} code bytes exceed ${CODE_MAX}`);
    if (fuzzCase.memory.length !== SCRATCH_SIZE) throw new RangeError(`seed ${fuzzCase.seed}: scratch memory must be ${SCRATCH_SIZE} bytes`);
    view.setUint32(at + REC_CODE_LENGTH, code.length, true);
    module.set(fuzzCase.memory, at + REC_MEMORY);
    module.set(code, at + REC_CODE);
  });
  return module;
}

/** FNV-1a over the module: equal fingerprints mean equal cases. */
export function fingerprint(bytes: Uint8Array): string {
  let hash = 0x811c9dc5;
  for (const b of bytes) hash = Math.imul(hash ^ b, 0x0100_0193);
  return (hash >>> 0).toString(16).padStart(8, '0');
}
