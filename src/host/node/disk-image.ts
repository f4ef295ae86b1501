// The host side of --disk: reads the raw image and, with --disk-write-back, writes the guest's changes back at exit.

import { writeFileSync } from 'node:fs';
import { describeFsError, InputFileError, readInputFile } from './input-file.js';

export class DiskImageFile {
  readonly path: string;
  readonly bytes: Uint8Array;
  readonly writeBack: boolean;

  constructor(path: string, writeBack: boolean) {
    this.path = path;
    this.writeBack = writeBack;
    this.bytes = readInputFile(path);
  }

  /** Writes the (possibly guest-modified) image back; does nothing without --disk-write-back. */
  save(contents: Uint8Array = this.bytes): void {
    if (!this.writeBack) return;
    try {
      writeFileSync(this.path, contents);
    } catch (error) {
      throw new InputFileError(this.path, `cannot write the disk image back: ${describeFsError(error)}`);
    }
  }
}
