// The 8042 keyboard controller with a PS/2 keyboard and no mouse (IBM PC/AT technical reference, 8042
// firmware command set), at 0x60 (data) and 0x64 (status/command). Keys arrive as scan code set 1.

import type { IoBus } from '../bus/io-bus.js';
import type { IrqLine } from '../bus/irq.js';

const STATUS_OBF = 0x01;
const STATUS_SYSTEM_FLAG = 0x04;
const STATUS_LAST_WAS_COMMAND = 0x08;
const STATUS_NOT_INHIBITED = 0x10;
const STATUS_AUX_OBF = 0x20;

const CONFIG_KEYBOARD_IRQ = 0x01;
const CONFIG_KEYBOARD_DISABLED = 0x10;
const CONFIG_AUX_DISABLED = 0x20;
const CONFIG_TRANSLATE = 0x40;
/** What SeaBIOS leaves: keyboard IRQ on, mouse port disabled, set 2 to set 1 translation on. */
const POST_BIOS_CONFIG = CONFIG_KEYBOARD_IRQ | CONFIG_AUX_DISABLED | CONFIG_TRANSLATE;

const OUTPUT_PORT_NOT_RESET = 0x01;
const OUTPUT_PORT_A20 = 0x02;
const OUTPUT_PORT_KEYBOARD_OBF = 0x10;
const OUTPUT_PORT_AUX_OBF = 0x20;
/** Reset line high, A20 on, the keyboard clock/data lines high (QEMU's power-on value). */
const OUTPUT_PORT_INITIAL = 0xcf;

const ACK = 0xfa;
const RESEND = 0xfe;
const SELF_TEST_PASSED = 0xaa;
const CONTROLLER_TEST_PASSED = 0x55;
/** Answer to the mouse-port test with nothing attached: clock line stuck high. */
const AUX_PORT_TEST_NO_DEVICE = 0x02;
const EXTENDED_PREFIX = 0xe0;
/** Scan code set numbers as the 8042 reports them through set 2 to set 1 translation (F0 00 answer). */
const TRANSLATED_SET_NUMBER = [0, 0x43, 0x41, 0x3f];

/** A key as set 1 make code, with `extended` keys sent behind 0xE0. */
interface Key { code: number; extended?: boolean }

const NAMED_KEYS: Record<string, Key> = {
  escape: { code: 0x01 }, esc: { code: 0x01 }, backspace: { code: 0x0e }, tab: { code: 0x0f },
  enter: { code: 0x1c }, return: { code: 0x1c }, ctrl: { code: 0x1d }, control: { code: 0x1d },
  shift: { code: 0x2a }, leftshift: { code: 0x2a }, rightshift: { code: 0x36 }, alt: { code: 0x38 },
  space: { code: 0x39 }, capslock: { code: 0x3a }, numlock: { code: 0x45 }, scrolllock: { code: 0x46 },
  f11: { code: 0x57 }, f12: { code: 0x58 },
  rightctrl: { code: 0x1d, extended: true }, rightalt: { code: 0x38, extended: true },
  home: { code: 0x47, extended: true }, up: { code: 0x48, extended: true },
  pageup: { code: 0x49, extended: true }, left: { code: 0x4b, extended: true },
  right: { code: 0x4d, extended: true }, end: { code: 0x4f, extended: true },
  down: { code: 0x50, extended: true }, pagedown: { code: 0x51, extended: true },
  insert: { code: 0x52, extended: true }, delete: { code: 0x53, extended: true },
};
for (let n = 1; n <= 10; n++) NAMED_KEYS[`f${n}`] = { code: 0x3a + n };

const LEFT_SHIFT = 0x2a;

/** US layout: for each set 1 make code, the unshifted and shifted character it types. */
const US_LAYOUT: [number, string, string][] = [
  [0x02, '1', '!'], [0x03, '2', '@'], [0x04, '3', '#'], [0x05, '4', '$'], [0x06, '5', '%'],
  [0x07, '6', '^'], [0x08, '7', '&'], [0x09, '8', '*'], [0x0a, '9', '('], [0x0b, '0', ')'],
  [0x0c, '-', '_'], [0x0d, '=', '+'], [0x1a, '[', '{'], [0x1b, ']', '}'], [0x27, ';', ':'],
  [0x28, "'", '"'], [0x29, '`', '~'], [0x2b, '\\', '|'], [0x33, ',', '<'], [0x34, '.', '>'],
  [0x35, '/', '?'], [0x39, ' ', ' '],
  ...[...'qwertyuiop'].map((c, i): [number, string, string] => [0x10 + i, c, c.toUpperCase()]),
  ...[...'asdfghjkl'].map((c, i): [number, string, string] => [0x1e + i, c, c.toUpperCase()]),
  ...[...'zxcvbnm'].map((c, i): [number, string, string] => [0x2c + i, c, c.toUpperCase()]),
];

const CHARACTER_KEYS = new Map<string, { code: number; shifted: boolean }>([
  ['\n', { code: 0x1c, shifted: false }], ['\r', { code: 0x1c, shifted: false }],
  ['\b', { code: 0x0e, shifted: false }], ['\t', { code: 0x0f, shifted: false }],
  ['\x1b', { code: 0x01, shifted: false }],
]);
for (const [code, plain, shifted] of US_LAYOUT) {
  CHARACTER_KEYS.set(shifted, { code, shifted: true });
  CHARACTER_KEYS.set(plain, { code, shifted: false });
}

function makeBreak(key: Key, make: boolean): number[] {
  const code = make ? key.code : key.code | 0x80;
  return key.extended ? [EXTENDED_PREFIX, code] : [code];
}

/** Set 1 bytes for typing `text` on a US keyboard: make and break codes, Left Shift around shifted keys. */
export function scancodesForText(text: string): number[] {
  const bytes: number[] = [];
  for (const ch of text) {
    const key = CHARACTER_KEYS.get(ch);
    if (key === undefined) throw new RangeError(`Ps2Controller8042: no US key types ${JSON.stringify(ch)}`);
    if (key.shifted) bytes.push(LEFT_SHIFT);
    bytes.push(key.code, key.code | 0x80);
    if (key.shifted) bytes.push(LEFT_SHIFT | 0x80);
  }
  return bytes;
}

/** Set 1 bytes for pressing and releasing a named key, or a chord such as 'Ctrl+C' or 'Ctrl+Alt+Delete'. */
export function scancodesForKey(name: string): number[] {
  const keys = name.split('+').map((part) => {
    const named = NAMED_KEYS[part.trim().toLowerCase()];
    if (named !== undefined) return named;
    const single = part.length === 1 ? CHARACTER_KEYS.get(part.toLowerCase()) : undefined;
    if (single !== undefined) return { code: single.code };
    throw new RangeError(`Ps2Controller8042: unknown key name ${JSON.stringify(part)}`);
  });
  return [...keys.flatMap((key) => makeBreak(key, true)), ...keys.reverse().flatMap((key) => makeBreak(key, false))];
}

/** One byte waiting for the output buffer. */
interface OutputByte { value: number; aux: boolean }

/**
 * The controller and keyboard. Bytes queue and move into the one-byte output buffer as the guest reads it;
 * a keyboard byte moving in pulses IRQ1 when config bit 0 is set. Host keystrokes are never dropped: they
 * wait while scanning or the keyboard interface is disabled, and survive a keyboard reset.
 * Host keys are always delivered as set 1, which is what a guest sees with translation on (the default);
 * a guest that turns translation off is not given set 2 codes. The mouse port has no device and no IRQ12.
 * Status bit 3 follows the last port written, as on the chip (QEMU always shows it set).
 */
export class Ps2Controller8042 {
  private readonly controllerOutput: OutputByte[] = [];
  private readonly keyboardOutput: number[] = [];
  private readonly hostScancodes: number[] = [];
  private hostHead = 0;
  private outputFull = false;
  private outputValue = 0;
  private outputFromAux = false;
  private readonly ram = new Uint8Array(32);
  private outputPort = OUTPUT_PORT_INITIAL;
  private systemFlag = true;
  private lastWasCommand = true;
  private pendingControllerCommand: number | null = null;
  private pendingKeyboardCommand: number | null = null;
  private scanning = true;
  private scancodeSet = 2;
  private lastKeyboardByte = 0;

  constructor(
    private readonly irq1: IrqLine,
    private readonly onSystemReset: () => void,
    private readonly onA20?: (enabled: boolean) => void,
  ) {
    this.reset();
  }

  attach(io: IoBus): void {
    io.register(0x60, 1, 'ps2/data', {
      read8: () => this.readData(),
      write8: (_port, value) => this.writeData(value),
    });
    io.register(0x64, 1, 'ps2/status', {
      read8: () => this.readStatus(),
      write8: (_port, value) => this.writeCommand(value),
    });
  }

  /** Post-BIOS state; queued host keystrokes are kept. */
  reset(): void {
    this.controllerOutput.length = 0;
    this.keyboardOutput.length = 0;
    this.outputFull = false;
    this.outputValue = 0;
    this.outputFromAux = false;
    this.ram.fill(0);
    this.ram[0] = POST_BIOS_CONFIG;
    this.outputPort = OUTPUT_PORT_INITIAL;
    this.systemFlag = true;
    this.lastWasCommand = true;
    this.pendingControllerCommand = null;
    this.resetKeyboard();
    this.fillOutputBuffer();
  }

  sendScancodes(bytes: ArrayLike<number>): void {
    for (let i = 0; i < bytes.length; i++) this.hostScancodes.push(bytes[i]! & 0xff);
    this.fillOutputBuffer();
  }

  typeText(text: string): void {
    this.sendScancodes(scancodesForText(text));
  }

  pressKey(name: string): void {
    this.sendScancodes(scancodesForKey(name));
  }

  /** Host scan code bytes not yet delivered to the guest. */
  pendingInput(): number {
    return this.hostScancodes.length - this.hostHead;
  }

  private get config(): number {
    return this.ram[0]!;
  }

  private set config(value: number) {
    this.ram[0] = value;
  }

  private readStatus(): number {
    return (this.outputFull ? STATUS_OBF : 0) | (this.systemFlag ? STATUS_SYSTEM_FLAG : 0)
      | (this.lastWasCommand ? STATUS_LAST_WAS_COMMAND : 0) | STATUS_NOT_INHIBITED
      | (this.outputFull && this.outputFromAux ? STATUS_AUX_OBF : 0);
  }

  /** Reading an empty buffer returns the last byte again, as the chip does. */
  private readData(): number {
    const value = this.outputValue;
    this.outputFull = false;
    this.outputFromAux = false;
    this.fillOutputBuffer();
    return value;
  }

  private writeData(value: number): void {
    this.lastWasCommand = false;
    const command = this.pendingControllerCommand;
    if (command !== null) {
      this.pendingControllerCommand = null;
      this.controllerParameter(command, value);
    } else {
      // Sending to the keyboard re-enables its interface (QEMU and AMI firmware do this).
      this.config = this.config & ~CONFIG_KEYBOARD_DISABLED;
      this.keyboardByte(value);
    }
    this.fillOutputBuffer();
  }

  private writeCommand(command: number): void {
    this.lastWasCommand = true;
    this.pendingControllerCommand = null;
    if (command >= 0x20 && command < 0x40) this.reply(this.ram[command & 0x1f]!);
    else if ((command >= 0x60 && command < 0x80) || (command >= 0xd1 && command <= 0xd4)) this.pendingControllerCommand = command;
    else if (command >= 0xf0) this.pulseOutputPort(command & 0x0f);
    else this.controllerCommand(command);
    this.fillOutputBuffer();
  }

  private controllerCommand(command: number): void {
    switch (command) {
      case 0xa7: this.config = this.config | CONFIG_AUX_DISABLED; break;
      case 0xa8: this.config = this.config & ~CONFIG_AUX_DISABLED; break;
      case 0xa9: this.reply(AUX_PORT_TEST_NO_DEVICE); break;
      case 0xaa: this.systemFlag = true; this.reply(CONTROLLER_TEST_PASSED); break;
      case 0xab: this.reply(0x00); break;
      case 0xad: this.config = this.config | CONFIG_KEYBOARD_DISABLED; break;
      case 0xae: this.config = this.config & ~CONFIG_KEYBOARD_DISABLED; break;
      case 0xd0: this.reply(this.readOutputPort()); break;
      case 0xdd: this.writeOutputPort(this.outputPort & ~OUTPUT_PORT_A20); break;
      case 0xdf: this.writeOutputPort(this.outputPort | OUTPUT_PORT_A20); break;
      case 0xe0: this.reply(0x00); break;
      default: break; // unknown controller commands are ignored
    }
  }

  private controllerParameter(command: number, value: number): void {
    if (command >= 0x60 && command < 0x80) {
      this.writeRam(command & 0x1f, value);
      return;
    }
    switch (command) {
      case 0xd1: this.writeOutputPort(value); break;
      case 0xd2: this.keyboardOutput.push(value); break;
      case 0xd3: this.controllerOutput.push({ value, aux: true }); break;
      default: break; // 0xD4: no mouse to receive it
    }
  }

  private writeRam(index: number, value: number): void {
    const wasEnabled = (this.config & CONFIG_KEYBOARD_IRQ) !== 0;
    this.ram[index] = value;
    if (index !== 0) return;
    if (value & 0x04) this.systemFlag = true;
    // The IRQ1 output is OBF AND the enable bit: enabling it with a byte waiting is a rising edge.
    if (!wasEnabled && value & CONFIG_KEYBOARD_IRQ && this.outputFull && !this.outputFromAux) this.pulseIrq1();
  }

  private readOutputPort(): number {
    let value = this.outputPort & ~(OUTPUT_PORT_KEYBOARD_OBF | OUTPUT_PORT_AUX_OBF);
    if (this.outputFull) value |= this.outputFromAux ? OUTPUT_PORT_AUX_OBF : OUTPUT_PORT_KEYBOARD_OBF;
    return value;
  }

  /** Output port bit 0 low resets the CPU; bit 1 is the A20 gate. */
  private writeOutputPort(value: number): void {
    const a20Changed = ((value ^ this.outputPort) & OUTPUT_PORT_A20) !== 0;
    this.outputPort = value;
    if (a20Changed) this.onA20?.((value & OUTPUT_PORT_A20) !== 0);
    if (!(value & OUTPUT_PORT_NOT_RESET)) {
      this.outputPort |= OUTPUT_PORT_NOT_RESET;
      this.onSystemReset();
    }
  }

  /** Commands 0xF0-0xFF pulse low the output port bits whose command bit is 0; bit 0 is the reset line. */
  private pulseOutputPort(keepHighMask: number): void {
    if (!(keepHighMask & OUTPUT_PORT_NOT_RESET)) this.onSystemReset();
  }

  private reply(value: number): void {
    this.controllerOutput.push({ value, aux: false });
  }

  private keyboardReply(...values: number[]): void {
    for (const value of values) this.keyboardOutput.push(value);
  }

  private resetKeyboard(): void {
    this.keyboardOutput.length = 0;
    this.pendingKeyboardCommand = null;
    this.scanning = true;
    this.scancodeSet = 2;
  }

  /** A byte written to port 0x60 for the keyboard: a command, or (whatever its value, as QEMU) the argument of ED, F3 or F0. */
  private keyboardByte(value: number): void {
    const command = this.pendingKeyboardCommand;
    this.pendingKeyboardCommand = null;
    if (command !== null) this.keyboardArgument(command, value);
    else this.keyboardCommand(value);
  }

  private keyboardArgument(command: number, value: number): void {
    if (command !== 0xf0) { this.keyboardReply(ACK); return; } // LEDs (ED) and typematic rate (F3)
    if (value === 0) {
      const translated = (this.config & CONFIG_TRANSLATE) !== 0;
      this.keyboardReply(ACK, translated ? TRANSLATED_SET_NUMBER[this.scancodeSet]! : this.scancodeSet);
    } else if (value <= 3) {
      this.scancodeSet = value;
      this.keyboardReply(ACK);
    } else {
      this.keyboardReply(RESEND);
    }
  }

  private keyboardCommand(command: number): void {
    switch (command) {
      case 0xed: case 0xf3: case 0xf0:
        this.keyboardReply(ACK);
        this.pendingKeyboardCommand = command;
        break;
      case 0xee: this.keyboardReply(0xee); break;
      // The ID's second byte, 0x83, reaches the guest as 0x41 through translation.
      case 0xf2: this.keyboardReply(ACK, 0xab, this.config & CONFIG_TRANSLATE ? 0x41 : 0x83); break;
      case 0xf4: this.scanning = true; this.keyboardReply(ACK); break;
      case 0xf5: this.scanning = false; this.scancodeSet = 2; this.keyboardReply(ACK); break;
      case 0xf6: this.scancodeSet = 2; this.keyboardReply(ACK); break;
      case 0xfe: this.keyboardReply(this.lastKeyboardByte); break;
      case 0xff: this.resetKeyboard(); this.keyboardReply(ACK, SELF_TEST_PASSED); break;
      default:
        if (command >= 0xf7 && command <= 0xfd) this.keyboardReply(ACK); // set-3 key type commands
        else this.keyboardReply(RESEND);
    }
  }

  /** Moves the next byte into an empty output buffer: controller replies first, then the keyboard's. */
  private fillOutputBuffer(): void {
    if (this.outputFull) return;
    const next = this.nextOutputByte();
    if (next === null) return;
    this.outputFull = true;
    this.outputValue = next.value;
    this.outputFromAux = next.aux;
    if (!next.aux && this.config & CONFIG_KEYBOARD_IRQ) this.pulseIrq1();
  }

  private nextOutputByte(): OutputByte | null {
    const controllerByte = this.controllerOutput.shift();
    if (controllerByte !== undefined) return controllerByte;
    if (this.config & CONFIG_KEYBOARD_DISABLED) return null;
    const keyboardByte = this.keyboardOutput.shift() ?? this.nextHostScancode();
    if (keyboardByte === undefined) return null;
    this.lastKeyboardByte = keyboardByte;
    return { value: keyboardByte, aux: false };
  }

  private nextHostScancode(): number | undefined {
    if (!this.scanning || this.hostHead >= this.hostScancodes.length) return undefined;
    const value = this.hostScancodes[this.hostHead++]!;
    if (this.hostHead === this.hostScancodes.length) {
      this.hostScancodes.length = 0;
      this.hostHead = 0;
    }
    return value;
  }

  private pulseIrq1(): void {
    this.irq1.raise();
    this.irq1.lower();
  }
}
