// Reads the files a run needs (kernel, modules, disk image) and turns file-system failures into one-line reasons.

import { readFileSync } from 'node:fs';

export class InputFileError extends Error {
  readonly path: string;

  constructor(path: string, reason: string) {
    super(`${path}: ${reason}`);
    this.name = 'InputFileError';
    this.path = path;
  }
}

export function readInputFile(path: string): Uint8Array {
  try {
    const buffer = readFileSync(path);
    return new Uint8Array(buffer.buffer, buffer.byteOffset, buffer.byteLength);
  } catch (error) {
    throw new InputFileError(path, describeFsError(error));
  }
}

export function describeFsError(error: unknown): string {
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  switch (code) {
    case 'ENOENT': return 'no such file';
    case 'EACCES': case 'EPERM': return 'permission denied';
    case 'EISDIR': return 'is a directory, not a file';
    case 'ENOTDIR': return 'a part of the path is not a directory';
    case 'ERR_FS_FILE_TOO_LARGE': return 'file is too large';
    case 'ENOSPC': return 'no space left on device';
    case 'EROFS': return 'read-only file system';
    default: return code ? `cannot access (${code})` : String((error as Error | undefined)?.message ?? error).split('\n')[0]!;
  }
}
