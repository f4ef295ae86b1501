// Two cascaded 8259A programmable interrupt controllers as wired on the PC/AT (Intel 8259A datasheet):
// master at 0x20/0x21 (vectors for IRQ0-7), slave at 0xA0/0xA1 (IRQ8-15) on the master's IR2.

import type { IoBus } from '../bus/io-bus.js';
import type { InterruptController, IrqLine } from '../bus/irq.js';

const CASCADE_INPUT = 2;
const SPURIOUS_INPUT = 7;
const NONE = -1;

/**
 * One 8259A. IRR latches on a rising edge of an IR input (edge-triggered mode, the PC's setting) and stays
 * latched after the line falls, as QEMU models it; devices may therefore signal with raise()+lower() pulses.
 */
class Pic8259 {
  irr = 0;
  isr = 0;
  imr = 0;
  /** Current level of each IR input, for edge detection. Kept across ICW1: it is the devices' state. */
  lineLevels = 0;
  vectorBase = 0;
  /** Priority rotation: input (lowestPriorityAfter + 1) & 7 has the highest priority. */
  private priorityOffset = 0;
  private levelTriggered = false;
  private autoEoi = false;
  private rotateOnAutoEoi = false;
  private specialMask = false;
  private specialFullyNested = false;
  private readIsr = false;
  private pollPending = false;
  /** Which initialization word the odd port expects next (0 = initialized, taking OCW1). */
  private expectedIcw = 0;
  private icw4Needed = false;
  private singleMode = false;

  constructor(readonly isMaster: boolean) {}

  reset(): void {
    this.irr = 0; this.isr = 0; this.imr = 0; this.lineLevels = 0; this.vectorBase = 0;
    this.resetInitState();
  }

  /** ICW1 and reset share this: mask cleared, IR7 lowest priority, special mask off, IRR selected for reads. */
  private resetInitState(): void {
    this.priorityOffset = 0; this.levelTriggered = false; this.autoEoi = false; this.rotateOnAutoEoi = false;
    this.specialMask = false; this.specialFullyNested = false; this.readIsr = false; this.pollPending = false;
    this.expectedIcw = 0; this.icw4Needed = false; this.singleMode = false;
  }

  get isSingle(): boolean {
    return this.singleMode;
  }

  setInput(input: number, high: boolean): void {
    const bit = 1 << input;
    if (this.levelTriggered) {
      this.irr = high ? this.irr | bit : this.irr & ~bit;
    } else if (high && !(this.lineLevels & bit)) {
      this.irr |= bit;
    }
    this.lineLevels = high ? this.lineLevels | bit : this.lineLevels & ~bit;
  }

  /** The input that would be delivered on INTA now, or NONE (fully nested mode with optional special mask). */
  pendingInput(): number {
    const requested = this.highestPriority(this.irr & ~this.imr);
    if (requested === NONE) return NONE;
    let blocking = this.isr;
    if (this.specialMask) blocking &= ~this.imr;
    if (this.specialFullyNested && this.isMaster) blocking &= ~(1 << CASCADE_INPUT);
    const inService = this.highestPriority(blocking);
    if (inService !== NONE && this.priorityRank(inService) <= this.priorityRank(requested)) return NONE;
    return requested;
  }

  /** The INTA cycle for `input`: moves it from IRR to ISR (unless auto-EOI). */
  acknowledgeInput(input: number): void {
    const bit = 1 << input;
    if (!this.levelTriggered) this.irr &= ~bit;
    if (this.autoEoi) {
      if (this.rotateOnAutoEoi) this.priorityOffset = (input + 1) & 7;
    } else {
      this.isr |= bit;
    }
  }

  writeCommand(value: number): void {
    if (value & 0x10) this.writeIcw1(value);
    else if (value & 0x08) this.writeOcw3(value);
    else this.writeOcw2(value);
  }

  writeData(value: number): void {
    switch (this.expectedIcw) {
      case 2:
        this.vectorBase = value & 0xf8;
        this.expectedIcw = this.singleMode ? (this.icw4Needed ? 4 : 0) : 3;
        return;
      case 3:
        // The cascade wiring is fixed by the board; ICW3 carries nothing we need to keep.
        this.expectedIcw = this.icw4Needed ? 4 : 0;
        return;
      case 4:
        this.autoEoi = (value & 0x02) !== 0;
        this.specialFullyNested = (value & 0x10) !== 0;
        this.expectedIcw = 0;
        return;
      default:
        this.imr = value;
    }
  }

  readCommand(): number {
    if (this.pollPending) return this.poll();
    return this.readIsr ? this.isr : this.irr;
  }

  readData(): number {
    if (this.pollPending) return this.poll();
    return this.imr;
  }

  private writeIcw1(value: number): void {
    this.resetInitState();
    this.imr = 0;
    this.irr = 0;
    this.isr = 0;
    this.icw4Needed = (value & 0x01) !== 0;
    this.singleMode = (value & 0x02) !== 0;
    this.levelTriggered = (value & 0x08) !== 0;
    if (this.levelTriggered) this.irr = this.lineLevels;
    this.expectedIcw = 2;
  }

  /** OCW2: EOI and priority rotation commands (bits 7-5 = R, SL, EOI; bits 2-0 = level). */
  private writeOcw2(value: number): void {
    const level = value & 7;
    switch (value >> 5) {
      case 0b001: this.nonSpecificEoi(false); break;
      case 0b101: this.nonSpecificEoi(true); break;
      case 0b011: this.isr &= ~(1 << level); break;
      case 0b111: this.isr &= ~(1 << level); this.priorityOffset = (level + 1) & 7; break;
      case 0b110: this.priorityOffset = (level + 1) & 7; break;
      case 0b100: this.rotateOnAutoEoi = true; break;
      case 0b000: this.rotateOnAutoEoi = false; break;
      default: break; // 0b010: no operation
    }
  }

  private nonSpecificEoi(rotate: boolean): void {
    const input = this.highestPriority(this.isr);
    if (input === NONE) return;
    this.isr &= ~(1 << input);
    if (rotate) this.priorityOffset = (input + 1) & 7;
  }

  /** OCW3: read-register select (bits 1-0), poll (bit 2), special mask mode (bits 6-5). */
  private writeOcw3(value: number): void {
    if (value & 0x04) this.pollPending = true;
    if ((value & 0x03) === 0x02) this.readIsr = false;
    if ((value & 0x03) === 0x03) this.readIsr = true;
    if ((value & 0x60) === 0x60) this.specialMask = true;
    if ((value & 0x60) === 0x40) this.specialMask = false;
  }

  /** Poll mode: the read acts as an INTA and returns 0x80 | level, or 0 when nothing is pending. */
  private poll(): number {
    this.pollPending = false;
    const input = this.pendingInput();
    if (input === NONE) return 0;
    this.acknowledgeInput(input);
    return 0x80 | input;
  }

  private priorityRank(input: number): number {
    return (input - this.priorityOffset) & 7;
  }

  private highestPriority(mask: number): number {
    if ((mask & 0xff) === 0) return NONE;
    for (let rank = 0; rank < 8; rank++) {
      const input = (rank + this.priorityOffset) & 7;
      if (mask & (1 << input)) return input;
    }
    return NONE;
  }
}

/**
 * The PC/AT pair. The slave's INT output drives the master's IR2, so a slave request shows as IRQ2 on the
 * master and its handler must EOI both chips. Not modelled: the ELCR (0x4D0/0x4D1), buffered mode and
 * 8080 call-address mode (ICW4 bit 0 is ignored). ISA IRQ2 is wired to IRQ9 on an AT, so irqLine(2) is IRQ9.
 */
export class Pic8259Pair implements InterruptController {
  private readonly master = new Pic8259(true);
  private readonly slave = new Pic8259(false);
  private readonly lines: IrqLine[] = [];

  constructor() {
    for (let n = 0; n < 16; n++) {
      this.lines.push({ raise: () => this.setIrq(n, true), lower: () => this.setIrq(n, false) });
    }
  }

  attach(io: IoBus): void {
    this.attachChip(io, 0x20, 'pic-master', this.master);
    this.attachChip(io, 0xa0, 'pic-slave', this.slave);
  }

  reset(): void {
    this.master.reset();
    this.slave.reset();
  }

  irqLine(n: number): IrqLine {
    const line = this.lines[n];
    if (line === undefined) throw new RangeError(`Pic8259Pair: no IRQ ${n} (0..15)`);
    return line;
  }

  setIrq(n: number, high: boolean): void {
    if (!Number.isInteger(n) || n < 0 || n > 15) throw new RangeError(`Pic8259Pair: no IRQ ${n} (0..15)`);
    if (n === CASCADE_INPUT) n = 9;
    if (n < 8) {
      this.master.setInput(n, high);
    } else {
      this.slave.setInput(n - 8, high);
      this.updateCascade();
    }
  }

  hasInterrupt(): boolean {
    return this.master.pendingInput() !== NONE;
  }

  /**
   * INTA. With nothing pending (the request went away, or was masked, between INTR and INTA) the chip
   * answers with its IR7 vector without setting ISR: spurious IRQ7, or IRQ15 when the master accepted IR2.
   */
  acknowledge(): number {
    const input = this.master.pendingInput();
    if (input === NONE) return this.master.vectorBase + SPURIOUS_INPUT;
    this.master.acknowledgeInput(input);
    if (input !== CASCADE_INPUT || this.master.isSingle) return this.master.vectorBase + input;
    const slaveInput = this.slave.pendingInput();
    if (slaveInput === NONE) {
      this.updateCascade();
      return this.slave.vectorBase + SPURIOUS_INPUT;
    }
    this.slave.acknowledgeInput(slaveInput);
    this.updateCascade();
    return this.slave.vectorBase + slaveInput;
  }

  /** Host-side view for tests and debugging. */
  registers(): { masterIrr: number; masterIsr: number; masterImr: number; slaveIrr: number; slaveIsr: number; slaveImr: number } {
    return {
      masterIrr: this.master.irr, masterIsr: this.master.isr, masterImr: this.master.imr,
      slaveIrr: this.slave.irr, slaveIsr: this.slave.isr, slaveImr: this.slave.imr,
    };
  }

  private attachChip(io: IoBus, base: number, owner: string, chip: Pic8259): void {
    io.register(base, 2, owner, {
      read8: (port) => {
        const value = port === base ? chip.readCommand() : chip.readData();
        this.updateCascade(); // a poll-mode read is an INTA
        return value;
      },
      write8: (port, value) => {
        if (port === base) chip.writeCommand(value);
        else chip.writeData(value);
        this.updateCascade();
      },
    });
  }

  private updateCascade(): void {
    this.master.setInput(CASCADE_INPUT, this.slave.pendingInput() !== NONE);
  }
}
