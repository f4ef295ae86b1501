#!/usr/bin/env node
// The `kernelist` command: parses the arguments and runs the command; every failure is one `kernelist: …` line and an
// exit status from exit-codes.ts. The emulator is imported only for `run`, so --help and usage errors start fast.

import { readFileSync } from 'node:fs';
import { parseCommandLine, type Command } from './args.js';
import { CliError } from './cli-error.js';
import { EXIT_INTERNAL, EXIT_OK } from './exit-codes.js';
import { DEMO_HELP, MAIN_HELP, RUN_HELP } from './usage.js';
import { demoRunOptions } from './demo.js';

async function main(argv: string[]): Promise<number> {
  let command: Command;
  try {
    command = parseCommandLine(argv);
  } catch (error) {
    return report(error);
  }
  if (command.kind === 'help') {
    process.stdout.write(command.topic === 'run' ? RUN_HELP : command.topic === 'demo' ? DEMO_HELP : MAIN_HELP);
    return EXIT_OK;
  }
  if (command.kind === 'nk-scan') {
    const { nkScanCommand } = await import('./nk-scan.js');
    return nkScanCommand(command.file);
  }
  if (command.kind === 'version') {
    process.stdout.write(`kernelist ${packageVersion()}\n`);
    return EXIT_OK;
  }
  try {
    const { runCommand } = await import('./run-command.js');
    const outcome = await runCommand(command.kind === 'demo' ? demoRunOptions(command.name, command.options) : command.options);
    if (outcome.message) process.stderr.write(`kernelist: ${outcome.message}\n`);
    return outcome.code;
  } catch (error) {
    return report(error);
  }
}

function report(error: unknown): number {
  if (error instanceof CliError) {
    process.stderr.write(`kernelist: ${error.message}\n`);
    return error.exitCode;
  }
  const text = error instanceof Error ? error.message : String(error);
  process.stderr.write(`kernelist: internal error: ${text.split('\n')[0]}\n`);
  return EXIT_INTERNAL;
}

function packageVersion(): string {
  try {
    const pkg = JSON.parse(readFileSync(new URL('../../../package.json', import.meta.url), 'utf8')) as { version?: string };
    return pkg.version ?? 'unknown';
  } catch {
    return 'unknown';
  }
}

// A closed stdout (`kernelist run … | head`) ends the run quietly instead of crashing on EPIPE.
process.stdout.on('error', (error: NodeJS.ErrnoException) => {
  if (error.code === 'EPIPE') process.exit(EXIT_OK);
});

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error: unknown) => process.exit(report(error)),
);
