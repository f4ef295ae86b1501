// How a run ended, as the CLI reports it: the exit status and at most one line for stderr (see exit-codes.ts).

import type { ExitReason } from '../machine/index.js';
import { EXIT_INTERNAL, EXIT_OK, EXIT_TIMEOUT, EXIT_TRIPLE_FAULT, debugExitStatus } from './exit-codes.js';

export interface Outcome {
  code: number;
  /** One line for stderr, without the `kernelist: ` prefix. */
  message?: string;
}

export interface RunContext {
  timeoutSeconds: number | undefined;
  /** The guest's EIP for internal-error reports, or undefined if the CPU cannot say. */
  guestEip(): number | undefined;
}

export function outcomeForExit(reason: ExitReason, context: RunContext): Outcome {
  switch (reason.kind) {
    case 'debug-exit': return { code: debugExitStatus(reason.status) };
    case 'halt': case 'shutdown': case 'reset': return { code: EXIT_OK };
    case 'triple-fault': return { code: EXIT_TRIPLE_FAULT, message: `triple fault: ${firstLine(reason.message).replace(/^triple fault: /, '')}` };
    case 'timeout': return { code: EXIT_TIMEOUT, message: `timeout: the guest was still running after ${context.timeoutSeconds} s` };
    case 'error': return internalErrorOutcome(reason.message, context);
  }
}

/** `internal error: …` with the guest's EIP, unless the machine's own message already ends with CS:EIP. */
export function internalErrorOutcome(error: unknown, context: Pick<RunContext, 'guestEip'>): Outcome {
  const text = firstLine(error instanceof Error ? error.message : String(error)).replace(/^internal error: /, '');
  if (/\bat [0-9a-f]{4}:[0-9a-f]{8}$/.test(text)) return { code: EXIT_INTERNAL, message: `internal error: ${text}` };
  const eip = safely(context.guestEip);
  const where = eip === undefined ? '' : ` (guest EIP 0x${(eip >>> 0).toString(16).padStart(8, '0')})`;
  return { code: EXIT_INTERNAL, message: `internal error: ${text}${where}` };
}

function safely(read: () => number | undefined): number | undefined {
  try {
    return read();
  } catch {
    return undefined;
  }
}

function firstLine(text: string): string {
  return text.split('\n')[0]!.trim();
}
