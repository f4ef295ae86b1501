// The PC board: RAM, the I/O bus, the CPU and the ISA devices, wired as on a PC/AT, and the run loop
// that interleaves CPU slices with device time. Only this file knows the board layout.

import { IoBus } from './bus/io-bus.js';
import type { IrqLine } from './bus/irq.js';
import { PhysicalMemory } from './memory/physical-memory.js';
import type { MachineClock, TimedDevice } from './time/clock.js';
import { Cpu, StopReason } from './cpu/cpu.js';
import { CS, DS, ES, FS, GS, SS, EAX, EBX, ECX, ESP } from './cpu/registers.js';
import { CR0_ET, CR0_PE, FLAG_IF } from './cpu/eflags.js';
import { NotImplementedError } from './cpu/fault.js';
import type { CpuCounters, CpuEvent } from './cpu/events.js';
import { Pic8259Pair } from './devices/pic-8259.js';
import { Pit8254 } from './devices/pit-8254.js';
import { Uart16550 } from './devices/uart-16550.js';
import { VgaText } from './devices/vga-text.js';
import { Ps2Controller8042 } from './devices/ps2-8042.js';
import { AtaPio } from './devices/ata-pio.js';
import { CmosRtc } from './devices/cmos-rtc.js';
import { DebugPorts } from './devices/debug-ports.js';
import { SystemControlPortA } from './devices/system-control-port.js';
import { loadMultiboot, type MultibootModule } from './boot/multiboot.js';

export interface MachineOptions {
  /** Guest RAM in MiB (default 128). */
  memoryMiB?: number;
  /**
   * 'instructions' (default): guest time advances nsPerInstruction per retired instruction, and HLT skips
   * straight to the next device event, so every run is reproducible. 'wall': guest time follows the host clock.
   */
  clock?: 'instructions' | 'wall';
  nsPerInstruction?: number;
  /** What the RTC reads at power-on: a fixed date (tests) or 'host' (default). */
  rtcTime?: Date | 'host';
  /** Host monotonic clock in ms, for the wall clock and timeouts (default: performance.now). */
  hostNowMs?: () => number;
  /** How run() gives the host's event loop a turn between slices. */
  yieldToHost?: () => Promise<void>;
  /**
   * Block compilation: 'on' (default) compiles blocks once they are hot, 'eager' compiles every block on its first
   * execution (tests use it to run everything through the compiler), 'off' interprets everything.
   */
  jit?: 'on' | 'eager' | 'off';
}

export type ExitReason =
  /** isa-debug-exit: `value` is what the guest wrote, `status` = (value << 1) | 1 the process exit status, as QEMU. */
  | { kind: 'debug-exit'; status: number; value: number }
  | { kind: 'halt' }
  | { kind: 'shutdown' }
  | { kind: 'reset' }
  | { kind: 'triple-fault'; message: string }
  | { kind: 'timeout' }
  | { kind: 'error'; message: string };

export interface RunOptions {
  timeoutMs?: number;
  maxInstructions?: number;
}

interface MachineEvents {
  serial: (byte: number) => void;
  log: (line: string) => void;
  exit: (reason: ExitReason) => void;
  /** Ring transitions, exceptions, interrupts, CR writes, TLB flushes and table loads (cpu/events.ts). */
  cpu: (event: CpuEvent) => void;
}

/** The guest-visible state QEMU's -kernel Multiboot loader leaves, which we reproduce (docs/machine.md). */
export const MULTIBOOT_GDT_ADDRESS = 0xcb2b8;
export const MULTIBOOT_INITIAL_ESP = 0x6f08;
export const MULTIBOOT_INITIAL_EFLAGS = 0x6;

/** Instructions per CPU slice between device updates and host-clock checks. */
const SLICE_INSTRUCTIONS = 50_000;

export class Machine {
  readonly memory: PhysicalMemory;
  readonly io = new IoBus();
  readonly cpu: Cpu;
  readonly pic = new Pic8259Pair();
  readonly pit: Pit8254;
  readonly uart: Uart16550;
  readonly vga: VgaText;
  readonly keyboard: Ps2Controller8042;
  readonly ata: AtaPio;
  readonly cmos: CmosRtc;
  readonly debugPorts: DebugPorts;
  readonly systemControl: SystemControlPortA;
  readonly clock: MachineClock;

  private readonly timed: TimedDevice[];
  private readonly nsPerInstruction: number;
  private readonly wallClock: boolean;
  private readonly hostNowMs: () => number;
  private readonly yieldToHost: () => Promise<void>;
  private readonly wallStartMs: number;
  /** Guest time skipped while halted (instruction clock). */
  private idleNs = 0;
  private exitReason: ExitReason | undefined;
  private inputWaiter: (() => void) | undefined;
  private readonly listeners: { [K in keyof MachineEvents]: MachineEvents[K][] } = { serial: [], log: [], exit: [], cpu: [] };

  constructor(options: MachineOptions = {}) {
    const mib = options.memoryMiB ?? 128;
    if (!Number.isInteger(mib) || mib < 2 || mib > 3072) throw new RangeError(`memory size ${mib} MiB is outside 2..3072 MiB`);
    this.memory = new PhysicalMemory(mib * 1024 * 1024);
    this.nsPerInstruction = options.nsPerInstruction ?? 1;
    this.wallClock = options.clock === 'wall';
    this.hostNowMs = options.hostNowMs ?? defaultHostNow;
    this.yieldToHost = options.yieldToHost ?? defaultYield;
    this.wallStartMs = this.hostNowMs();
    this.clock = { nowNs: () => this.nowNs() };

    this.cpu = new Cpu(this.memory, this.io, this.pic);
    this.cpu.compileBlocks = options.jit !== 'off';
    if (options.jit === 'eager') this.cpu.compileThreshold = 1;
    this.cpu.onTripleFault = (message) => this.finish({ kind: 'triple-fault', message });
    this.pit = new Pit8254(this.irq(0), this.clock);
    this.uart = new Uart16550(this.irq(4), (byte) => this.emit('serial', byte), this.clock);
    this.vga = new VgaText(this.memory);
    this.keyboard = new Ps2Controller8042(this.irq(1), () => this.finish({ kind: 'reset' }));
    this.ata = new AtaPio(this.irq(14));
    const rtcStart = options.rtcTime === undefined || options.rtcTime === 'host' ? new Date() : options.rtcTime;
    this.cmos = new CmosRtc(this.clock, rtcStart, this.irq(8));
    this.cmos.setMemorySizes(640, mib * 1024 - 1024);
    this.debugPorts = new DebugPorts({
      onExit: (status) => this.finish({ kind: 'debug-exit', status, value: status >>> 1 }),
      onShutdown: () => this.finish({ kind: 'shutdown' }),
      onConsoleByte: (byte) => this.emit('serial', byte),
    });
    this.systemControl = new SystemControlPortA(() => this.finish({ kind: 'reset' }), () => {});
    for (const device of [this.pic, this.pit, this.uart, this.vga, this.keyboard, this.ata, this.cmos, this.debugPorts, this.systemControl]) {
      device.attach(this.io);
    }
    this.io.onUnknownPort = (message) => this.emit('log', message);
    this.timed = [this.pit, this.uart, this.cmos];
  }

  // ---------------------------------------------------------------- events

  on<K extends keyof MachineEvents>(event: K, listener: MachineEvents[K]): this {
    this.listeners[event].push(listener);
    if (event === 'cpu') this.updateCpuEventListener();
    return this;
  }

  off<K extends keyof MachineEvents>(event: K, listener: MachineEvents[K]): this {
    const list = this.listeners[event] as MachineEvents[K][];
    const at = list.indexOf(listener);
    if (at >= 0) list.splice(at, 1);
    if (event === 'cpu') this.updateCpuEventListener();
    return this;
  }

  /** Events are built only while someone listens: with no 'cpu' listener the CPU just counts. */
  private updateCpuEventListener(): void {
    const listeners = this.listeners.cpu;
    this.cpu.events.listener = listeners.length === 0 ? null : (event) => { for (const l of listeners) l(event); };
  }

  /** Instructions retired and how many of each CPU event happened since reset. */
  counters(): CpuCounters {
    return this.cpu.events.counters(this.cpu.retiredNow());
  }

  private emit<K extends keyof MachineEvents>(event: K, ...args: Parameters<MachineEvents[K]>): void {
    for (const listener of this.listeners[event]) (listener as (...a: unknown[]) => void)(...args);
  }

  // ---------------------------------------------------------------- set-up

  private irq(n: number): IrqLine {
    return this.pic.irqLine(n);
  }

  /** Loads a Multiboot v1 kernel and puts the CPU in the state QEMU's -kernel leaves. Throws BootError. */
  loadMultiboot(image: Uint8Array, options: { cmdline?: string; modules?: MultibootModule[] } = {}): void {
    const entry = loadMultiboot(this.memory, image, { cmdline: options.cmdline ?? '', modules: options.modules ?? [], bootLoaderName: 'kernelist' });
    this.enterMultibootState(entry.entry, entry.eax, entry.ebx);
  }

  /**
   * The machine state QEMU 7.2's -kernel leaves at a Multiboot entry point (measured with a probe kernel;
   * Multiboot 0.6.96 §3.2 requires only EAX, EBX, flat CS/DS/ES/FS/GS/SS, PE=1, PG=0, IF=0):
   * the GDT of its option ROM at 0xCB2B8 (null, 32-bit code 0x08, data 0x10, 16-bit code 0x18, data 0x20),
   * ESP = 0x6F08, EFLAGS = 0x6, ECX = the entry point, and the PICs as SeaBIOS programs them.
   */
  private enterMultibootState(eip: number, eax: number, ebx: number): void {
    const cpu = this.cpu;
    cpu.reset();
    const gdt = MULTIBOOT_GDT_ADDRESS;
    const descriptors = [[0, 0], [0x0000ffff, 0x00cf9a00], [0x0000ffff, 0x00cf9300], [0x0000ffff, 0x00009e00], [0x0000ffff, 0x00009200]];
    descriptors.forEach(([low, high], k) => { this.memory.write32(gdt + k * 8, low!); this.memory.write32(gdt + k * 8 + 4, high!); });
    cpu.gdtBase = gdt;
    cpu.gdtLimit = descriptors.length * 8 - 1;
    cpu.cr0 = CR0_PE | CR0_ET;
    cpu.setSegmentCache(CS, 0x08, 0, 0xffffffff, 0xc09a);
    for (const seg of [DS, ES, FS, GS, SS]) cpu.setSegmentCache(seg, 0x10, 0, 0xffffffff, 0xc093);
    cpu.setCpl(0);
    cpu.r32.fill(0);
    cpu.r32[EAX] = eax;
    cpu.r32[EBX] = ebx;
    cpu.r32[ECX] = eip;
    cpu.r32[ESP] = MULTIBOOT_INITIAL_ESP;
    cpu.flags = MULTIBOOT_INITIAL_EFLAGS;
    cpu.ccOp = 0;
    cpu.eip = eip;
    cpu.flushTlb();
    cpu.invalidateAllCode();
    this.programPicsLikeFirmware();
  }

  /** SeaBIOS leaves the PICs at vectors 0x08 and 0x70, all but the cascade and a few BIOS IRQs masked. */
  private programPicsLikeFirmware(): void {
    const io = this.io;
    for (const [base, vector, cascade, mask] of [[0x20, 0x08, 0x04, 0xb8], [0xa0, 0x70, 0x02, 0x8e]] as const) {
      io.write8(base, 0x11);
      io.write8(base + 1, vector);
      io.write8(base + 1, cascade);
      io.write8(base + 1, 0x01);
      io.write8(base + 1, mask);
    }
  }

  /** Attaches a raw disk image as the primary ATA master; writes stay in memory unless writeBack is set. */
  attachDisk(image: Uint8Array, options: { writeBack?: boolean } = {}): void {
    this.ata.attachDisk(image, options);
  }

  /** Writes the guest's disk writes back into the attached image. */
  flushDisk(): void {
    this.ata.flush();
  }

  // ---------------------------------------------------------------- host input and output

  sendSerial(data: string | Uint8Array): void {
    this.uart.receive(data);
    this.wakeForInput();
  }

  sendKeys(text: string): void {
    this.keyboard.typeText(text);
    this.wakeForInput();
  }

  pressKey(name: string): void {
    this.keyboard.pressKey(name);
    this.wakeForInput();
  }

  screenText(): string {
    return this.vga.screenText();
  }

  private wakeForInput(): void {
    this.cpu.eventCheck = true;
    const waiter = this.inputWaiter;
    this.inputWaiter = undefined;
    waiter?.();
  }

  // ---------------------------------------------------------------- time

  nowNs(): number {
    if (this.wallClock) return (this.hostNowMs() - this.wallStartMs) * 1e6;
    return this.cpu.retired * this.nsPerInstruction + this.idleNs;
  }

  private advanceDevices(): number {
    const now = this.nowNs();
    let next = Infinity;
    for (const device of this.timed) {
      device.advance(now);
      next = Math.min(next, device.nextEventNs());
    }
    this.cpu.eventCheck = true;
    return next;
  }

  // ---------------------------------------------------------------- running

  get exited(): ExitReason | undefined {
    return this.exitReason;
  }

  /** Ends the run with `reason` (the first reason wins). */
  finish(reason: ExitReason): void {
    if (this.exitReason) return;
    this.exitReason = reason;
    this.cpu.stop();
    this.wakeForInput();
    this.emit('exit', reason);
  }

  /** Requests the run to end, e.g. on Ctrl-A X. */
  stop(): void {
    this.finish({ kind: 'shutdown' });
  }

  /**
   * Runs up to `maxInstructions` synchronously, honouring device time. Returns the instructions retired.
   * Stops early on exit or when the CPU waits in HLT for host input.
   */
  step(maxInstructions: number): number {
    const start = this.cpu.retired;
    while (!this.exitReason && this.cpu.retired - start < maxInstructions) {
      const waiting = this.runSlice(maxInstructions - (this.cpu.retired - start));
      if (waiting !== undefined) break;
    }
    return this.cpu.retired - start;
  }

  /**
   * Runs one slice. Returns undefined when the CPU ran, or the guest time (ns, possibly Infinity) it
   * waits for in HLT when nothing is due sooner.
   */
  private runSlice(maxInstructions: number): number | undefined {
    const next = this.advanceDevices();
    const now = this.nowNs();
    let budget = Math.min(maxInstructions, SLICE_INSTRUCTIONS);
    if (!this.wallClock && next !== Infinity) budget = Math.max(1, Math.min(budget, Math.ceil((next - now) / this.nsPerInstruction)));
    let stop: StopReason;
    try {
      stop = this.cpu.run(budget);
    } catch (e) {
      this.finish({ kind: 'error', message: describeHostError(e, this.cpu) });
      return undefined;
    }
    if (stop !== StopReason.Halted || this.exitReason) return undefined;
    // HLT with IF=0 and nothing to wake it: the machine is done (QEMU keeps waiting; we report a clean halt).
    if (!(this.cpu.flags & FLAG_IF)) { this.finish({ kind: 'halt' }); return undefined; }
    const due = this.nextDeviceEventNs();
    if (due === Infinity) return Infinity;
    if (!this.wallClock) {
      this.idleNs += Math.max(0, due - this.nowNs());
      return undefined;
    }
    return due > this.nowNs() ? due : undefined;
  }

  private nextDeviceEventNs(): number {
    let next = Infinity;
    for (const device of this.timed) next = Math.min(next, device.nextEventNs());
    return next;
  }

  /** Runs until the guest exits, the timeout passes or maxInstructions retire; never throws for guest behaviour. */
  async run(options: RunOptions = {}): Promise<ExitReason> {
    const deadline = options.timeoutMs !== undefined ? this.hostNowMs() + options.timeoutMs : Infinity;
    const limit = options.maxInstructions ?? Infinity;
    const start = this.cpu.retired;
    // Short first turns get early output (the boot banner) to the host quickly; later ones amortise the yield.
    let turnMs = 1;
    while (!this.exitReason) {
      if (this.hostNowMs() >= deadline || this.cpu.retired - start >= limit) {
        this.finish({ kind: 'timeout' });
        break;
      }
      const sliceEnd = this.hostNowMs() + turnMs;
      turnMs = Math.min(20, turnMs * 2);
      let waitingFor: number | undefined;
      while (!this.exitReason && this.hostNowMs() < sliceEnd && this.cpu.retired - start < limit) {
        waitingFor = this.runSlice(limit - (this.cpu.retired - start));
        if (waitingFor !== undefined) break;
      }
      if (this.exitReason) break;
      if (waitingFor !== undefined) {
        // Halted: sleep until the next device event (Infinity: until host input), the deadline, or input.
        const ms = Math.min((waitingFor - this.nowNs()) / 1e6, deadline - this.hostNowMs());
        await this.sleep(Math.max(0, ms));
      } else {
        await this.yieldToHost();
      }
    }
    return this.exitReason!;
  }

  /** Resolves after `ms` (Infinity: never by itself) or as soon as host input arrives or the run ends. */
  private sleep(ms: number): Promise<void> {
    return new Promise<void>((resolve) => {
      const timer = ms === Infinity ? undefined : setTimeout(() => { this.inputWaiter = undefined; resolve(); }, ms);
      this.inputWaiter = () => { if (timer !== undefined) clearTimeout(timer); resolve(); };
    });
  }

}

function describeHostError(e: unknown, cpu: Cpu): string {
  const where = `at ${cpu.sreg[CS]!.toString(16).padStart(4, '0')}:${(cpu.eip >>> 0).toString(16).padStart(8, '0')}`;
  if (e instanceof NotImplementedError) return `not implemented: ${e.message} ${where}`;
  const message = e instanceof Error ? e.message : String(e);
  return `internal error: ${message} ${where}`;
}

function defaultHostNow(): number {
  const perf = (globalThis as { performance?: { now(): number } }).performance;
  return perf ? perf.now() : Date.now();
}

/** A macrotask turn without setTimeout's 1 ms clamp (MessageChannel exists in browsers and Node). */
function defaultYield(): Promise<void> {
  const Channel = host.MessageChannel;
  if (!Channel) return new Promise((resolve) => setTimeout(resolve, 0));
  return new Promise((resolve) => {
    const channel = new Channel();
    channel.port1.onmessage = () => { channel.port1.close(); resolve(); };
    channel.port2.postMessage(0);
  });
}

/** The timer and channel globals every JavaScript host has (not part of the ES library types). */
interface HostGlobals {
  setTimeout(fn: () => void, ms?: number): unknown;
  clearTimeout(timer: unknown): void;
  MessageChannel?: new () => { port1: { onmessage: ((ev: unknown) => void) | null; close(): void }; port2: { postMessage(v: unknown): void } };
}
const host = globalThis as unknown as HostGlobals;
const setTimeout = (fn: () => void, ms?: number): unknown => host.setTimeout(fn, ms);
const clearTimeout = (timer: unknown): void => host.clearTimeout(timer);
