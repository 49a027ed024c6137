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
