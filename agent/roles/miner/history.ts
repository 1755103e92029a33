// What the operator's page and /api/v1/events look back on: a fixed-size ring (oldest dropped),
// so a week of uptime costs the same memory as a minute. The hash-rate history keeps a point
// every 5 s for the last hour; the event log the last safety, chain and pool events.
import { timestamp, type LogLevel } from '../../log.js';

export class Ring<T> {
  private readonly items: (T | undefined)[];
  private next = 0;
  /** Items ever pushed (an event's sequence number is its position in that count). */
  pushed = 0;

  constructor(readonly capacity: number) {
    this.items = new Array(capacity);
  }

  push(item: T): void {
    this.items[this.next] = item;
    this.next = (this.next + 1) % this.capacity;
    this.pushed++;
  }

  /** Oldest first; at most the last `n`. */
  toArray(n = this.capacity): T[] {
    const have = Math.min(this.pushed, this.capacity, Math.max(0, n));
    const out: T[] = [];
    for (let k = have; k > 0; k--) out.push(this.items[(this.next - k + this.capacity) % this.capacity]!);
    return out;
  }
}

/** One hour of 5 s points. */
export const HISTORY_PERIOD_S = 5;
export const HISTORY_POINTS = 720;

export type EventKind = 'safety' | 'chain' | 'pool';

export interface AgentEvent {
  /** 1, 2, 3…: a poller asks for what came after the last one it saw. */
  seq: number;
  time: string;
  kind: EventKind;
  level: LogLevel;
  msg: string;
}

/** The last `capacity` events. */
export class EventLog {
  private readonly ring: Ring<AgentEvent>;

  constructor(capacity = 200) {
    this.ring = new Ring(capacity);
  }

  add(kind: EventKind, level: LogLevel, msg: string, at = new Date()): AgentEvent {
    const e = { seq: this.ring.pushed + 1, time: timestamp(at), kind, level, msg };
    this.ring.push(e);
    return e;
  }

  /** The last `n`, oldest first, only those after `afterSeq`. */
  list(n: number, afterSeq = 0): AgentEvent[] {
    return this.ring.toArray(n).filter((e) => e.seq > afterSeq);
  }
}
