// System control port A at 0x92 (the PS/2 "fast A20 and reset" port, as in QEMU's port92 device):
// bit 0 requests a fast CPU reset on its rising edge, bit 1 is the A20 gate.

import type { IoBus } from '../bus/io-bus.js';

const FAST_RESET = 0x01;
const A20_ENABLE = 0x02;
/** A BIOS leaves A20 enabled before it starts an operating system. */
const POST_BIOS_VALUE = A20_ENABLE;

/** Every bit reads back as last written, as QEMU stores it. */
export class SystemControlPortA {
  private value = POST_BIOS_VALUE;

  constructor(private readonly onReset: () => void, private readonly onA20: (enabled: boolean) => void) {}

  attach(io: IoBus): void {
    io.register(0x92, 1, 'system-control-a', {
      read8: () => this.value,
      write8: (_port, value) => this.write(value),
    });
  }

  reset(): void {
    this.value = POST_BIOS_VALUE;
  }

  get a20Enabled(): boolean {
    return (this.value & A20_ENABLE) !== 0;
  }

  private write(value: number): void {
    const previous = this.value;
    this.value = value;
    if ((previous ^ value) & A20_ENABLE) this.onA20((value & A20_ENABLE) !== 0);
    if (value & FAST_RESET && !(previous & FAST_RESET)) this.onReset();
  }
}
