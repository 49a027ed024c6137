import { describe, expect, it } from "vitest";
import type { EventKind, QueuedEvent } from "../../src/events.ts";
import { EventQueue } from "../../src/queue.ts";

let seq = 0;
function ev(kind: EventKind = "prediction", bytes = 10): QueuedEvent {
  seq++;
  return { kind, seq, time: 0, bytes, json: undefined, retryOf: undefined, wire: { id: `e${seq}`, model_id: "m", prediction: 1, timestamp: "" } };
}

describe("EventQueue", () => {
  it("drops an event bigger than the whole byte budget alone, keeping the others", () => {
    const q = new EventQueue(100, 1000);
    const kept = [ev(), ev(), ev()];
    for (const e of kept) expect(q.push(e)).toBeUndefined();
    const huge = ev("prediction", 5000);
    expect(q.push(huge)).toEqual([huge]);
    expect(q.length).toBe(3);
    expect(q.bytes).toBe(30);
  });

  it("drops the oldest event when the count is over maxQueueSize", () => {
    const q = new EventQueue(3, 1e9);
    const events = [ev(), ev("label"), ev(), ev()];
    const dropped = events
      .map((e) => q.push(e))
      .filter(Boolean)
      .flat();
    expect(dropped).toEqual([events[0]]);
    expect(q.length).toBe(3);
  });

  it("drops the oldest events when estimated bytes are over maxQueueBytes", () => {
    const q = new EventQueue(100, 25);
    const a = ev("prediction", 10);
    const b = ev("label", 10);
    q.push(a);
    q.push(b);
    expect(q.push(ev("prediction", 10))).toEqual([a]);
    expect(q.bytes).toBe(20);
  });

  it("picks the lane whose head is oldest", () => {
    const q = new EventQueue(10, 1e9);
    q.push(ev("label"));
    q.push(ev("prediction"));
    expect(q.oldestKind()).toBe("label");
    q.shift("label");
    expect(q.oldestKind()).toBe("prediction");
    q.shift("prediction");
    expect(q.oldestKind()).toBeUndefined();
  });

  it("puts a failed batch back at the head, in sequence order, even when batches come back out of order", () => {
    const q = new EventQueue(100, 1e9);
    const events = Array.from({ length: 6 }, () => ev());
    for (const e of events) q.push(e);
    const first = [q.shift("prediction"), q.shift("prediction")] as QueuedEvent[];
    const second = [q.shift("prediction"), q.shift("prediction")] as QueuedEvent[];
    q.restore(second);
    q.restore(first);
    const order: number[] = [];
    for (let e = q.shift("prediction"); e; e = q.shift("prediction")) order.push(e.seq);
    expect(order).toEqual(events.map((e) => e.seq));
  });

  it("drops the oldest when a restored batch no longer fits", () => {
    const q = new EventQueue(3, 1e9);
    const old = [ev(), ev()];
    for (const e of old) q.push(e);
    const taken = [q.shift("prediction"), q.shift("prediction")] as QueuedEvent[];
    q.push(ev());
    q.push(ev());
    expect(q.restore(taken)).toEqual([old[0]]);
    expect(q.length).toBe(3);
  });

  it("counts queued events up to a sequence number", () => {
    const q = new EventQueue(100, 1e9);
    const events = [ev(), ev("label"), ev(), ev("label")];
    for (const e of events) q.push(e);
    expect(q.countUpTo((events[1] as QueuedEvent).seq)).toBe(2);
    expect(q.countUpTo((events[3] as QueuedEvent).seq)).toBe(4);
  });

  it("keeps FIFO order over many shifts (compaction)", () => {
    const q = new EventQueue(20_000, 1e12);
    const events = Array.from({ length: 10_000 }, () => ev());
    for (const e of events) q.push(e);
    for (let i = 0; i < 9_000; i++) q.shift("prediction");
    expect(q.shift("prediction")).toBe(events[9_000]);
    expect(q.length).toBe(999);
  });
});

/** Hooks that serialize as the client does (exact bytes), drop what `reject` names, and record evictions. */
function hooks(options: { bytes?: number; reject?: (e: QueuedEvent) => boolean } = {}) {
  const prepared: QueuedEvent[] = [];
  const evicted: QueuedEvent[] = [];
  return {
    prepared,
    evicted,
    prepare(event: QueuedEvent): boolean {
      prepared.push(event);
      if (options.reject?.(event)) return false;
      event.json = JSON.stringify(event.wire);
      event.bytes = options.bytes ?? event.bytes;
      return true;
    },
    evict(event: QueuedEvent): void {
      evicted.push(event);
    },
  };
}

describe("EventQueue staging", () => {
  it("stage says true only for the first event since the last settle: one settle is scheduled per burst", () => {
    const q = new EventQueue(100, 1e9, hooks());
    expect(q.stage(ev())).toBe(true);
    expect(q.stage(ev())).toBe(false);
    expect(q.stage(ev("label"))).toBe(false);
    q.settle();
    expect(q.stage(ev())).toBe(true);
  });

  it("settles a slice at a time when given a limit, oldest first, and says whether staged events remain", () => {
    const h = hooks();
    const q = new EventQueue(100, 1e9, h);
    const events = Array.from({ length: 5 }, () => ev());
    for (const e of events) q.stage(e);
    expect(q.settle(2)).toBe(true);
    expect(h.prepared).toEqual(events.slice(0, 2));
    expect(q.length).toBe(5); // staged events still count as queued
    expect(q.settle(2)).toBe(true);
    expect(q.settle(2)).toBe(false);
    expect(h.prepared).toEqual(events);
    expect(q.stage(ev())).toBe(true); // a new burst schedules a new settle
  });

  it("serializes only a slice for a reader of the lanes, and counts staged events without serializing them", () => {
    const h = hooks();
    const q = new EventQueue(1e6, 1e12, h);
    const events = Array.from({ length: 5000 }, () => ev());
    for (const e of events) q.stage(e);
    expect(q.countUpTo((events[4999] as QueuedEvent).seq)).toBe(5000);
    expect(h.prepared).toHaveLength(0);
    expect(q.shift("prediction")).toBe(events[0]);
    expect(h.prepared).toHaveLength(1000); // one slice, not the whole burst
    for (let i = 1; i < 1001; i++) expect(q.shift("prediction")).toBe(events[i]);
    expect(h.prepared).toHaveLength(2000); // the next slice once the lanes ran low
    expect(q.length).toBe(5000 - 1001);
  });

  it("serializes staged events only at settle, in order, into their lanes", () => {
    const h = hooks();
    const q = new EventQueue(100, 1e9, h);
    const events = [ev(), ev("label"), ev()];
    for (const e of events) q.stage(e);
    expect(h.prepared).toEqual([]);
    expect(q.length).toBe(3); // staged events count as queued
    q.settle();
    expect(h.prepared).toEqual(events);
    expect(events.every((e) => e.json !== undefined)).toBe(true);
    expect(q.shift("prediction")).toBe(events[0]);
    expect(q.shift("prediction")).toBe(events[2]);
    expect(q.shift("label")).toBe(events[1]);
  });

  it("settles before every read, so staging is invisible to readers", () => {
    const h = hooks();
    const q = new EventQueue(100, 1e9, h);
    const label = ev("label");
    q.stage(label);
    expect(q.oldestKind()).toBe("label");
    q.stage(ev());
    expect(q.peek("prediction")).toBeDefined();
    q.stage(ev());
    expect(q.countUpTo(1e9)).toBe(3);
    q.stage(ev());
    expect(q.fullKind(3, 1e9)).toBe("prediction");
    expect(h.prepared).toHaveLength(4);
  });

  it("does not queue an event its prepare hook dropped (filtered, too large)", () => {
    const rejected = ev();
    const q = new EventQueue(100, 1e9, hooks({ reject: (e) => e === rejected }));
    const kept = ev();
    q.stage(rejected);
    q.stage(kept);
    q.settle();
    expect(q.length).toBe(1);
    expect(q.shift("prediction")).toBe(kept);
  });

  it("keeps the count bound while staging: the oldest goes at once, settled events before staged ones", () => {
    const h = hooks();
    const q = new EventQueue(3, 1e9, h);
    const settled = ev("label");
    q.stage(settled);
    q.settle();
    const staged = [ev(), ev(), ev(), ev()];
    for (const e of staged) q.stage(e);
    expect(h.evicted).toEqual([settled, staged[0]]); // never serialized: evicted before settle
    expect(h.prepared).toEqual([settled]);
    expect(q.length).toBe(3);
    q.settle();
    expect(q.length).toBe(3);
    expect(q.countUpTo(1e9)).toBe(3);
  });

  it("applies the byte bound once staged events are serialized, evicting the oldest through the hook", () => {
    const h = hooks({ bytes: 40 });
    const q = new EventQueue(100, 100, h);
    const events = [ev(), ev("label"), ev(), ev()];
    for (const e of events) q.stage(e);
    expect(h.evicted).toEqual([]);
    q.settle();
    expect(h.evicted).toEqual([events[0], events[1]]);
    expect(q.bytes).toBe(80);
  });

  it("clear() returns staged events too, all in sequence order", () => {
    const q = new EventQueue(100, 1e9, hooks());
    const a = ev("label");
    const b = ev();
    q.stage(a);
    q.settle();
    q.stage(b);
    const c = ev("label");
    q.stage(c);
    expect(q.clear()).toEqual([a, b, c]);
    expect([q.length, q.bytes]).toEqual([0, 0]);
    q.settle(); // nothing left staged
    expect(q.length).toBe(0);
  });
});

describe("EventQueue.fullKind", () => {
  it("names a lane with batchSize events, or none while every lane is partial", () => {
    const q = new EventQueue(100, 1e9);
    for (let i = 0; i < 2; i++) q.push(ev());
    q.push(ev("label"));
    expect(q.fullKind(3, 1e9)).toBeUndefined();
    q.push(ev());
    expect(q.fullKind(3, 1e9)).toBe("prediction");
  });

  it("names a lane whose bytes reach the limit, before it has batchSize events", () => {
    const q = new EventQueue(100, 1e9);
    q.push(ev("label", 300));
    q.push(ev("prediction", 100));
    expect(q.fullKind(50, 300)).toBe("label");
    q.shift("label");
    expect(q.fullKind(50, 300)).toBeUndefined(); // its bytes left with it
  });

  it("when both lanes are full, names the one whose head is older", () => {
    const q = new EventQueue(100, 1e9);
    q.push(ev("label"));
    q.push(ev());
    q.push(ev());
    q.push(ev("label"));
    expect(q.fullKind(2, 1e9)).toBe("label");
    q.shift("label");
    q.push(ev("label"));
    expect(q.fullKind(2, 1e9)).toBe("prediction");
  });

  it("counts restored events' bytes in their lane", () => {
    const q = new EventQueue(100, 1e9);
    q.push(ev("prediction", 200));
    const taken = [q.shift("prediction") as QueuedEvent];
    expect(q.fullKind(50, 200)).toBeUndefined();
    q.restore(taken);
    expect(q.fullKind(50, 200)).toBe("prediction");
  });
});
