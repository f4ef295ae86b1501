// The nk-scan check on one file, shared by tools/nk-scan/nk-scan.ts (make) and `kernelist nk-scan`.
// Exit status: 0 clean, 1 violations (one line each, address, symbol and bytes), 2 bad input (one line).

import { readFileSync } from 'node:fs';
import { ElfError, parseElf32 } from './elf32.js';
import { formatReport, scanElf } from './scan.js';

/** Runs the check on path, writing to out/err; returns the exit status. */
export function nkScanMain(path: string | undefined, out: (line: string) => void, err: (line: string) => void): number {
  if (!path) {
    err('usage: nk-scan FILE.elf');
    return 2;
  }
  let bytes: Uint8Array;
  try {
    bytes = new Uint8Array(readFileSync(path));
  } catch (error) {
    err(`nk-scan: cannot read ${path}: ${(error as NodeJS.ErrnoException).code ?? String(error)}`);
    return 2;
  }
  try {
    const report = scanElf(parseElf32(bytes));
    for (const line of formatReport(path, report)) (report.violations.length ? err : out)(line);
    return report.violations.length ? 1 : 0;
  } catch (error) {
    if (error instanceof ElfError) {
      err(`nk-scan: ${path}: ${error.message}`);
      return 2;
    }
    throw error;
  }
}

