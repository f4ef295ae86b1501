// Collects the guest's serial bytes and writes them in batches: one write per event-loop turn instead of one per byte.

import { closeSync, openSync, writeSync } from 'node:fs';
import { describeFsError, InputFileError } from './input-file.js';

export interface ByteSink {
  push(byte: number): void;
  flush(): void;
  close(): void;
  /** True once at least one byte has arrived. */
  readonly started: boolean;
}

type Writer = (bytes: Uint8Array) => void;

/** A line that ends this long after the last write is written immediately. */
const QUIET_MS = 5;

class BatchingSink implements ByteSink {
  started = false;
  private buffer = new Uint8Array(4096);
  private length = 0;
  private scheduled = false;
  private readonly write: Writer;
  private readonly onClose: () => void;

  constructor(write: Writer, onClose: () => void = () => {}) {
    this.write = write;
    this.onClose = onClose;
  }

  push(byte: number): void {
    this.started = true;
    if (this.length === this.buffer.length) this.grow();
    this.buffer[this.length++] = byte;
    // After a quiet spell, a line goes out at once: the guest may run for milliseconds before the event loop
    // turns, and a person (or a benchmark) is waiting for it. Within a burst, output is batched per turn.
    if (byte === 0x0a && performance.now() - this.lastFlushMs > QUIET_MS) { this.flush(); return; }
    if (!this.scheduled) {
      this.scheduled = true;
      setImmediate(() => this.flush());
    }
  }

  private lastFlushMs = -Infinity;

  flush(): void {
    this.scheduled = false;
    this.lastFlushMs = performance.now();
    if (this.length === 0) return;
    const bytes = this.buffer.slice(0, this.length);
    this.length = 0;
    this.write(bytes);
  }

  close(): void {
    this.flush();
    this.onClose();
  }

  private grow(): void {
    const bigger = new Uint8Array(this.buffer.length * 2);
    bigger.set(this.buffer);
    this.buffer = bigger;
  }
}

export function stdoutSink(): ByteSink {
  return new BatchingSink((bytes) => { process.stdout.write(bytes); });
}

/** Opens (truncates) PATH now, so that a bad path is reported before the guest starts. */
export function fileSink(path: string): ByteSink {
  let fd: number;
  try {
    fd = openSync(path, 'w');
  } catch (error) {
    throw new InputFileError(path, describeFsError(error));
  }
  return new BatchingSink((bytes) => { writeAll(fd, bytes); }, () => closeSync(fd));
}

export function discardSink(): ByteSink {
  return new BatchingSink(() => {});
}

function writeAll(fd: number, bytes: Uint8Array): void {
  for (let done = 0; done < bytes.length;) done += writeSync(fd, bytes, done);
}
