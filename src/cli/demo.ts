// `kernelist demo NAME`: the Kernelist kernel and its root filesystem, found beside this package, booted with
// demo=NAME. The files are built by `npm run setup` (make -C kernel); a missing one is a one-line error.

import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { DemoName, RunOptions } from './args.js';
import { CliError } from './cli-error.js';

/** The package root: this module is bundled into dist/kernelist.mjs, or compiled to dist/src/cli/demo.js. */
function packageRoot(): string {
  const here = fileURLToPath(new URL('.', import.meta.url));
  return here.replace(/\/dist\/(src\/cli\/)?$/, '');
}

export function demoRunOptions(name: DemoName, options: Omit<RunOptions, 'kernel'>): RunOptions {
  const root = packageRoot();
  const kernel = `${root}/kernel/build/kernelist.elf`;
  const rootfs = `${root}/kernel/build/rootfs.img`;
  for (const file of [kernel, rootfs]) {
    if (!existsSync(file)) throw new CliError(`demo ${name}: ${file} is missing (build it with npm run setup)`);
  }
  return { ...options, kernel, modules: [{ path: rootfs, string: 'rootfs.img' }], append: `demo=${name}` };
}
