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

/** Staged events a reader of the lanes serializes at a time. */
const READ_SLICE = 1000;

/** What a queue calls back into: serialization of staged events, and the events it pushes out. */
export interface QueueHooks {
  /**
   * Serialize a staged event before it joins its lane (exact bytes, beforeSend, size limit).
   * False when the event was dropped instead (filtered, too_large): it is not queued.
   */
  prepare(event: QueuedEvent): boolean;
  /** An event pushed out to make room (`queue_full`), oldest first. */
  evict(event: QueuedEvent): void;
}

/**
 * The bounded queue: one lane per event kind (they go to different endpoints), one budget of
 * count and bytes for both. When over budget the oldest event of either lane goes.
 *
 * With hooks, logging only stages an event (O(1), no serialization on the caller's path);
 * {@link settle} serializes staged events and moves them into their lanes. Readers of the lanes
 * settle a slice when the lanes run low, and counts include staged events, so staging is
 * invisible to the rest of the SDK. The count bound holds for staged events too (the oldest goes
 * at once); the byte bound once they are serialized.
 */
export class EventQueue {
  readonly #lanes: Record<EventKind, Lane> = { prediction: new Lane(), label: new Lane() };
  readonly #maxCount: number;
  readonly #maxBytes: number;
  readonly #hooks: QueueHooks | undefined;
  // Events logged but not yet serialized, in sequence order: the newest of the queue.
  readonly #staged = new Lane();
  #bytes = 0;
  #laneBytes: Record<EventKind, number> = { prediction: 0, label: 0 };

  constructor(maxCount: number, maxBytes: number, hooks?: QueueHooks) {
    this.#maxCount = maxCount;
    this.#maxBytes = maxBytes;
    this.#hooks = hooks;
  }

  /** Number of queued events, staged ones included. */
  get length(): number {
    return this.#lanes.prediction.length + this.#lanes.label.length + this.#staged.length;
  }

  /** Serialized bytes of the queued events (staged ones not yet counted). */
  get bytes(): number {
    return this.#bytes;
  }

  /**
   * Stage an event on the caller's path (needs hooks): O(1), and the oldest event goes at once
   * when the count is over budget. Returns true when it is the first staged event since the
   * last {@link settle}: the caller schedules one.
   */
  stage(event: QueuedEvent): boolean {
    const first = this.#staged.length === 0;
    this.#staged.push(event);
    if (this.length > this.#maxCount) this.#evictOldest();
    return first;
  }

  #evictOldest(): void {
    // Settled events are older than staged ones: they go first.
    const kind = this.#oldestSettledKind();
    const oldest = (kind !== undefined ? this.#shift(kind) : this.#staged.shift()) as QueuedEvent;
    this.#hooks?.evict(oldest);
  }

  /**
   * Serialize up to `limit` staged events (oldest first) into their lanes, applying the byte
   * bound. Returns true when staged events remain.
   */
  settle(limit: number = Number.POSITIVE_INFINITY): boolean {
    for (let n = 0; n < limit; n++) {
      const event = this.#staged.shift();
      if (!event) break;
      if (this.#hooks && !this.#hooks.prepare(event)) continue;
      const dropped = this.push(event);
      if (dropped) for (const e of dropped) this.#hooks?.evict(e);
    }
    return this.#staged.length > 0;
  }

  /** Add an event; returns the events dropped to make room (oldest first), often none. */
  push(event: QueuedEvent): QueuedEvent[] | undefined {
    // An event bigger than the whole budget goes alone: it must not push out all the others.
    if (event.bytes > this.#maxBytes) return [event];
    this.#lanes[event.kind].push(event);
    this.#bytes += event.bytes;
    this.#laneBytes[event.kind] += event.bytes;
    return this.#trim();
  }

  #trim(): QueuedEvent[] | undefined {
    let dropped: QueuedEvent[] | undefined;
    // The count bound covers staged events too (they are newer: settled ones go first).
    while ((this.length > this.#maxCount || this.#bytes > this.#maxBytes) && this.#settledLength() > 0) {
      const oldest = this.#shift(this.#oldestSettledKind() as EventKind) as QueuedEvent;
      if (dropped) dropped.push(oldest);
      else dropped = [oldest];
    }
    return dropped;
  }

  #settledLength(): number {
    return this.#lanes.prediction.length + this.#lanes.label.length;
  }

  /** The lane whose head is oldest, or undefined when empty. */
  oldestKind(): EventKind | undefined {
    this.#settleForRead();
    return this.#oldestSettledKind();
  }

  #oldestSettledKind(): EventKind | undefined {
    const p = this.#lanes.prediction.peek();
    const l = this.#lanes.label.peek();
    if (!p) return l ? "label" : undefined;
    if (!l) return "prediction";
    return p.seq < l.seq ? "prediction" : "label";
  }

  /**
   * A kind with a full batch queued (`maxEvents` events or `maxBytes` bytes), or undefined:
   * what the background sends at once, without waiting for the timer.
   */
  fullKind(maxEvents: number, maxBytes: number): EventKind | undefined {
    this.#settleForRead();
    const { prediction, label } = this.#lanes;
    const p = prediction.length >= maxEvents || this.#laneBytes.prediction >= maxBytes;
    const l = label.length >= maxEvents || this.#laneBytes.label >= maxBytes;
    if (p && l) return (prediction.peek() as QueuedEvent).seq < (label.peek() as QueuedEvent).seq ? "prediction" : "label";
    return p ? "prediction" : l ? "label" : undefined;
  }

  peek(kind: EventKind): QueuedEvent | undefined {
    this.#settleForRead();
    return this.#lanes[kind].peek();
  }

  shift(kind: EventKind): QueuedEvent | undefined {
    this.#settleForRead();
    return this.#shift(kind);
  }

  #shift(kind: EventKind): QueuedEvent | undefined {
    const event = this.#lanes[kind].shift();
    if (event) {
      this.#bytes -= event.bytes;
      this.#laneBytes[kind] -= event.bytes;
    }
    return event;
  }

  /**
   * Put events taken with shift() back in front of their lane (a failed or cut batch). If new
   * events filled the queue meanwhile, the oldest go; returns those.
   */
  restore(events: readonly QueuedEvent[]): QueuedEvent[] | undefined {
    if (events.length === 0) return undefined;
    // No settle: staged events are newer than anything restored, so lane order holds.
    const kind = (events[0] as QueuedEvent).kind;
    for (const e of events) {
      this.#bytes += e.bytes;
      this.#laneBytes[kind] += e.bytes;
    }
    this.#lanes[kind].restore(events);
    return this.#trim();
  }

  /** Queued events with `seq <= upTo`. */
  countUpTo(upTo: number): number {
    return this.#lanes.prediction.countUpTo(upTo) + this.#lanes.label.countUpTo(upTo) + this.#staged.countUpTo(upTo);
  }

  /**
   * Settle enough for a reader of the lanes: a slice while they hold fewer than a slice. A
   * flush right after a synchronous burst of 100,000 logs then serializes them batch by batch,
   * between its requests, instead of in one long call. Staged events are the newest, so what
   * the lanes hold is read in order.
   */
  #settleForRead(): void {
    while (this.#settledLength() < READ_SLICE && this.#staged.length > 0) this.settle(READ_SLICE);
  }

  /** Remove and return everything, staged events included (close with a timeout, tests). */
  clear(): QueuedEvent[] {
    this.#bytes = 0;
    this.#laneBytes = { prediction: 0, label: 0 };
    return [...this.#lanes.prediction.clear(), ...this.#lanes.label.clear(), ...this.#staged.clear()].sort((a, b) => a.seq - b.seq);
  }
}
