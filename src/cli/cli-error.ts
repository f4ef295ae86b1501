// An error the CLI reports as one line on stderr (`kernelist: …`) with a chosen exit status, never as a stack trace.

import { EXIT_USAGE } from './exit-codes.js';

export class CliError extends Error {
  readonly exitCode: number;

  constructor(message: string, exitCode = EXIT_USAGE) {
    super(message);
    this.name = 'CliError';
    this.exitCode = exitCode;
  }
}
