// Building a stack frame on a stack that is not yet loaded into SS (inner-ring interrupts and calls):
// check the whole frame against the new segment and page tables first, then store, so that a fault
// leaves no partial frame (SDM Vol. 3A §6.12.1; "commit at the end").

import type { Cpu } from '../cpu.js';
import { Vector } from '../fault.js';

export class PendingStack {
  base = 0;
  /** Bounds of valid offsets in the target stack segment. */
  low = 0;
  high = 0;
  big = true;
  sp = 0;
  selector = 0;
  /** Fault for a frame that does not fit: #SS(error) as the SDM prescribes for each procedure. */
  faultCode = 0;

  /** Reserves `bytes` below sp and checks that every byte is writable at supervisor privilege. */
  reserve(cpu: Cpu, bytes: number): void {
    const mask = this.big ? 0xffffffff : 0xffff;
    const top = this.sp >>> 0;
    const newSp = ((top - bytes) & mask) >>> 0;
    // A frame that would wrap or cross the limit → #SS(code).
    if (top - bytes < 0 && !this.big) cpu.raise(Vector.SS, this.faultCode);
    if (newSp < this.low || ((newSp + bytes - 1) >>> 0) > this.high) cpu.raise(Vector.SS, this.faultCode);
    const linFirst = (this.base + newSp) | 0;
    const linLast = (linFirst + bytes - 1) | 0;
    cpu.probeSupervisorWrite(linFirst);
    if ((linFirst ^ linLast) & ~0xfff) cpu.probeSupervisorWrite(linLast & ~0xfff);
    this.sp = newSp;
    this.cursor = newSp + bytes;
  }

  private cursor = 0;

  /** Stores the frame top-down: call in push order after reserve(). */
  push32(cpu: Cpu, v: number): void {
    this.cursor -= 4;
    cpu.writeSup32((this.base + this.cursor) | 0, v);
  }

  push16(cpu: Cpu, v: number): void {
    this.cursor -= 2;
    const lin = (this.base + this.cursor) | 0;
    cpu.writeSup8(lin, v & 0xff);
    cpu.writeSup8((lin + 1) | 0, (v >>> 8) & 0xff);
  }
}
