// The serial console's escape key, modelled on QEMU's character-device multiplexer: Ctrl-A then a command key.
// Pure (no I/O), so the terminal glue can stay thin and this can be tested byte by byte.

export const ESCAPE_BYTE = 0x01; // Ctrl-A

export type EscapeAction =
  | { kind: 'send'; bytes: Uint8Array }
  | { kind: 'quit' }
  | { kind: 'help' };

export const ESCAPE_HELP =
  'Ctrl-A X      quit kernelist\n' +
  'Ctrl-A H      show these keys\n' +
  'Ctrl-A Ctrl-A send one Ctrl-A to the guest\n';

/** Splits terminal input into bytes for the guest and escape commands; any other key after Ctrl-A is swallowed, as in QEMU. */
export class SerialEscape {
  private afterEscape = false;

  feed(input: Uint8Array): EscapeAction[] {
    const actions: EscapeAction[] = [];
    let plain: number[] = [];
    const flush = (): void => {
      if (plain.length > 0) actions.push({ kind: 'send', bytes: Uint8Array.from(plain) });
      plain = [];
    };
    for (const byte of input) {
      if (!this.afterEscape) {
        if (byte === ESCAPE_BYTE) this.afterEscape = true;
        else plain.push(byte);
        continue;
      }
      this.afterEscape = false;
      const command = commandFor(byte);
      if (command === 'literal') {
        plain.push(ESCAPE_BYTE);
      } else if (command) {
        flush();
        actions.push({ kind: command });
      }
    }
    flush();
    return actions;
  }

  /** True between a Ctrl-A and the key that follows it. */
  get waitingForCommand(): boolean {
    return this.afterEscape;
  }
}

function commandFor(byte: number): 'quit' | 'help' | 'literal' | undefined {
  switch (String.fromCharCode(byte)) {
    case 'x': case 'X': return 'quit';
    case 'h': case 'H': case '?': return 'help';
    case '\x01': return 'literal';
    default: return undefined;
  }
}
