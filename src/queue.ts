import type { EventKind, QueuedEvent } from "./events.ts";

/**
 * One FIFO lane, kept sorted by `seq`. An array with a moving head: shift is O(1), and a batch
 * put back after a failure goes in front again in O(batch).
 */
class Lane {
  #items: QueuedEvent[] = [];
  #head = 0;

  get length(): number {
    return this.#items.length - this.#head;
  }

  peek(): QueuedEvent | undefined {
    return this.#items[this.#head];
  }

  push(event: QueuedEvent): void {
    this.#items.push(event);
  }

  shift(): QueuedEvent | undefined {
    if (this.#head >= this.#items.length) return undefined;
    const event = this.#items[this.#head] as QueuedEvent;
    this.#items[this.#head++] = undefined as unknown as QueuedEvent; // let it be collected
    if (this.#head === this.#items.length) {
      this.#items = [];
      this.#head = 0;
    } else if (this.#head > 4096 && this.#head * 2 > this.#items.length) {
      this.#items = this.#items.slice(this.#head);
      this.#head = 0;
    }
    return event;
  }

  /** Insert events (sorted by seq) where their sequence numbers belong, normally the head. */
  restore(events: readonly QueuedEvent[]): void {
    if (events.length === 0) return;
    const first = (events[0] as QueuedEvent).seq;
    let at = this.#head;
    // Another flush may have put back older events meanwhile; keep the lane sorted.
    while (at < this.#items.length && (this.#items[at] as QueuedEvent).seq < first) at++;
    if (at === this.#head && this.#head >= events.length) {
      this.#head -= events.length;
      for (let i = 0; i < events.length; i++) this.#items[this.#head + i] = events[i] as QueuedEvent;
    } else {
      this.#items.splice(at, 0, ...events);
    }
  }

  /** How many queued events have `seq <= upTo` (binary search; the lane is sorted). */
  countUpTo(upTo: number): number {
    let lo = this.#head;
    let hi = this.#items.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if ((this.#items[mid] as QueuedEvent).seq <= upTo) lo = mid + 1;
      else hi = mid;
    }
    return lo - this.#head;
  }

  clear(): QueuedEvent[] {
    const out = this.#items.slice(this.#head);
    this.#items = [];
    this.#head = 0;
    return out;
  }
}

/**
 * The bounded queue: one lane per event kind (they go to different endpoints), one budget of
 * count and estimated bytes for both. When over budget the oldest event of either lane goes.
 */
export class EventQueue {
  readonly #lanes: Record<EventKind, Lane> = { prediction: new Lane(), label: new Lane() };
  readonly #maxCount: number;
  readonly #maxBytes: number;
  #bytes = 0;

  constructor(maxCount: number, maxBytes: number) {
    this.#maxCount = maxCount;
    this.#maxBytes = maxBytes;
  }

  /** Number of queued events. */
  get length(): number {
    return this.#lanes.prediction.length + this.#lanes.label.length;
  }

  /** Estimated serialized bytes of the queued events. */
  get bytes(): number {
    return this.#bytes;
  }

  /** Add an event; returns the events dropped to make room (oldest first), often none. */
  push(event: QueuedEvent): QueuedEvent[] | undefined {
    // An event bigger than the whole budget goes alone: it must not push out all the others.
    if (event.bytes > this.#maxBytes) return [event];
    this.#lanes[event.kind].push(event);
    this.#bytes += event.bytes;
    return this.#trim();
  }

  #trim(): QueuedEvent[] | undefined {
    let dropped: QueuedEvent[] | undefined;
    while (this.length > this.#maxCount || (this.#bytes > this.#maxBytes && this.length > 0)) {
      const oldest = this.shift(this.oldestKind() as EventKind) as QueuedEvent;
      if (dropped) dropped.push(oldest);
      else dropped = [oldest];
    }
    return dropped;
  }

  /** The lane whose head is oldest, or undefined when empty. */
  oldestKind(): EventKind | undefined {
    const p = this.#lanes.prediction.peek();
    const l = this.#lanes.label.peek();
    if (!p) return l ? "label" : undefined;
    if (!l) return "prediction";
    return p.seq < l.seq ? "prediction" : "label";
  }

  peek(kind: EventKind): QueuedEvent | undefined {
    return this.#lanes[kind].peek();
  }

  shift(kind: EventKind): QueuedEvent | undefined {
    const event = this.#lanes[kind].shift();
    if (event) this.#bytes -= event.bytes;
    return event;
  }

  /**
   * Put events taken with shift() back in front of their lane (a failed or cut batch). If new
   * events filled the queue meanwhile, the oldest go; returns those.
   */
  restore(events: readonly QueuedEvent[]): QueuedEvent[] | undefined {
    if (events.length === 0) return undefined;
    for (const e of events) this.#bytes += e.bytes;
    this.#lanes[(events[0] as QueuedEvent).kind].restore(events);
    return this.#trim();
  }

  /** Queued events with `seq <= upTo`. */
  countUpTo(upTo: number): number {
    return this.#lanes.prediction.countUpTo(upTo) + this.#lanes.label.countUpTo(upTo);
  }

  /** Remove and return everything (close with a timeout, tests). */
  clear(): QueuedEvent[] {
    this.#bytes = 0;
    return [...this.#lanes.prediction.clear(), ...this.#lanes.label.clear()].sort((a, b) => a.seq - b.seq);
  }
}
