// GPIO pins in software: outputs record what the agent drives (and tell the board model), inputs
// take levels from the board model (plug detect, buttons, tach pulses).
import { BusError, type Edge, type GpioPin } from '../../drivers/transport/bus.js';

export class EmulatedGpioPin implements GpioPin {
  private level: 0 | 1;
  private readonly watchers = new Set<{ edge: Edge; fn: (v: 0 | 1) => void }>();
  private closed = false;

  constructor(
    readonly name: string,
    readonly direction: 'in' | 'out',
    initial: 0 | 1 = 0,
    private readonly onWrite?: (v: 0 | 1) => void,
  ) {
    this.level = initial;
  }

  /** The level on the wire. */
  value(): 0 | 1 {
    return this.level;
  }

  /** The board side drives an input. */
  drive(v: 0 | 1): void {
    if (v === this.level) return;
    this.level = v;
    for (const w of this.watchers) if (w.edge === 'both' || (w.edge === 'rising') === (v === 1)) w.fn(v);
  }

  async read(): Promise<0 | 1> {
    if (this.closed) throw new BusError(`${this.name} is closed`);
    return this.level;
  }

  async write(v: 0 | 1): Promise<void> {
    if (this.closed) throw new BusError(`${this.name} is closed`);
    if (this.direction !== 'out') throw new BusError(`${this.name} is an input`);
    this.level = v;
    this.onWrite?.(v);
  }

  watch(edge: Edge, fn: (v: 0 | 1) => void): () => void {
    const w = { edge, fn };
    this.watchers.add(w);
    return () => this.watchers.delete(w);
  }

  async close(): Promise<void> {
    this.closed = true;
    this.watchers.clear();
  }
}
