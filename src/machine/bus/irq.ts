// Interrupt request lines between devices and the interrupt controller.
// Devices hold an IrqLine and never know which controller is behind it.

export interface IrqLine {
  /** Drives the line high (the device requests service). */
  raise(): void;
  /** Drives the line low. */
  lower(): void;
}

/** What the CPU asks of the interrupt controller (an 8259A pair on a PC). */
export interface InterruptController {
  /** True when an unmasked, unserviced request is waiting for INTR. */
  hasInterrupt(): boolean;
  /** The INTA cycle: returns the vector and moves the request to in-service. */
  acknowledge(): number;
}
