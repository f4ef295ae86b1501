// The 8254 programmable interval timer (Intel 82C54 datasheet) at 0x40-0x43, clocked at 1.193182 MHz,
// plus the channel-2 gate, speaker and status bits of port 0x61 as wired on the PC/AT.

import type { IoBus } from '../bus/io-bus.js';
import type { IrqLine } from '../bus/irq.js';
import type { MachineClock, TimedDevice } from '../time/clock.js';

export const PIT_INPUT_HZ = 1_193_182;
const NS_PER_SECOND = 1_000_000_000;
/** PIT channel 1 refreshes DRAM every 18 input clocks on a PC; port 0x61 bit 4 toggles at each refresh. */
const REFRESH_DIVISOR = 18;

/** Input clock ticks elapsed by guest time `ns` (split so the products stay exact in a double). */
export function pitTicksAt(ns: number): number {
  const whole = Math.max(0, Math.floor(ns));
  const seconds = Math.floor(whole / NS_PER_SECOND);
  const rest = whole - seconds * NS_PER_SECOND;
  return seconds * PIT_INPUT_HZ + Math.floor((rest * PIT_INPUT_HZ) / NS_PER_SECOND);
}

/** The first guest nanosecond at which `pitTicksAt` reaches `tick`. */
export function pitNsAtTick(tick: number): number {
  const seconds = Math.floor(tick / PIT_INPUT_HZ);
  const rest = tick - seconds * PIT_INPUT_HZ;
  return seconds * NS_PER_SECOND + Math.ceil((rest * NS_PER_SECOND) / PIT_INPUT_HZ);
}

type Phase = 'idle' | 'armed' | 'counting';

function fromBcd(value: number): number {
  return ((value >> 12) & 15) * 1000 + ((value >> 8) & 15) * 100 + ((value >> 4) & 15) * 10 + (value & 15);
}

function toBcd(value: number): number {
  return (Math.floor(value / 1000) % 10) << 12 | (Math.floor(value / 100) % 10) << 8 | (Math.floor(value / 10) % 10) << 4 | value % 10;
}

/**
 * One counter. The count is loaded at the moment its last byte is written (the chip waits for the next
 * CLK edge; 838 ns are not modelled). In modes 2 and 3 a count written while counting takes effect at the
 * end of the current period (the datasheet says half-period for mode 3). Modes 1 and 5 start on a gate edge.
 */
class PitChannel {
  gate: boolean;
  private mode = 3;
  private modeBits = 3;
  private accessMode = 3;
  private bcd = false;
  private phase: Phase = 'idle';
  /** The count register (CR) as a count: 1..65536 (or 1..10000 in BCD). */
  private countRegister = 0x10000;
  /** The count the counting element was loaded with. */
  private activeCount = 0x10000;
  private startTick = 0;
  /** Elapsed ticks at which counting was suspended by a low gate, or null while counting. */
  private pausedElapsed: number | null = null;
  private pendingCount: number | null = null;
  private pendingTick = 0;
  private idleValue = 0;
  private nullCount = true;
  private latchedCount: number | null = null;
  private latchedStatus: number | null = null;
  private readHighNext = false;
  private writeHighNext = false;
  private writeLowByte = 0;

  constructor(private readonly gateTiedHigh: boolean) {
    this.gate = gateTiedHigh;
  }

  /** Lobyte/hibyte access, count 65536, running in `mode` where the gate is high. */
  reset(tick: number, mode: number): void {
    this.gate = this.gateTiedHigh;
    this.mode = mode; this.modeBits = mode; this.accessMode = 3; this.bcd = false;
    this.countRegister = 0x10000; this.idleValue = 0; this.nullCount = true;
    this.latchedCount = null; this.latchedStatus = null; this.readHighNext = false; this.writeHighNext = false;
    this.pendingCount = null; this.pausedElapsed = null;
    this.phase = 'armed';
    if (this.gate) this.trigger(tick);
  }

  private get modulus(): number {
    return this.bcd ? 10000 : 0x10000;
  }

  /** Applies a reload that fell due at a period boundary by `tick`. */
  sync(tick: number): void {
    if (this.pendingCount !== null && tick >= this.pendingTick) {
      this.startTick = this.pendingTick;
      this.activeCount = this.pendingCount;
      this.pendingCount = null;
      this.nullCount = false;
    }
  }

  writeControl(value: number, tick: number): void {
    this.idleValue = this.value(tick);
    this.modeBits = (value >> 1) & 7;
    this.mode = this.modeBits >= 6 ? this.modeBits - 4 : this.modeBits;
    this.accessMode = (value >> 4) & 3;
    this.bcd = (value & 1) !== 0;
    this.phase = 'idle';
    this.nullCount = true;
    this.pendingCount = null;
    this.pausedElapsed = null;
    this.latchedCount = null;
    this.latchedStatus = null;
    this.readHighNext = false;
    this.writeHighNext = false;
  }

  latchCount(tick: number): void {
    if (this.latchedCount === null) this.latchedCount = this.encodedValue(tick);
  }

  latchStatus(tick: number): void {
    if (this.latchedStatus !== null) return;
    this.latchedStatus = (this.out(tick) ? 0x80 : 0) | (this.nullCount ? 0x40 : 0)
      | (this.accessMode << 4) | (this.modeBits << 1) | (this.bcd ? 1 : 0);
  }

  read(tick: number): number {
    if (this.latchedStatus !== null) {
      const status = this.latchedStatus;
      this.latchedStatus = null;
      return status;
    }
    const latched = this.latchedCount;
    const value = latched ?? this.encodedValue(tick);
    let byte: number;
    let done = true;
    if (this.accessMode === 1) byte = value & 0xff;
    else if (this.accessMode === 2) byte = value >> 8;
    else {
      byte = this.readHighNext ? value >> 8 : value & 0xff;
      done = this.readHighNext;
      this.readHighNext = !this.readHighNext;
    }
    if (latched !== null && done) this.latchedCount = null;
    return byte & 0xff;
  }

  write(byte: number, tick: number): void {
    if (this.accessMode === 1) { this.loadCount(byte, tick); return; }
    if (this.accessMode === 2) { this.loadCount(byte << 8, tick); return; }
    if (!this.writeHighNext) {
      this.writeLowByte = byte;
      this.writeHighNext = true;
      // Mode 0: writing the first byte of a two-byte count stops counting and drives OUT low.
      if (this.mode === 0 && this.phase === 'counting') {
        this.idleValue = this.value(tick);
        this.phase = 'idle';
        this.pausedElapsed = null;
      }
      return;
    }
    this.writeHighNext = false;
    this.loadCount(this.writeLowByte | (byte << 8), tick);
  }

  setGate(high: boolean, tick: number): void {
    if (high === this.gate) return;
    this.gate = high;
    if (high) this.gateRose(tick);
    else this.gateFell(tick);
  }

  private gateRose(tick: number): void {
    switch (this.mode) {
      case 0: case 4:
        if (this.pausedElapsed !== null) {
          this.startTick = tick - this.pausedElapsed;
          this.pausedElapsed = null;
        }
        return;
      default:
        if (this.phase !== 'idle') this.trigger(tick);
    }
  }

  private gateFell(tick: number): void {
    if (this.phase !== 'counting') return;
    if (this.mode === 0 || this.mode === 4 || this.mode === 2 || this.mode === 3) {
      this.pausedElapsed = tick - this.startTick;
      this.pendingCount = null;
    }
  }

  private loadCount(raw: number, tick: number): void {
    const decoded = this.bcd ? fromBcd(raw) : raw;
    this.countRegister = decoded === 0 ? this.modulus : decoded;
    this.nullCount = true;
    switch (this.mode) {
      case 0: case 4:
        this.trigger(tick);
        if (!this.gate) this.pausedElapsed = 0;
        return;
      case 1: case 5:
        if (this.phase === 'idle') this.phase = 'armed';
        return;
      default:
        if (this.phase === 'counting' && this.pausedElapsed === null) {
          this.pendingCount = this.countRegister;
          this.pendingTick = this.nextPeriodBoundary(tick);
        } else if (this.gate) {
          this.trigger(tick);
        } else {
          this.phase = 'armed';
        }
    }
  }

  /** Loads the counting element from the count register and starts counting at `tick`. */
  private trigger(tick: number): void {
    this.phase = 'counting';
    this.activeCount = this.countRegister;
    this.startTick = tick;
    this.pausedElapsed = null;
    this.pendingCount = null;
    this.nullCount = false;
  }

  /** Modes 2 and 3 with a count of 1 are illegal on the chip; they run as a count of 2 here. */
  private get period(): number {
    return Math.max(2, this.activeCount);
  }

  private elapsed(tick: number): number {
    return this.pausedElapsed ?? tick - this.startTick;
  }

  private nextPeriodBoundary(tick: number): number {
    const n = this.period;
    const k = Math.max(1, Math.floor(this.elapsed(tick) / n) + 1);
    return this.startTick + k * n;
  }

  out(tick: number): boolean {
    if (this.phase === 'idle') return this.mode !== 0;
    if (this.phase === 'armed') return true;
    const d = this.elapsed(tick);
    const n = this.activeCount;
    switch (this.mode) {
      case 0: case 1: return d >= n;
      case 2: return !this.gate || d % this.period !== this.period - 1;
      case 3: return !this.gate || d % this.period < Math.ceil(this.period / 2);
      default: return d !== n; // modes 4 and 5: one clock low at terminal count
    }
  }

  /** The counting element's value (0..modulus-1) as a binary number. */
  private value(tick: number): number {
    if (this.phase !== 'counting') return this.idleValue;
    const d = this.elapsed(tick);
    const m = this.modulus;
    if (this.mode === 2) return (this.period - (d % this.period)) % m;
    if (this.mode === 3) return this.squareWaveValue(d) % m;
    return (((this.activeCount - d) % m) + m) % m;
  }

  /** Mode 3 decrements by two; an odd count spends one extra clock at N (and N-1) in the high half. */
  private squareWaveValue(d: number): number {
    const n = this.period;
    const p = d % n;
    if (n % 2 === 0) return n - 2 * (p % (n / 2));
    const highClocks = (n + 1) / 2;
    if (p < highClocks) return p === 0 ? n : n - 1 - 2 * (p - 1);
    const q = p - highClocks;
    return q === 0 ? n : n - 3 - 2 * (q - 1);
  }

  private encodedValue(tick: number): number {
    const value = this.value(tick);
    return this.bcd ? toBcd(value) : value;
  }

  /** The first tick after `tick` at which OUT rises, or Infinity. */
  nextRisingEdgeAfter(tick: number): number {
    if (this.phase !== 'counting' || this.pausedElapsed !== null) return Infinity;
    const d = tick - this.startTick;
    switch (this.mode) {
      case 0: case 1: return d < this.activeCount ? this.startTick + this.activeCount : Infinity;
      case 4: case 5: return d < this.activeCount + 1 ? this.startTick + this.activeCount + 1 : Infinity;
      default: {
        const boundary = this.nextPeriodBoundary(tick);
        if (this.pendingCount === null || boundary <= this.pendingTick) return boundary;
        const newPeriod = Math.max(2, this.pendingCount);
        return this.pendingTick + Math.max(1, Math.floor((tick - this.pendingTick) / newPeriod) + 1) * newPeriod;
      }
    }
  }
}

/**
 * The PIT. Time comes only from the MachineClock. IRQ0 is a raise()+lower() pulse on each rising edge of
 * channel 0's OUT; when the machine falls several periods behind, the missed edges fire one pulse.
 * Not modelled: OUT changes caused by a control word write (QEMU does not signal those either).
 * Read-back status follows the datasheet (OUT high in mode 2 except at count 1, null count bit), where QEMU
 * differs; port 0x43 reads 0xFF like an undriven ISA bus (QEMU returns 0).
 */
export class Pit8254 implements TimedDevice {
  private readonly channels = [new PitChannel(true), new PitChannel(true), new PitChannel(false)];
  private lastTick = 0;
  private speakerData = false;
  private port61Stored = 0;

  constructor(private readonly irq0: IrqLine, private readonly clock: MachineClock) {
    this.reset();
  }

  attach(io: IoBus): void {
    io.register(0x40, 4, 'pit', {
      read8: (port) => this.readPort(port),
      write8: (port, value) => this.writePort(port, value),
    });
    io.register(0x61, 1, 'pit/port61', {
      read8: () => this.readPort61(),
      write8: (_port, value) => this.writePort61(value),
    });
  }

  /** The state QEMU and SeaBIOS leave: channel 0 in mode 2 at 18.2 Hz, channels 1 and 2 in mode 3, gate 2 low. */
  reset(): void {
    this.lastTick = pitTicksAt(this.clock.nowNs());
    this.speakerData = false;
    this.port61Stored = 0;
    this.channels.forEach((channel, i) => channel.reset(this.lastTick, i === 0 ? 2 : 3));
  }

  advance(nowNs: number): void {
    this.catchUp(pitTicksAt(nowNs));
  }

  nextEventNs(): number {
    const edge = this.channels[0]!.nextRisingEdgeAfter(this.lastTick);
    return edge === Infinity ? Infinity : pitNsAtTick(edge);
  }

  /** True when port 0x61 routes channel 2's OUT to the speaker (gate and speaker data bits both set). */
  speakerEnabled(): boolean {
    return this.speakerData && this.channels[2]!.gate;
  }

  private now(): number {
    const tick = pitTicksAt(this.clock.nowNs());
    this.catchUp(tick);
    return this.lastTick;
  }

  private catchUp(tick: number): void {
    if (tick > this.lastTick) {
      if (this.channels[0]!.nextRisingEdgeAfter(this.lastTick) <= tick) {
        this.irq0.raise();
        this.irq0.lower();
      }
      this.lastTick = tick;
    }
    for (const channel of this.channels) channel.sync(this.lastTick);
  }

  private readPort(port: number): number {
    const tick = this.now();
    if (port === 0x43) return 0xff; // the control word register is write-only
    return this.channels[port - 0x40]!.read(tick);
  }

  private writePort(port: number, value: number): void {
    const tick = this.now();
    if (port !== 0x43) { this.channels[port - 0x40]!.write(value, tick); return; }
    const select = value >> 6;
    if (select === 3) { this.readBack(value, tick); return; }
    const channel = this.channels[select]!;
    if ((value & 0x30) === 0) channel.latchCount(tick);
    else channel.writeControl(value, tick);
  }

  /** Read-back command: bit 5 clear latches counts, bit 4 clear latches status, bits 1-3 select channels. */
  private readBack(value: number, tick: number): void {
    for (let i = 0; i < 3; i++) {
      if (!(value & (2 << i))) continue;
      const channel = this.channels[i]!;
      if (!(value & 0x20)) channel.latchCount(tick);
      if (!(value & 0x10)) channel.latchStatus(tick);
    }
  }

  /** Port 0x61 read: bit 0 gate 2, bit 1 speaker data, bits 2-3 as written, bit 4 refresh, bit 5 OUT2. */
  private readPort61(): number {
    const tick = this.now();
    const channel2 = this.channels[2]!;
    const refresh = Math.floor(tick / REFRESH_DIVISOR) & 1;
    return (channel2.gate ? 0x01 : 0) | (this.speakerData ? 0x02 : 0) | (this.port61Stored & 0x0c)
      | (refresh << 4) | (channel2.out(tick) ? 0x20 : 0);
  }

  private writePort61(value: number): void {
    const tick = this.now();
    this.speakerData = (value & 0x02) !== 0;
    this.port61Stored = value & 0x0c;
    this.channels[2]!.setGate((value & 0x01) !== 0, tick);
  }
}
