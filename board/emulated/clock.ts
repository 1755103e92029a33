// The emulated board's time: real milliseconds, optionally sped up so a test can watch minutes of
// heating in seconds. Everything physical (temperatures, fan spin-up, the PIC's watchdog) reads it.
export class EmulatedClock {
  private readonly start = performance.now();
  /** @param scale emulated milliseconds per real millisecond */
  constructor(readonly scale = 1) {}
  now(): number {
    return (performance.now() - this.start) * this.scale;
  }
}
