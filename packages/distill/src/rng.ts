/**
 * A small seeded generator (mulberry32) whose whole state is one 32-bit integer, so a checkpoint
 * can store it and a resumed run draws the same numbers an uninterrupted run would.
 */
export class SeededRng {
  private s: number;

  constructor(seed = 0) {
    this.s = seed >>> 0;
  }

  /** Uniform in [0, 1). */
  next(): number {
    this.s = (this.s + 0x6d2b79f5) >>> 0;
    let t = this.s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }

  /** Uniform integer in [0, n). */
  nextInt(n: number): number {
    return Math.floor(this.next() * n);
  }

  /** A 31-bit seed for a TF.js initializer or a child generator. */
  nextSeed(): number {
    return Math.floor(this.next() * 0x7fffffff);
  }

  getState(): number {
    return this.s;
  }

  setState(state: number): void {
    this.s = state >>> 0;
  }
}
