// Emulator debug ports: QEMU's isa-debug-exit (iobase 0xF4, iosize 4), the POST code port 0x80,
// the Bochs/QEMU debug console at 0xE9 and the Bochs shutdown port 0x8900.

import type { IoBus } from '../bus/io-bus.js';

export interface DebugPortHandlers {
  /** isa-debug-exit: the status QEMU would exit with, ((value << 1) | 1) as a 32-bit unsigned number. */
  onExit(status: number): void;
  onShutdown(): void;
  onConsoleByte?(byte: number): void;
}

const DEBUG_EXIT_PORT = 0xf4;
const DEBUG_EXIT_SIZE = 4;
const POST_PORT = 0x80;
const DEBUG_CONSOLE_PORT = 0xe9;
const BOCHS_SHUTDOWN_PORT = 0x8900;
const SHUTDOWN_WORD = 'Shutdown';

/**
 * QEMU's behaviour, matched here: a write of any width anywhere in 0xF4-0xF7 exits with (v << 1) | 1
 * (a host process sees that status modulo 256); reads there return 0. Port 0x80 reads all ones and ignores
 * writes. 0xE9 reads back 0xE9; a 16- or 32-bit write prints each byte, low byte first.
 */
export class DebugPorts {
  private shutdownProgress = 0;

  constructor(private readonly handlers: DebugPortHandlers) {}

  attach(io: IoBus): void {
    const exit = (_port: number, value: number): void => this.handlers.onExit(((value << 1) | 1) >>> 0);
    io.register(DEBUG_EXIT_PORT, DEBUG_EXIT_SIZE, 'isa-debug-exit', {
      read8: () => 0, read16: () => 0, read32: () => 0,
      write8: exit, write16: exit, write32: exit,
    });
    io.register(POST_PORT, 1, 'post', {
      read8: () => 0xff, read16: () => 0xffff, read32: () => -1,
      write8: () => {}, write16: () => {}, write32: () => {},
    });
    io.register(DEBUG_CONSOLE_PORT, 1, 'debugcon', {
      read8: () => DEBUG_CONSOLE_PORT,
      write8: (_port, value) => this.consoleBytes(value, 1),
      write16: (_port, value) => this.consoleBytes(value, 2),
      write32: (_port, value) => this.consoleBytes(value, 4),
    });
    io.register(BOCHS_SHUTDOWN_PORT, 1, 'bochs-shutdown', {
      read8: () => 0xff,
      write8: (_port, value) => this.shutdownByte(value),
    });
  }

  reset(): void {
    this.shutdownProgress = 0;
  }

  private consoleBytes(value: number, count: number): void {
    for (let i = 0; i < count; i++) this.handlers.onConsoleByte?.((value >>> (8 * i)) & 0xff);
  }

  /** Bochs shuts down once the eight bytes of "Shutdown" arrive in a row. */
  private shutdownByte(value: number): void {
    if (value === SHUTDOWN_WORD.charCodeAt(this.shutdownProgress)) {
      this.shutdownProgress++;
    } else {
      this.shutdownProgress = value === SHUTDOWN_WORD.charCodeAt(0) ? 1 : 0;
    }
    if (this.shutdownProgress === SHUTDOWN_WORD.length) {
      this.shutdownProgress = 0;
      this.handlers.onShutdown();
    }
  }
}
