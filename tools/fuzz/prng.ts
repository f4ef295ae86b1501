// Seeded pseudo-random numbers for the case generator: sfc32 (Chris Doty-Humphrey's Small Fast Counting RNG),
// 32-bit integer arithmetic only, so a seed yields the same sequence on every machine and JavaScript engine.

export class Prng {
  private a: number;
  private b: number;
  private c: number;
  private d = 1;

  constructor(seed: number) {
    this.a = 0x9e37_79b9;
    this.b = 0x243f_6a88 ^ (seed >>> 0);
    this.c = Math.floor(seed / 0x1_0000_0000) >>> 0;
    for (let i = 0; i < 15; i++) this.next();
  }

  /** A uniformly distributed unsigned 32-bit integer. */
  next(): number {
    const t = (((this.a + this.b) | 0) + this.d) | 0;
    this.d = (this.d + 1) | 0;
    this.a = this.b ^ (this.b >>> 9);
    this.b = (this.c + (this.c << 3)) | 0;
    this.c = (this.c << 21) | (this.c >>> 11);
    this.c = (this.c + t) | 0;
    return t >>> 0;
  }

  /** An integer in [0, n), 1 ≤ n ≤ 2^32: multiply-shift, exact in doubles while n < 2^21, clamped above that. */
  below(n: number): number {
    return Math.min(n - 1, Math.floor((this.next() * n) / 0x1_0000_0000));
  }

  /** True with probability percent / 100. */
  chance(percent: number): boolean {
    return this.below(100) < percent;
  }

  pick<T>(items: readonly T[]): T {
    if (items.length === 0) throw new RangeError('pick from an empty list');
    return items[this.below(items.length)]!;
  }
}
