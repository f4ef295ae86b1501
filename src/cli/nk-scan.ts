// `kernelist nk-scan FILE.elf`: the Nested Kernel's de-privileging scan of a kernel ELF (tools/nk-scan,
// docs/nested-kernel.md). Exit status: 0 clean, 1 violations (the report on stderr), 2 bad file (one line).

import { nkScanMain } from '../../tools/nk-scan/check.js';

export function nkScanCommand(file: string): number {
  return nkScanMain(file, (line) => process.stdout.write(`${line}\n`), (line) => process.stderr.write(`${line}\n`));
}
