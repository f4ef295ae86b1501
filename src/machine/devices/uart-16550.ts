// A 16550A UART (TI/National PC16550D datasheet) as wired on a PC COM port: IRQ gated by MCR.OUT2.
// Transmission completes instantly; the receive FIFO is fed from a lossless host-side queue.

import type { IoBus } from '../bus/io-bus.js';
import type { IrqLine } from '../bus/irq.js';
import type { MachineClock, TimedDevice } from '../time/clock.js';
import { utf8Bytes } from '../text/utf8.js';

const IER_RX_DATA = 0x01;
const IER_THRE = 0x02;
const IER_LINE_STATUS = 0x04;
const IER_MODEM_STATUS = 0x08;

const IIR_NONE = 0x01;
const IIR_MODEM_STATUS = 0x00;
const IIR_THRE = 0x02;
const IIR_RX_DATA = 0x04;
const IIR_LINE_STATUS = 0x06;
const IIR_RX_TIMEOUT = 0x0c;
const IIR_FIFOS_ENABLED = 0xc0;

const LCR_DLAB = 0x80;
const MCR_DTR = 0x01;
const MCR_RTS = 0x02;
const MCR_OUT1 = 0x04;
const MCR_OUT2 = 0x08;
const MCR_LOOP = 0x10;

const LSR_DATA_READY = 0x01;
const LSR_OVERRUN = 0x02;
const LSR_THRE = 0x20;
const LSR_TEMT = 0x40;

const MSR_CTS = 0x10;
const MSR_DSR = 0x20;
const MSR_RI = 0x40;
const MSR_DCD = 0x80;
/** What the host end presents outside loopback: carrier, data set ready and clear to send (as QEMU does). */
const HOST_MODEM_LINES = MSR_DCD | MSR_DSR | MSR_CTS;

/** QEMU resets MCR to OUT2, so a guest that never writes MCR still gets interrupts. */
const MCR_RESET = MCR_OUT2;
const FIFO_SIZE = 16;
const TRIGGER_LEVELS = [1, 4, 8, 14] as const;
const UART_CLOCK_HZ = 115_200;
/** Marks a FIFO entry that came from the host queue (it goes back there if the guest clears the FIFO). */
const FROM_HOST = 0x100;

/**
 * The UART. Departures from the chip, each for a lossless, deterministic host link:
 * - clearing the RX FIFO (FCR bit 1, FIFO enable changes, reset) returns bytes that came from the host to
 *   the front of the host queue instead of dropping them; only loopback bytes are discarded;
 * - the character timeout needs guest time: from the optional clock, else from the last advance() call.
 * In loopback mode OUT2 is forced inactive on the pins, so (as on a PC) no IRQ reaches the PIC, and MSR
 * delta bits follow the looped MCR bits as the datasheet says (QEMU reports no deltas there).
 */
export class Uart16550 implements TimedDevice {
  private readonly rxFifo: number[] = [];
  private hostQueue: number[] = [];
  private hostQueueHead = 0;
  private ier = 0;
  private lcr = 0;
  private mcr = MCR_RESET;
  private scr = 0;
  private divisor = 12;
  private fifoEnabled = false;
  private triggerLevel = 1;
  private overrun = false;
  private thrInterrupt = false;
  private modemLines = HOST_MODEM_LINES;
  private modemDeltas = 0;
  private lastRxActivityNs = 0;
  private lastAdvanceNs = 0;
  private irqHigh = false;
  private base = 0x3f8;

  constructor(
    private readonly irq: IrqLine,
    private readonly onTransmit: (byte: number) => void,
    private readonly clock?: MachineClock,
  ) {}

  attach(io: IoBus, base = 0x3f8, name = 'com1'): void {
    this.base = base;
    io.register(base, 8, name, {
      read8: (port) => this.readRegister(port - this.base),
      write8: (port, value) => this.writeRegister(port - this.base, value),
    });
  }

  reset(): void {
    this.clearRxFifo();
    this.ier = 0; this.lcr = 0; this.mcr = MCR_RESET; this.scr = 0; this.divisor = 12;
    this.fifoEnabled = false; this.triggerLevel = 1;
    this.overrun = false; this.thrInterrupt = false;
    this.modemLines = HOST_MODEM_LINES; this.modemDeltas = 0;
    this.refillRx();
    this.updateIrq();
  }

  /** Host input (a string is sent as UTF-8). Nothing is ever dropped: the queue feeds the FIFO as it drains. */
  receive(data: Uint8Array | string): void {
    const bytes = typeof data === 'string' ? utf8Bytes(data) : Array.from(data);
    for (const byte of bytes) this.hostQueue.push(byte & 0xff);
    this.refillRx();
    this.updateIrq();
  }

  /** Host bytes not yet in the receive FIFO. */
  pendingInput(): number {
    return this.hostQueue.length - this.hostQueueHead;
  }

  advance(nowNs: number): void {
    this.lastAdvanceNs = nowNs;
    this.updateIrq();
  }

  /** When the character timeout will fire, if it is armed and would raise an interrupt. */
  nextEventNs(): number {
    if (!(this.ier & IER_RX_DATA) || !this.timeoutArmed()) return Infinity;
    const due = this.lastRxActivityNs + this.timeoutNs();
    return due > this.nowNs() ? due : Infinity;
  }

  private nowNs(): number {
    return this.clock ? this.clock.nowNs() : this.lastAdvanceNs;
  }

  private get dlab(): boolean {
    return (this.lcr & LCR_DLAB) !== 0;
  }

  private get loopback(): boolean {
    return (this.mcr & MCR_LOOP) !== 0;
  }

  private readRegister(offset: number): number {
    let value: number;
    switch (offset) {
      case 0: value = this.dlab ? this.divisor & 0xff : this.readRbr(); break;
      case 1: value = this.dlab ? this.divisor >> 8 : this.ier; break;
      case 2: value = this.readIir(); break;
      case 3: value = this.lcr; break;
      case 4: value = this.mcr; break;
      case 5: value = this.readLsr(); break;
      case 6: value = this.readMsr(); break;
      default: value = this.scr;
    }
    this.updateIrq();
    return value;
  }

  private writeRegister(offset: number, value: number): void {
    switch (offset) {
      case 0:
        if (this.dlab) this.divisor = (this.divisor & 0xff00) | value;
        else this.writeThr(value);
        break;
      case 1:
        if (this.dlab) this.divisor = (this.divisor & 0xff) | (value << 8);
        else this.writeIer(value);
        break;
      case 2: this.writeFcr(value); break;
      case 3: this.lcr = value; break;
      case 4: this.writeMcr(value); break;
      case 7: this.scr = value; break;
      default: break; // LSR and MSR writes are factory-test only
    }
    this.updateIrq();
  }

  private readRbr(): number {
    const entry = this.rxFifo.shift();
    if (entry === undefined) return 0;
    this.lastRxActivityNs = this.nowNs();
    // The byte read leaves the receiver before the next host byte enters it: the line drops and rises
    // again, so the edge-triggered PIC sees a new request for the next byte.
    this.updateIrq();
    this.refillRx();
    return entry & 0xff;
  }

  private readIir(): number {
    const id = this.interruptId();
    if (id === IIR_THRE) this.thrInterrupt = false;
    return id | (this.fifoEnabled ? IIR_FIFOS_ENABLED : 0);
  }

  private readLsr(): number {
    const value = (this.rxFifo.length > 0 ? LSR_DATA_READY : 0) | (this.overrun ? LSR_OVERRUN : 0) | LSR_THRE | LSR_TEMT;
    this.overrun = false;
    return value;
  }

  private readMsr(): number {
    const value = this.modemLines | this.modemDeltas;
    this.modemDeltas = 0;
    return value;
  }

  private writeThr(value: number): void {
    // The THRE interrupt drops on the write and rises again when the (instant) transmission completes.
    this.thrInterrupt = false;
    this.updateIrq();
    if (this.loopback) this.pushRx(value);
    else this.onTransmit(value);
    this.thrInterrupt = true;
  }

  private writeIer(value: number): void {
    const rose = (value & IER_THRE) !== 0 && !(this.ier & IER_THRE);
    this.ier = value & 0x0f;
    // Enabling the THRE interrupt while THR is empty signals it at once (the chip, QEMU and Bochs agree).
    if (rose) this.thrInterrupt = true;
    if (!(this.ier & IER_THRE)) this.thrInterrupt = false;
  }

  private writeFcr(value: number): void {
    const enable = (value & 0x01) !== 0;
    if (enable !== this.fifoEnabled) {
      this.fifoEnabled = enable;
      this.clearRxFifo();
    } else if (enable && value & 0x02) {
      this.clearRxFifo();
    }
    this.triggerLevel = TRIGGER_LEVELS[value >> 6]!;
    this.refillRx();
  }

  private writeMcr(value: number): void {
    const wasLoopback = this.loopback;
    this.mcr = value & 0x1f;
    this.setModemLines(this.loopback ? this.loopedModemLines() : HOST_MODEM_LINES);
    if (wasLoopback && !this.loopback) this.refillRx();
  }

  private loopedModemLines(): number {
    return (this.mcr & MCR_RTS ? MSR_CTS : 0) | (this.mcr & MCR_DTR ? MSR_DSR : 0)
      | (this.mcr & MCR_OUT1 ? MSR_RI : 0) | (this.mcr & MCR_OUT2 ? MSR_DCD : 0);
  }

  /** Sets MSR bits 4-7 and the matching delta bits (DCTS, DDSR, TERI on RI's falling edge, DDCD). */
  private setModemLines(lines: number): void {
    const changed = lines ^ this.modemLines;
    if (changed & MSR_CTS) this.modemDeltas |= 0x01;
    if (changed & MSR_DSR) this.modemDeltas |= 0x02;
    if (changed & MSR_RI && !(lines & MSR_RI)) this.modemDeltas |= 0x04;
    if (changed & MSR_DCD) this.modemDeltas |= 0x08;
    this.modemLines = lines;
  }

  private get rxCapacity(): number {
    return this.fifoEnabled ? FIFO_SIZE : 1;
  }

  /** A character arriving from the wire (loopback): lost with OE set when the FIFO is full. */
  private pushRx(value: number): void {
    if (this.rxFifo.length >= this.rxCapacity) {
      this.overrun = true;
      return;
    }
    this.rxFifo.push(value);
    this.lastRxActivityNs = this.nowNs();
  }

  /** Moves host bytes into the FIFO while there is room; the receiver input is disconnected in loopback. */
  private refillRx(): void {
    if (this.loopback) return;
    let moved = false;
    while (this.rxFifo.length < this.rxCapacity && this.hostQueueHead < this.hostQueue.length) {
      this.rxFifo.push(this.hostQueue[this.hostQueueHead++]! | FROM_HOST);
      moved = true;
    }
    if (this.hostQueueHead === this.hostQueue.length) {
      this.hostQueue = [];
      this.hostQueueHead = 0;
    }
    if (moved) this.lastRxActivityNs = this.nowNs();
  }

  private clearRxFifo(): void {
    const fromHost = this.rxFifo.filter((entry) => entry & FROM_HOST).map((entry) => entry & 0xff);
    this.rxFifo.length = 0;
    if (fromHost.length > 0) {
      this.hostQueue = fromHost.concat(this.hostQueue.slice(this.hostQueueHead));
      this.hostQueueHead = 0;
    }
  }

  private timeoutArmed(): boolean {
    return this.fifoEnabled && this.rxFifo.length > 0 && this.rxFifo.length < this.triggerLevel;
  }

  /** Four character times at the programmed rate and frame format. */
  private timeoutNs(): number {
    const dataBits = 5 + (this.lcr & 3);
    const stopBits = this.lcr & 4 ? (dataBits === 5 ? 1.5 : 2) : 1;
    const frameBits = 1 + dataBits + (this.lcr & 8 ? 1 : 0) + stopBits;
    const divisor = this.divisor === 0 ? 0x10000 : this.divisor;
    return (4 * frameBits * divisor * 1e9) / UART_CLOCK_HZ;
  }

  private timedOut(): boolean {
    return this.timeoutArmed() && this.nowNs() - this.lastRxActivityNs >= this.timeoutNs();
  }

  /** The highest-priority enabled interrupt: line status > RX data / timeout > THRE > modem status. */
  private interruptId(): number {
    if (this.ier & IER_LINE_STATUS && this.overrun) return IIR_LINE_STATUS;
    if (this.ier & IER_RX_DATA) {
      if (this.rxFifo.length >= (this.fifoEnabled ? this.triggerLevel : 1)) return IIR_RX_DATA;
      if (this.timedOut()) return IIR_RX_TIMEOUT;
    }
    if (this.ier & IER_THRE && this.thrInterrupt) return IIR_THRE;
    if (this.ier & IER_MODEM_STATUS && this.modemDeltas) return IIR_MODEM_STATUS;
    return IIR_NONE;
  }

  private updateIrq(): void {
    const high = this.interruptId() !== IIR_NONE && (this.mcr & MCR_OUT2) !== 0 && !this.loopback;
    if (high === this.irqHigh) return;
    this.irqHigh = high;
    if (high) this.irq.raise();
    else this.irq.lower();
  }
}
