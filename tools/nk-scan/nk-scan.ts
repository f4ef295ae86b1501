// nk-scan FILE.elf: the Nested Kernel's de-privileging check (tools/nk-scan/scan.ts, docs/nested-kernel.md).
// Exit status: 0 clean, 1 violations (one line each, address, symbol and bytes), 2 bad input (one line).
// make -C kernel runs it on every NK=1 kernel; `kernelist nk-scan FILE.elf` is the same check.

import { nkScanMain } from './check.js';

if (process.argv.length !== 3) {
  console.error('usage: nk-scan FILE.elf');
  process.exitCode = 2;
} else {
  process.exitCode = nkScanMain(process.argv[2], (l) => console.log(l), (l) => console.error(l));
}
