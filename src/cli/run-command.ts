// `kernelist run`: reads the inputs, builds the Machine, wires COM1 to the host, runs the guest and maps how it ended
// to an exit status. Every way out (guest exit, Ctrl-A X, signal, error) goes through RunSession.finish.

import { Machine } from '../machine/index.js';
import { BootError } from '../machine/boot/boot-error.js';
import type { RunOptions } from './args.js';
import { CliError } from './cli-error.js';
import { multibootCmdline } from './multiboot-cmdline.js';
import { EXIT_OK, EXIT_USAGE } from './exit-codes.js';
import { internalErrorOutcome, outcomeForExit, type Outcome, type RunContext } from './exit-outcome.js';
import { InputFileError, readInputFile } from '../host/node/input-file.js';
import { discardSink, fileSink, stdoutSink, type ByteSink } from '../host/node/byte-sink.js';
import { DiskImageFile } from '../host/node/disk-image.js';
import { StdioConsole } from '../host/node/stdio-console.js';

/** Signals that end a run the way QEMU ends on them: cleanly, with a line saying so. */
const STOP_SIGNALS = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;

export async function runCommand(options: RunOptions): Promise<Outcome> {
  const inputs = readInputs(options);
  const machine = createMachine(options);
  boot(machine, options, inputs);
  if (inputs.disk) machine.attachDisk(inputs.disk.bytes, { writeBack: inputs.disk.writeBack });
  const session = new RunSession(machine, options, inputs);
  return session.run();
}

interface Inputs {
  kernel: Uint8Array;
  modules: { data: Uint8Array; string: string }[];
  disk: DiskImageFile | undefined;
  serial: ByteSink;
}

function readInputs(options: RunOptions): Inputs {
  try {
    const kernel = readInputFile(options.kernel);
    const modules = options.modules.map((m) => ({ data: readInputFile(m.path), string: m.string }));
    const disk = options.disk === undefined ? undefined : new DiskImageFile(options.disk, options.diskWriteBack);
    const serial = options.serial.kind === 'file' ? fileSink(options.serial.path)
      : options.serial.kind === 'none' ? discardSink() : stdoutSink();
    return { kernel, modules, disk, serial };
  } catch (error) {
    if (error instanceof InputFileError) throw new CliError(error.message);
    throw error;
  }
}

function createMachine(options: RunOptions): Machine {
  try {
    return new Machine({ memoryMiB: options.memoryMiB, clock: options.clock, rtcTime: 'host' });
  } catch (error) {
    if (error instanceof RangeError && /allocation|array buffer length/i.test(error.message)) {
      throw new CliError(`cannot allocate ${options.memoryMiB} MiB of guest RAM on this host`);
    }
    throw error;
  }
}

function boot(machine: Machine, options: RunOptions, inputs: Inputs): void {
  try {
    machine.loadMultiboot(inputs.kernel, { cmdline: multibootCmdline(options), modules: inputs.modules });
  } catch (error) {
    if (!(error instanceof BootError)) throw error;
    const file = error.moduleIndex === undefined ? options.kernel : options.modules[error.moduleIndex]?.path ?? options.kernel;
    throw new CliError(`${file}: ${error.message}`, EXIT_USAGE);
  }
}

class RunSession {
  private readonly machine: Machine;
  private readonly options: RunOptions;
  private readonly inputs: Inputs;
  private readonly console: StdioConsole | undefined;
  private settle: ((outcome: Outcome) => void) | undefined;
  private finished = false;
  private readonly context: RunContext;
  private readonly onSignal = (signal: NodeJS.Signals): void => this.finish({ code: EXIT_OK, message: `terminating on signal ${signal}` });

  constructor(machine: Machine, options: RunOptions, inputs: Inputs) {
    this.machine = machine;
    this.options = options;
    this.inputs = inputs;
    this.context = { timeoutSeconds: options.timeoutSeconds, guestEip: () => machine.cpu.eip };
    machine.on('serial', (byte: number) => inputs.serial.push(byte));
    if (options.verbose) machine.on('log', (line: string) => process.stderr.write(`kernelist: ${line}\n`));
    this.console = options.serial.kind === 'stdio'
      ? new StdioConsole({ input: (bytes) => machine.sendSerial(bytes), quit: () => this.finish({ code: EXIT_OK, message: 'terminated by Ctrl-A X' }) })
      : undefined;
  }

  run(): Promise<Outcome> {
    const done = new Promise<Outcome>((resolve) => { this.settle = resolve; });
    for (const signal of STOP_SIGNALS) process.on(signal, this.onSignal);
    this.console?.start();
    const timeoutMs = this.options.timeoutSeconds === undefined ? undefined : this.options.timeoutSeconds * 1000;
    this.machine.run({ timeoutMs }).then(
      (reason) => this.finish(outcomeForExit(reason, this.context)),
      (error: unknown) => this.finish(internalErrorOutcome(error, this.context)),
    );
    return done;
  }

  /** Idempotent: the first way out wins (a signal during the final flush does not start a second exit). */
  private finish(outcome: Outcome): void {
    if (this.finished) return;
    this.finished = true;
    for (const signal of STOP_SIGNALS) process.off(signal, this.onSignal);
    const wasRaw = this.console?.interactive ?? false;
    this.console?.stop();
    if (wasRaw && outcome.message) process.stderr.write('\n'); // leave the guest's half-written line
    this.machine.stop();
    let final = outcome;
    try {
      this.inputs.serial.close();
      if (this.options.screen) process.stdout.write(`${this.machine.screenText().replace(/\n?$/, '\n')}`);
      if (this.inputs.disk?.writeBack) {
        this.machine.flushDisk();
        this.inputs.disk.save();
      }
    } catch (error) {
      final = error instanceof InputFileError ? { code: EXIT_USAGE, message: error.message } : internalErrorOutcome(error, this.context);
    }
    this.settle?.(final);
  }
}
