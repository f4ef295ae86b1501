// VGA in 80x25 colour text mode (IBM VGA technical reference): the text buffer is guest RAM at 0xB8000,
// and the CRTC, sequencer, graphics, attribute and DAC registers are stored and read back.

import type { IoBus } from '../bus/io-bus.js';
import type { PhysicalMemory } from '../memory/physical-memory.js';

export const TEXT_COLUMNS = 80;
export const TEXT_ROWS = 25;
const TEXT_BUFFER = 0xb8000;
/** The colour text window is 32 KiB (0xB8000-0xBFFFF); the start address wraps inside it. */
const TEXT_WINDOW_BYTES = 0x8000;

const CRTC_CURSOR_START = 0x0a;
const CRTC_CURSOR_END = 0x0b;
const CRTC_START_HIGH = 0x0c;
const CRTC_START_LOW = 0x0d;
const CRTC_CURSOR_HIGH = 0x0e;
const CRTC_CURSOR_LOW = 0x0f;
const CURSOR_DISABLE = 0x20;

/** CRTC registers 0x00-0x18 as the BIOS programs them for mode 3. */
const MODE3_CRTC = [
  0x5f, 0x4f, 0x50, 0x82, 0x55, 0x81, 0xbf, 0x1f, 0x00, 0x4f, 0x0d, 0x0e, 0x00, 0x00, 0x00, 0x00,
  0x9c, 0x8e, 0x8f, 0x28, 0x1f, 0x96, 0xb9, 0xa3, 0xff,
];
const MODE3_MISC_OUTPUT = 0x67;

/** Code page 437 glyphs for bytes 0x00-0x1F, 0x7F and 0x80-0xFF (0x00 is shown as a space). */
const CP437_LOW = ' ☺☻♥♦♣♠•◘○◙♂♀♪♫☼►◄↕‼¶§▬↨↑↓→←∟↔▲▼';
const CP437_HIGH =
  'ÇüéâäàåçêëèïîìÄÅÉæÆôöòûùÿÖÜ¢£¥₧ƒáíóúñÑªº¿⌐¬½¼¡«»░▒▓│┤╡╢╖╕╣║╗╝╜╛┐' +
  '└┴┬├─┼╞╟╚╔╩╦╠═╬╧╨╤╥╙╘╒╓╫╪┘┌█▄▌▐▀αßΓπΣσµτΦΘΩδ∞φε∩≡±≥≤⌠⌡÷≈°∙·√ⁿ²■\u00a0';

function cp437ToUnicode(code: number): string {
  if (code < 0x20) return CP437_LOW[code]!;
  if (code < 0x7f) return String.fromCharCode(code);
  if (code === 0x7f) return '⌂';
  return CP437_HIGH[code - 0x80]!;
}

/** An index/data register pair, stored and read back. */
class IndexedRegisters {
  index = 0;
  readonly values = new Uint8Array(256);

  constructor(private readonly indexMask: number) {}

  writeIndex(value: number): void {
    this.index = value & this.indexMask;
  }

  get data(): number {
    return this.values[this.index]!;
  }

  set data(value: number) {
    this.values[this.index] = value;
  }
}

/**
 * Text-mode VGA. The display reads guest RAM directly, honouring the CRTC start address. Not modelled:
 * fonts, graphics modes, the mono (0x3Bx) port aliases and the memory-mapped planes.
 * Input status 1 (0x3DA) toggles its retrace and display-enable bits on each read, so polling loops end.
 */
export class VgaText {
  private readonly crtc = new IndexedRegisters(0xff);
  private readonly sequencer = new IndexedRegisters(0xff);
  private readonly graphics = new IndexedRegisters(0xff);
  private readonly attribute = new IndexedRegisters(0x1f);
  /** Attribute controller: index byte including the palette address source bit (bit 5). */
  private attributeIndexByte = 0;
  private attributeExpectsIndex = true;
  private miscOutput = MODE3_MISC_OUTPUT;
  private featureControl = 0;
  private inputStatus1 = 0;
  private readonly dac = new Uint8Array(256 * 3);
  private dacReadIndex = 0;
  private dacWriteIndex = 0;
  private dacState = 0;
  private pelMask = 0xff;

  constructor(private readonly memory: PhysicalMemory) {
    this.reset();
  }

  attach(io: IoBus): void {
    const port = (n: number, read: () => number, write: (value: number) => void): void => {
      io.register(n, 1, 'vga', { read8: read, write8: (_p, value) => write(value) });
    };
    port(0x3c0, () => this.attributeIndexByte, (v) => this.writeAttribute(v));
    port(0x3c1, () => this.attribute.data, () => {});
    port(0x3c2, () => 0x00, (v) => { this.miscOutput = v; });
    port(0x3c3, () => 0x01, () => {});
    port(0x3c4, () => this.sequencer.index, (v) => this.sequencer.writeIndex(v));
    port(0x3c5, () => this.sequencer.data, (v) => { this.sequencer.data = v; });
    port(0x3c6, () => this.pelMask, (v) => { this.pelMask = v; });
    port(0x3c7, () => this.dacState, (v) => { this.dacReadIndex = v * 3; this.dacState = 0x03; });
    port(0x3c8, () => this.dacWriteIndex / 3 | 0, (v) => { this.dacWriteIndex = v * 3; this.dacState = 0x00; });
    port(0x3c9, () => this.readDac(), (v) => this.writeDac(v));
    port(0x3ca, () => this.featureControl, () => {});
    port(0x3cc, () => this.miscOutput, () => {});
    port(0x3ce, () => this.graphics.index, (v) => this.graphics.writeIndex(v));
    port(0x3cf, () => this.graphics.data, (v) => { this.graphics.data = v; });
    port(0x3d4, () => this.crtc.index, (v) => this.crtc.writeIndex(v));
    port(0x3d5, () => this.crtc.data, (v) => { this.crtc.data = v; });
    port(0x3da, () => this.readInputStatus1(), (v) => { this.featureControl = v; });
  }

  reset(): void {
    this.crtc.values.fill(0);
    this.crtc.values.set(MODE3_CRTC);
    this.crtc.index = 0;
    this.sequencer.values.fill(0);
    this.graphics.values.fill(0);
    this.attribute.values.fill(0);
    this.attributeIndexByte = 0;
    this.attributeExpectsIndex = true;
    this.miscOutput = MODE3_MISC_OUTPUT;
    this.featureControl = 0;
    this.inputStatus1 = 0;
    this.dac.fill(0);
    this.dacReadIndex = 0; this.dacWriteIndex = 0; this.dacState = 0; this.pelMask = 0xff;
  }

  /** The cell at `row`, `col` of the displayed screen. */
  cell(row: number, col: number): { char: number; attr: number } {
    const address = this.cellAddress(row * TEXT_COLUMNS + col);
    return { char: this.memory.read8(address), attr: this.memory.read8(address + 1) };
  }

  /** The 25 displayed lines as Unicode, trailing spaces trimmed. */
  screenLines(): string[] {
    const lines: string[] = [];
    for (let row = 0; row < TEXT_ROWS; row++) {
      let line = '';
      for (let col = 0; col < TEXT_COLUMNS; col++) line += cp437ToUnicode(this.cell(row, col).char);
      lines.push(line.replace(/ +$/, ''));
    }
    return lines;
  }

  screenText(): string {
    return this.screenLines().join('\n');
  }

  /** The hardware cursor relative to the displayed screen; hidden when disabled or off screen. */
  cursor(): { row: number; col: number; visible: boolean } {
    const regs = this.crtc.values;
    const location = (regs[CRTC_CURSOR_HIGH]! << 8) | regs[CRTC_CURSOR_LOW]!;
    const offset = location - this.startAddress();
    const row = Math.floor(offset / TEXT_COLUMNS);
    const col = offset - row * TEXT_COLUMNS;
    const start = regs[CRTC_CURSOR_START]!;
    const shape = (start & 0x1f) <= (regs[CRTC_CURSOR_END]! & 0x1f);
    const onScreen = offset >= 0 && offset < TEXT_COLUMNS * TEXT_ROWS;
    return { row, col, visible: !(start & CURSOR_DISABLE) && shape && onScreen };
  }

  private startAddress(): number {
    return (this.crtc.values[CRTC_START_HIGH]! << 8) | this.crtc.values[CRTC_START_LOW]!;
  }

  private cellAddress(cellIndex: number): number {
    return TEXT_BUFFER + (((this.startAddress() + cellIndex) * 2) % TEXT_WINDOW_BYTES);
  }

  /** Port 0x3C0 alternates between index and data; reading 0x3DA resets it to index. */
  private writeAttribute(value: number): void {
    if (this.attributeExpectsIndex) {
      this.attributeIndexByte = value & 0x3f;
      this.attribute.writeIndex(value);
    } else {
      this.attribute.data = value;
    }
    this.attributeExpectsIndex = !this.attributeExpectsIndex;
  }

  private readInputStatus1(): number {
    this.attributeExpectsIndex = true;
    this.inputStatus1 ^= 0x09; // bit 3 vertical retrace, bit 0 display disabled
    return this.inputStatus1;
  }

  private readDac(): number {
    const value = this.dac[this.dacReadIndex]!;
    this.dacReadIndex = (this.dacReadIndex + 1) % this.dac.length;
    return value;
  }

  private writeDac(value: number): void {
    this.dac[this.dacWriteIndex] = value & 0x3f;
    this.dacWriteIndex = (this.dacWriteIndex + 1) % this.dac.length;
  }
}
