// --serial stdio input: a terminal goes into raw mode with QEMU's Ctrl-A escape keys; a pipe or file is copied to COM1 as is.
// The terminal is restored by stop(), and by an exit hook if the process leaves any other way.

import { ESCAPE_HELP, SerialEscape } from '../serial-escape.js';

export interface ConsoleHandlers {
  /** Bytes for the guest's COM1 receiver. */
  input(bytes: Uint8Array): void;
  /** The user pressed Ctrl-A X. */
  quit(): void;
}

export class StdioConsole {
  private readonly handlers: ConsoleHandlers;
  private readonly escape = new SerialEscape();
  private rawMode = false;
  private started = false;
  private readonly onData = (chunk: Buffer): void => this.receive(new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.byteLength));
  private readonly onExit = (): void => this.restoreTerminal();
  private readonly onError = (): void => this.stopReading();

  constructor(handlers: ConsoleHandlers) {
    this.handlers = handlers;
  }

  /** True when keys come from a terminal, so Ctrl-A commands are active. */
  get interactive(): boolean {
    return this.rawMode;
  }

  start(): void {
    const stdin = process.stdin;
    this.started = true;
    if (stdin.isTTY) {
      stdin.setRawMode(true);
      this.rawMode = true;
      process.on('exit', this.onExit);
    }
    stdin.on('data', this.onData);
    stdin.on('error', this.onError);
  }

  stop(): void {
    if (!this.started) return;
    this.started = false;
    this.stopReading();
    this.restoreTerminal();
    process.off('exit', this.onExit);
  }

  private receive(bytes: Uint8Array): void {
    if (!this.rawMode) {
      this.handlers.input(bytes);
      return;
    }
    for (const action of this.escape.feed(bytes)) {
      if (action.kind === 'send') this.handlers.input(action.bytes);
      else if (action.kind === 'help') process.stderr.write(`\n${ESCAPE_HELP}`); // the terminal keeps ONLCR in raw mode
      else this.handlers.quit();
    }
  }

  private stopReading(): void {
    process.stdin.off('data', this.onData);
    process.stdin.off('error', this.onError);
    process.stdin.pause();
  }

  private restoreTerminal(): void {
    if (!this.rawMode) return;
    this.rawMode = false;
    try {
      process.stdin.setRawMode(false);
    } catch {
      // the terminal is already gone (hang-up): nothing left to restore
    }
  }
}
