// Guest time. Devices read time only from a MachineClock, never from the host, so that a run
// with the instruction-count clock is reproducible instruction for instruction.

export interface MachineClock {
  /** Guest nanoseconds since power-on. */
  nowNs(): number;
}

/** A timed device: the machine advances it and asks when it next needs attention. */
export interface TimedDevice {
  /** Brings the device's state up to guest time `nowNs` (raising IRQs that fell due). */
  advance(nowNs: number): void;
  /** Guest time of the device's next event, or Infinity when none is pending. */
  nextEventNs(): number;
}
