// The MC146818A real-time clock and its 128 bytes of CMOS RAM (Motorola MC146818A datasheet) at 0x70/0x71.
// The guest's time is startTime plus elapsed guest time from the MachineClock, read in UTC.

import type { IoBus } from '../bus/io-bus.js';
import type { IrqLine } from '../bus/irq.js';
import type { MachineClock, TimedDevice } from '../time/clock.js';

const REG_SECONDS = 0x00;
const REG_SECONDS_ALARM = 0x01;
const REG_MINUTES = 0x02;
const REG_MINUTES_ALARM = 0x03;
const REG_HOURS = 0x04;
const REG_HOURS_ALARM = 0x05;
const REG_WEEKDAY = 0x06;
const REG_DAY = 0x07;
const REG_MONTH = 0x08;
const REG_YEAR = 0x09;
const REG_A = 0x0a;
const REG_B = 0x0b;
const REG_C = 0x0c;
const REG_D = 0x0d;
const REG_CENTURY = 0x32;

const A_UIP = 0x80;
const A_DIVIDER = 0x70;
/** Divider values up to 010 (32.768 kHz) run the clock; 11x holds the divider chain in reset. */
const A_DIVIDER_RUNNING_MAX = 0x20;
const A_RATE = 0x0f;
const B_SET = 0x80;
const B_PIE = 0x40;
const B_AIE = 0x20;
const B_UIE = 0x10;
const B_SQWE = 0x08;
const B_BINARY = 0x04;
const B_24_HOUR = 0x02;
const C_IRQF = 0x80;
const C_PF = 0x40;
const C_AF = 0x20;
const C_UF = 0x10;
const D_VRT = 0x80;
const HOUR_PM = 0x80;
const ALARM_DONT_CARE = 0xc0;

const NS_PER_SECOND = 1_000_000_000;
/** UIP rises this long before each update; until then the time registers are guaranteed stable. */
const UPDATE_WARNING_NS = 244_000;
/** When the divider leaves reset, the first update comes half a second later. */
const DIVIDER_RELEASE_PHASE_NS = 500_000_000;
const TIME_BASE_HZ = 32_768;
/** Alarm checks when catching up many seconds at once stop after a day: every alarm matches within one. */
const MAX_ALARM_CHECKS = 86_400;

/** A calendar time in binary, 24-hour form. */
interface TimeFields { second: number; minute: number; hour: number; weekday: number; day: number; month: number; year: number }

function fieldsFromSeconds(seconds: number, weekdayOffset: number): TimeFields {
  const d = new Date(seconds * 1000);
  return {
    second: d.getUTCSeconds(), minute: d.getUTCMinutes(), hour: d.getUTCHours(),
    weekday: ((d.getUTCDay() + weekdayOffset) % 7) + 1,
    day: d.getUTCDate(), month: d.getUTCMonth() + 1, year: d.getUTCFullYear(),
  };
}

/** Seconds since the epoch; out-of-range fields roll over the way Date normalises them. */
function secondsFromFields(f: TimeFields): number {
  const d = new Date(0);
  d.setUTCFullYear(f.year, f.month - 1, f.day);
  d.setUTCHours(f.hour, f.minute, f.second, 0);
  return Math.floor(d.getTime() / 1000);
}

/** Offset that makes the weekday counter read `weekday` (1 = Sunday) on the date of `seconds`. */
function weekdayOffsetFor(seconds: number, weekday: number): number {
  const natural = new Date(seconds * 1000).getUTCDay();
  return (((weekday - 1 - natural) % 7) + 7) % 7;
}

/**
 * The RTC. Registers always read a consistent time (the update cycle is instantaneous); UIP is set during
 * the 244 us before each update. Changing DM or 24/12 re-encodes the registers at once, where the chip
 * would keep the old bytes. Periodic interrupts are phased from guest time 0. SQWE has no output.
 */
export class CmosRtc implements TimedDevice {
  private readonly ram = new Uint8Array(128);
  private index = 0;
  private nmiMask = false;
  /** Running clock: the epoch second and sub-second phase at guest time `baseNs`. */
  private baseSeconds = 0;
  private baseSubNs = 0;
  private baseNs = 0;
  /** The time while SET is on or the divider is in reset; the guest may write it field by field. */
  private frozen: TimeFields | null = null;
  private weekdayOffset = 0;
  private flags = 0;
  private lastSyncNs = 0;
  private irqHigh = false;

  constructor(private readonly clock: MachineClock, startTime: Date, private readonly irq8?: IrqLine) {
    const startMs = startTime.getTime();
    this.baseSeconds = Math.floor(startMs / 1000);
    this.baseSubNs = (startMs - this.baseSeconds * 1000) * 1_000_000;
    this.baseNs = clock.nowNs();
    this.lastSyncNs = this.baseNs;
    this.ram[REG_A] = 0x26; // 32.768 kHz time base, 1024 Hz periodic rate
    this.ram[REG_B] = B_24_HOUR;
  }

  /** Bit 7 of the last index written to port 0x70. */
  get nmiMasked(): boolean {
    return this.nmiMask;
  }

  attach(io: IoBus): void {
    io.register(0x70, 1, 'cmos/index', {
      read8: () => 0xff, // the index register is write-only
      write8: (_port, value) => { this.index = value & 0x7f; this.nmiMask = (value & 0x80) !== 0; },
    });
    io.register(0x71, 1, 'cmos/data', {
      read8: () => this.readRegister(this.index),
      write8: (_port, value) => this.writeRegister(this.index, value),
    });
  }

  /** The RESET pin: interrupt enables and flags cleared; time and RAM kept (battery backed). */
  reset(): void {
    this.sync(this.clock.nowNs());
    this.ram[REG_B] = this.ram[REG_B]! & ~(B_PIE | B_AIE | B_UIE | B_SQWE);
    this.flags = 0;
    this.updateIrq();
  }

  /** Base memory (KiB below 640 KiB) and extended memory (KiB above 1 MiB), as a BIOS records them. */
  setMemorySizes(baseKiB: number, extendedKiB: number): void {
    const extended = Math.min(0xffff, Math.max(0, Math.floor(extendedKiB)));
    const above16MiB = Math.min(0xffff, Math.max(0, Math.floor((extendedKiB - 15 * 1024) / 64)));
    this.setWord(0x15, Math.min(0xffff, Math.floor(baseKiB)));
    this.setWord(0x17, extended);
    this.setWord(0x30, extended);
    this.setWord(0x34, above16MiB);
    let sum = 0;
    for (let i = 0x10; i <= 0x2d; i++) sum += this.ram[i]!;
    this.ram[0x2e] = (sum >> 8) & 0xff; // standard checksum over 0x10-0x2D, high byte first
    this.ram[0x2f] = sum & 0xff;
  }

  advance(nowNs: number): void {
    this.sync(nowNs);
  }

  nextEventNs(): number {
    if (this.irqHigh) return Infinity;
    const b = this.ram[REG_B]!;
    let next = Infinity;
    const period = this.periodicNs();
    if (b & B_PIE && period > 0) next = Math.ceil((Math.floor(this.lastSyncNs / period) + 1) * period);
    if (b & (B_UIE | B_AIE) && this.running) next = Math.min(next, this.nextUpdateAfter(this.lastSyncNs));
    return next;
  }

  private setWord(index: number, value: number): void {
    this.ram[index] = value & 0xff;
    this.ram[index + 1] = (value >> 8) & 0xff;
  }

  private get dividerRunning(): boolean {
    return (this.ram[REG_A]! & A_DIVIDER) <= A_DIVIDER_RUNNING_MAX;
  }

  private get running(): boolean {
    return this.frozen === null;
  }

  /** Rates 1 and 2 give 256 and 128 Hz; rate n >= 3 gives 65536 / 2^n Hz (32.768 kHz time base). */
  private periodicNs(): number {
    const rate = this.ram[REG_A]! & A_RATE;
    if (rate === 0 || !this.dividerRunning) return 0;
    const divisor = rate <= 2 ? 1 << (rate + 6) : 1 << (rate - 1);
    return (divisor * NS_PER_SECOND) / TIME_BASE_HZ;
  }

  private subSecondNs(nowNs: number): number {
    return this.baseSubNs + (nowNs - this.baseNs);
  }

  private secondsAt(nowNs: number): number {
    return this.baseSeconds + Math.floor(this.subSecondNs(nowNs) / NS_PER_SECOND);
  }

  private nextUpdateAfter(nowNs: number): number {
    const elapsedSeconds = Math.floor(this.subSecondNs(nowNs) / NS_PER_SECOND) + 1;
    return this.baseNs + elapsedSeconds * NS_PER_SECOND - this.baseSubNs;
  }

  private currentFields(nowNs: number): TimeFields {
    return this.frozen ?? fieldsFromSeconds(this.secondsAt(nowNs), this.weekdayOffset);
  }

  /** Raises the flags for periodic ticks, updates and alarms that fell due since the last sync. */
  private sync(nowNs: number): void {
    if (nowNs <= this.lastSyncNs) return;
    const period = this.periodicNs();
    if (period > 0 && Math.floor(nowNs / period) > Math.floor(this.lastSyncNs / period)) this.flags |= C_PF;
    if (this.running) this.checkUpdates(this.lastSyncNs, nowNs);
    this.lastSyncNs = nowNs;
    this.updateIrq();
  }

  private checkUpdates(fromNs: number, toNs: number): void {
    const first = this.secondsAt(fromNs) + 1;
    const last = this.secondsAt(toNs);
    if (last < first) return;
    this.flags |= C_UF;
    for (let s = Math.max(first, last - MAX_ALARM_CHECKS); s <= last; s++) {
      if (this.alarmMatches(fieldsFromSeconds(s, this.weekdayOffset))) { this.flags |= C_AF; break; }
    }
  }

  private alarmMatches(f: TimeFields): boolean {
    const matches = (alarm: number, value: number): boolean => (alarm & ALARM_DONT_CARE) === ALARM_DONT_CARE || alarm === value;
    return matches(this.ram[REG_SECONDS_ALARM]!, this.encode(f.second))
      && matches(this.ram[REG_MINUTES_ALARM]!, this.encode(f.minute))
      && matches(this.ram[REG_HOURS_ALARM]!, this.encodeHour(f.hour));
  }

  private updateIrq(): void {
    const b = this.ram[REG_B]!;
    const high = ((this.flags & C_PF) !== 0 && (b & B_PIE) !== 0) || ((this.flags & C_AF) !== 0 && (b & B_AIE) !== 0)
      || ((this.flags & C_UF) !== 0 && (b & B_UIE) !== 0);
    if (high === this.irqHigh) return;
    this.irqHigh = high;
    if (high) this.irq8?.raise();
    else this.irq8?.lower();
  }

  private get binary(): boolean {
    return (this.ram[REG_B]! & B_BINARY) !== 0;
  }

  private encode(value: number): number {
    return this.binary ? value : (Math.floor(value / 10) % 10) * 16 + (value % 10);
  }

  private decode(value: number): number {
    return this.binary ? value : (value >> 4) * 10 + (value & 0x0f);
  }

  private encodeHour(hour: number): number {
    if (this.ram[REG_B]! & B_24_HOUR) return this.encode(hour);
    const twelve = hour % 12 === 0 ? 12 : hour % 12;
    return this.encode(twelve) | (hour >= 12 ? HOUR_PM : 0);
  }

  private decodeHour(value: number): number {
    if (this.ram[REG_B]! & B_24_HOUR) return this.decode(value);
    return (this.decode(value & ~HOUR_PM) % 12) + (value & HOUR_PM ? 12 : 0);
  }

  private readRegister(index: number): number {
    const now = this.clock.nowNs();
    this.sync(now);
    switch (index) {
      case REG_SECONDS: return this.encode(this.currentFields(now).second);
      case REG_MINUTES: return this.encode(this.currentFields(now).minute);
      case REG_HOURS: return this.encodeHour(this.currentFields(now).hour);
      case REG_WEEKDAY: return this.encode(this.currentFields(now).weekday);
      case REG_DAY: return this.encode(this.currentFields(now).day);
      case REG_MONTH: return this.encode(this.currentFields(now).month);
      case REG_YEAR: return this.encode(this.currentFields(now).year % 100);
      case REG_CENTURY: return this.encode(Math.floor(this.currentFields(now).year / 100) % 100);
      case REG_A: return (this.ram[REG_A]! & ~A_UIP) | (this.updateInProgress(now) ? A_UIP : 0);
      case REG_C: return this.readAndClearFlags();
      case REG_D: return D_VRT;
      default: return this.ram[index]!;
    }
  }

  private updateInProgress(nowNs: number): boolean {
    if (!this.running) return false;
    const phase = ((this.subSecondNs(nowNs) % NS_PER_SECOND) + NS_PER_SECOND) % NS_PER_SECOND;
    return phase >= NS_PER_SECOND - UPDATE_WARNING_NS;
  }

  private readAndClearFlags(): number {
    const value = this.flags | (this.irqHigh ? C_IRQF : 0);
    this.flags = 0;
    this.updateIrq();
    return value;
  }

  private writeRegister(index: number, value: number): void {
    const now = this.clock.nowNs();
    this.sync(now);
    switch (index) {
      case REG_SECONDS: this.setField(now, (f) => { f.second = this.decode(value); }); break;
      case REG_MINUTES: this.setField(now, (f) => { f.minute = this.decode(value); }); break;
      case REG_HOURS: this.setField(now, (f) => { f.hour = this.decodeHour(value); }); break;
      case REG_WEEKDAY: this.setField(now, (f) => { f.weekday = this.decode(value); }); break;
      case REG_DAY: this.setField(now, (f) => { f.day = this.decode(value); }); break;
      case REG_MONTH: this.setField(now, (f) => { f.month = this.decode(value); }); break;
      case REG_YEAR: this.setField(now, (f) => { f.year = f.year - (f.year % 100) + this.decode(value); }); break;
      case REG_CENTURY: this.setField(now, (f) => { f.year = this.decode(value) * 100 + (f.year % 100); }); break;
      case REG_A: this.writeRegisterA(now, value); break;
      case REG_B: this.writeRegisterB(now, value); break;
      case REG_C: case REG_D: break; // read-only
      default: this.ram[index] = value;
    }
    this.updateIrq();
  }

  /** A time write: into the frozen fields under SET, else applied to the running clock at once (as QEMU). */
  private setField(nowNs: number, change: (fields: TimeFields) => void): void {
    if (this.frozen !== null) { change(this.frozen); return; }
    const fields = fieldsFromSeconds(this.secondsAt(nowNs), this.weekdayOffset);
    change(fields);
    const phase = this.subSecondNs(nowNs) % NS_PER_SECOND;
    this.startRunning(nowNs, fields, phase);
  }

  private startRunning(nowNs: number, fields: TimeFields, phaseNs: number): void {
    this.baseSeconds = secondsFromFields(fields);
    this.weekdayOffset = weekdayOffsetFor(this.baseSeconds, fields.weekday);
    this.baseSubNs = phaseNs;
    this.baseNs = nowNs;
    this.frozen = null;
  }

  private writeRegisterA(nowNs: number, value: number): void {
    const wasRunning = this.dividerRunning;
    this.ram[REG_A] = value & ~A_UIP;
    if (wasRunning && !this.dividerRunning) this.freeze(nowNs);
    else if (!wasRunning && this.dividerRunning && !(this.ram[REG_B]! & B_SET)) this.resume(nowNs, DIVIDER_RELEASE_PHASE_NS);
  }

  /** SET stops updates so the guest can write the time; setting it also clears UIE (datasheet). */
  private writeRegisterB(nowNs: number, value: number): void {
    const setBefore = (this.ram[REG_B]! & B_SET) !== 0;
    if (value & B_SET) value &= ~B_UIE;
    this.ram[REG_B] = value;
    const setNow = (value & B_SET) !== 0;
    if (setNow && !setBefore) this.freeze(nowNs);
    else if (!setNow && setBefore && this.dividerRunning) this.resume(nowNs, this.subSecondNs(nowNs) % NS_PER_SECOND);
  }

  private freeze(nowNs: number): void {
    if (this.frozen === null) this.frozen = fieldsFromSeconds(this.secondsAt(nowNs), this.weekdayOffset);
  }

  private resume(nowNs: number, phaseNs: number): void {
    if (this.frozen !== null) this.startRunning(nowNs, this.frozen, phaseNs);
  }
}
