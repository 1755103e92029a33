// The emulated board's time: real milliseconds, optionally sped up so a test can watch minutes of
// heating in seconds. Everything physical (temperatures, fan spin-up, the PIC's watchdog) reads it.
// A test can freeze it and step it (advance): the physics then moves only when the test says, and
// a loaded machine's stalls change nothing.
export class EmulatedClock {
  private readonly start = performance.now();
  private frozenAt: number | null = null;
  /** @param scale emulated milliseconds per real millisecond */
  constructor(readonly scale = 1) {}

  now(): number {
    return this.frozenAt ?? (performance.now() - this.start) * this.scale;
  }

  /** Stops the clock where it is; from then on only advance() moves it. */
  freeze(): void {
    this.frozenAt ??= this.now();
  }

  get frozen(): boolean {
    return this.frozenAt !== null;
  }

  /** Moves a frozen clock on by `ms` emulated milliseconds. */
  advance(ms: number): void {
    if (this.frozenAt === null) throw new Error('EmulatedClock.advance needs a frozen clock (freeze() first)');
    if (!(ms >= 0)) throw new RangeError(`cannot advance the clock by ${ms} ms`);
    this.frozenAt += ms;
  }
}
