// The kfs command: builds and inspects KFS images on the host (docs/kfs.md).
// Exit status: 0 success, 1 fsck found problems, 2 bad input (one line on stderr).

import { readFileSync, writeFileSync } from 'node:fs';
import { TYPE_DIR, TYPE_FILE } from './format.js';
import { KfsError } from './errors.js';
import { KfsImage } from './image.js';
import { addTree, formatImage } from './mkfs.js';
import { fsck } from './fsck.js';

const USAGE = `usage: kfs <command> ...
  mkfs IMAGE --size-kib N [--inodes N] [--from DIR]
  fsck IMAGE
  ls IMAGE [PATH]
  get IMAGE PATH [HOSTFILE]
  put IMAGE HOSTFILE PATH
  mkdir IMAGE PATH
  rm IMAGE PATH
  mv IMAGE FROM TO`;

/** An error in the command line or its files: one line, exit status 2. */
class UsageError extends Error {}

function readImageFile(path: string): Uint8Array {
  try {
    return new Uint8Array(readFileSync(path));
  } catch (error) {
    throw new UsageError(`cannot read ${path}: ${(error as NodeJS.ErrnoException).code ?? String(error)}`);
  }
}

function writeHostFile(path: string, data: Uint8Array): void {
  try {
    writeFileSync(path, data);
  } catch (error) {
    throw new UsageError(`cannot write ${path}: ${(error as NodeJS.ErrnoException).code ?? String(error)}`);
  }
}

/** Checks the number of plain arguments a command takes. */
function expectArgs(args: string[], min: number, max: number): void {
  if (args.length < min || args.length > max) throw new UsageError(`wrong number of arguments\n${USAGE}`);
}

/** Parses a positive whole number given for option name. */
function wholeNumber(name: string, text: string | undefined): number {
  if (text === undefined || !/^[0-9]+$/.test(text)) throw new UsageError(`${name} needs a whole number`);
  return Number(text);
}

function mkfsCommand(args: string[]): void {
  let sizeKib: number | undefined;
  let inodes: number | undefined;
  let from: string | undefined;
  const plain: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!;
    if (arg === '--size-kib') sizeKib = wholeNumber(arg, args[++i]);
    else if (arg === '--inodes') inodes = wholeNumber(arg, args[++i]);
    else if (arg === '--from') { from = args[++i]; if (from === undefined) throw new UsageError('--from needs a directory'); }
    else if (arg.startsWith('--')) throw new UsageError(`unknown option ${arg}`);
    else plain.push(arg);
  }
  expectArgs(plain, 1, 1);
  if (sizeKib === undefined) throw new UsageError('mkfs needs --size-kib N');
  const image = formatImage(sizeKib, inodes);
  if (from !== undefined) {
    try {
      addTree(image, from);
    } catch (error) {
      if (error instanceof KfsError) throw error;
      throw new UsageError(`cannot read ${from}: ${(error as NodeJS.ErrnoException).code ?? String(error)}`);
    }
  }
  writeHostFile(plain[0]!, image.bytes);
}

function typeLetter(type: number): string {
  return type === TYPE_DIR ? 'd' : '-';
}

function lsCommand(image: KfsImage, path: string): void {
  const ino = image.lookup(path);
  const inode = image.inode(ino);
  if (inode.type !== TYPE_DIR) { process.stdout.write(`- ${inode.size} ${path}\n`); return; }
  for (const e of image.list(ino)) process.stdout.write(`${typeLetter(e.type)} ${e.size} ${e.name}\n`);
}

function getCommand(image: KfsImage, path: string, hostFile: string | undefined): void {
  const ino = image.lookup(path);
  if (image.inode(ino).type !== TYPE_FILE) throw new KfsError('EISDIR', `${path} is a directory`);
  const data = image.readAll(ino);
  if (hostFile === undefined) process.stdout.write(data);
  else writeHostFile(hostFile, data);
}

/** Creates or replaces the file at path with data. */
function putCommand(image: KfsImage, data: Uint8Array, path: string): void {
  let ino: number;
  try {
    ino = image.lookup(path);
    if (image.inode(ino).type !== TYPE_FILE) throw new KfsError('EISDIR', `${path} is a directory`);
    image.truncate(ino, 0);
  } catch (error) {
    if (!(error instanceof KfsError) || error.code !== 'ENOENT') throw error;
    ino = image.create(path, TYPE_FILE);
  }
  image.write(ino, 0, data);
}

function run(argv: string[]): number {
  const [command, ...args] = argv;
  if (command === undefined) throw new UsageError('no command (kfs --help lists them)');
  if (command === '--help' || command === '-h') {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }
  if (command === 'mkfs') { mkfsCommand(args); return 0; }
  if (command === 'fsck') {
    expectArgs(args, 1, 1);
    const problems = fsck(readImageFile(args[0]!));
    for (const p of problems) process.stdout.write(`${p}\n`);
    return problems.length === 0 ? 0 : 1;
  }
  const readOnly: Record<string, [number, number]> = { ls: [1, 2], get: [2, 3] };
  const writing: Record<string, [number, number]> = { put: [3, 3], mkdir: [2, 2], rm: [2, 2], mv: [3, 3] };
  const arity = readOnly[command] ?? writing[command];
  if (arity === undefined) throw new UsageError(`unknown command ${command}\n${USAGE}`);
  expectArgs(args, arity[0], arity[1]);
  const imagePath = args[0]!;
  const image = KfsImage.open(readImageFile(imagePath));
  switch (command) {
    case 'ls': lsCommand(image, args[1] ?? '/'); break;
    case 'get': getCommand(image, args[1]!, args[2]); break;
    case 'put': putCommand(image, readImageFile(args[1]!), args[2]!); break;
    case 'mkdir': image.create(args[1]!, TYPE_DIR); break;
    case 'rm': image.unlink(args[1]!); break;
    case 'mv': image.rename(args[1]!, args[2]!); break;
  }
  if (command in writing) writeHostFile(imagePath, image.bytes);
  return 0;
}

function main(): void {
  try {
    process.exitCode = run(process.argv.slice(2));
  } catch (error) {
    if (error instanceof KfsError) process.stderr.write(`kfs: ${error.code}: ${error.message}\n`);
    else if (error instanceof UsageError) process.stderr.write(`kfs: ${error.message.split('\n')[0]}\n`);
    else process.stderr.write(`kfs: internal error: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exitCode = 2;
  }
}

main();
