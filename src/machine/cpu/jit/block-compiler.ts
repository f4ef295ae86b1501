// Compiles a hot decoded block into one JavaScript function that calls each instruction's handler
// directly. Every call site in it is monomorphic, so V8 can inline the handlers; the semantics are the
// interpreter's own handlers, so there is no second implementation to keep in agreement.
// Safety: the generated source holds only our identifiers and numbers produced here, never guest bytes.

import type { Cpu } from '../cpu.js';
import type { Handler, Insn } from '../decode/insn.js';
import { flagsDeadAfter, templateFor } from './templates.js';

export type CompiledBlock = (cpu: Cpu) => void;

/** Executions of a block before it is compiled: compiling costs about as much as 4 000 interpreted instructions. */
export const COMPILE_THRESHOLD = 40;

let available = true;

/**
 * Builds the function for `insns` (a block whose instructions all lie in one page). Returns undefined
 * where the host forbids code generation (a strict Content-Security-Policy), so the interpreter goes on.
 */
export function compileBlock(insns: readonly Insn[], inlineTemplates = true): CompiledBlock | undefined {
  if (!available || insns.length === 0) return undefined;
  const n = insns.length;
  const params: string[] = [];
  const args: (Handler | Insn)[] = [];
  const body: string[] = ['const base = cpu.blockEip, r = cpu.r32, r8 = cpu.r8;'];
  for (let k = 0; k < n; k++) {
    params.push(`h${k}`, `i${k}`);
    args.push(insns[k]!.exec, insns[k]!);
    const pure = insns[k]!.pure;
    if (k === n - 1) body.push(`cpu.eip = (base + ${insns[k]!.endDelta | 0}) | 0;`);
    // A pure instruction can neither fault (so the CPU need not know it is in flight) nor end the block early.
    const inline = inlineTemplates ? templateFor(insns[k]!, { k, previous: insns[k - 1], flagsDead: flagsDeadAfter(insns, k) }) : undefined;
    const step = inline ?? `h${k}(cpu, i${k});`;
    body.push(pure ? step : `cpu.curInsn = i${k}; ${step}`);
    if (k < n - 1 && !pure) {
      body.push(`if (cpu.breakBlock) { cpu.breakBlock = false; if (cpu.branched) cpu.branched = false; else cpu.eip = (base + ${insns[k]!.endDelta | 0}) | 0; cpu.retired += ${k + 1}; return; }`);
    }
  }
  body.push(`cpu.breakBlock = false; cpu.branched = false; cpu.retired += ${n};`);
  const source = `return function block(cpu) {\n${body.join('\n')}\n};`;
  try {
    const factory = new Function(...params, source) as (...a: (Handler | Insn)[]) => CompiledBlock;
    return factory(...args);
  } catch {
    available = false;
    return undefined;
  }
}
