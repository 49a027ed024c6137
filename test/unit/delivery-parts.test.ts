import { describe, expect, it } from "vitest";
import { releaseCounts, requeue } from "../../src/delivery/parts.ts";
import { idOf, type Rig, rig } from "../helpers/delivery.ts";

// The shared pieces: a batch back to the queue (or dropped after close()), its drop counts back to the ledger.
const NO_ENDPOINT = "http://127.0.0.1:9";

/** Drop `n` events into the ledger, so the next body claims `{ queue_full: n }`. */
function lose(r: Rig, n: number): void {
  r.log(n);
  r.ledger.drop(r.queue.clear(), "queue_full", undefined);
  r.drops.length = 0;
}

describe("requeue", () => {
  it("puts a batch back at the head of the queue; cut again, it keeps its id and the drop counts it carries", () => {
    const r = rig({ options: { endpoint: NO_ENDPOINT } });
    lose(r, 2);
    r.log(3);
    const batch = r.cut();
    expect(r.requests.countsFor(batch)).toEqual({ queue_full: 2 });
    r.log(1);
    expect(requeue(r.parts, r.gate, batch)).toBe(false);
    expect(r.queue.length).toBe(4);
    const again = r.cut();
    expect(again).toMatchObject({ id: batch.id, reported: { queue_full: 2 }, claimed: true });
    expect(again.events).toEqual(batch.events);
    expect(r.ledger.claim()).toBeUndefined(); // the counts stay with the batch id, not back in the ledger
  });

  it("after close(), drops the batch as shutdown_timeout and gives its drop counts back to the ledger", () => {
    const r = rig({ options: { endpoint: NO_ENDPOINT } });
    lose(r, 2);
    const events = r.log(3);
    const batch = r.cut();
    r.requests.countsFor(batch);
    r.gate.stopped = true;
    expect(requeue(r.parts, r.gate, batch)).toBe(false);
    expect(r.queue.length).toBe(0);
    expect(r.drops).toEqual([{ ids: events.map(idOf), reason: "shutdown_timeout", count: 3 }]);
    expect(r.ledger.claim()).toEqual({ queue_full: 2, shutdown_timeout: 3 });
  });

  it("drops the oldest events as queue_full when the queue filled up while the batch was out", () => {
    const r = rig({ options: { endpoint: NO_ENDPOINT, maxQueueSize: 4 } });
    const out = r.log(2);
    const batch = r.cut();
    r.log(4);
    requeue(r.parts, r.gate, batch);
    expect(r.queue.length).toBe(4);
    expect(r.drops.map((d) => [d.reason, d.ids])).toEqual([["queue_full", out.map(idOf)]]);
  });
});

describe("releaseCounts", () => {
  it("gives a batch's drop counts back to the ledger, unless an attempt that carried them may have arrived", () => {
    const r = rig({ options: { endpoint: NO_ENDPOINT } });
    lose(r, 2);
    r.log(2);
    const batch = r.cut();
    r.requests.countsFor(batch);
    batch.countsMaybeSent = true;
    releaseCounts(r.parts, batch);
    expect(r.ledger.claim()).toBeUndefined();
    batch.countsMaybeSent = false;
    releaseCounts(r.parts, batch);
    expect(r.ledger.claim()).toEqual({ queue_full: 2 });
  });
});
