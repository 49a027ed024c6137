import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { deliverBatch } from "../../src/delivery/attempt.ts";
import type { DrainMode } from "../../src/delivery/parts.ts";
import { AitherHttpError, UNAUTHORIZED_HINT } from "../../src/errors.ts";
import { idOf, type Rig, rig, stored, useCollectors } from "../helpers/delivery.ts";

// One batch's retry policy, against the real collector's answers on loopback.
const collector = useCollectors();
const BACKGROUND: DrainMode = { kind: "background" };
const foreground = (inMs: number): DrainMode => ({ kind: "foreground", deadline: Date.now() + inMs, upTo: 1e9 });

// Backoff has full jitter: a fixed pick keeps retries short (the policy, not the wait, is the subject).
let pick = 0;
beforeEach(() => {
  pick = 0;
  vi.spyOn(Math, "random").mockImplementation(() => pick);
});
afterEach(() => {
  vi.restoreAllMocks();
});

/** Drop `n` events into the ledger, so the next body carries `{ queue_full: n }`. */
function lose(r: Rig, n: number): void {
  r.log(n);
  r.ledger.drop(r.queue.clear(), "queue_full", undefined);
  r.drops.length = 0;
}

describe("deliverBatch: answers that end the batch", () => {
  it("2xx: delivered and counted as sent; nothing goes back to the queue", async () => {
    const c = await collector();
    const r = rig({ options: { endpoint: c.url } });
    const events = r.log(3);
    expect(await deliverBatch(r.cut(), BACKGROUND, r, undefined)).toBe(true);
    expect(stored(c)).toEqual(events.map(idOf));
    expect(r.stats.sent).toBe(3);
    expect(r.queue.length).toBe(0);
    expect(r.errors).toEqual([]);
  });

  it("400: dropped as rejected with an AitherHttpError, and its drop counts go back to the ledger", async () => {
    const c = await collector({ faults: { failFirst: 1, status: 400 } });
    const r = rig({ options: { endpoint: c.url } });
    lose(r, 2);
    const events = r.log(3);
    expect(await deliverBatch(r.cut(), BACKGROUND, r, undefined)).toBe(true);
    expect(r.drops).toEqual([{ ids: events.map(idOf), reason: "rejected", count: 3 }]);
    const [error] = r.errors;
    expect(error).toBeInstanceOf(AitherHttpError);
    expect(error).toMatchObject({ status: 400 });
    expect(r.ledger.claim()).toEqual({ queue_full: 2, rejected: 3 }); // the earlier loss still goes to the server
    expect(c.requests).toHaveLength(1);
  });

  it("401: dropped as unauthorized, and the error says how to fix the key", async () => {
    const c = await collector({ apiKeys: ["ak_right"] });
    const r = rig({ options: { endpoint: c.url, apiKey: "ak_wrong" } });
    r.log(2);
    expect(await deliverBatch(r.cut(), BACKGROUND, r, undefined)).toBe(true);
    expect(r.drops.map((d) => [d.reason, d.count])).toEqual([["unauthorized", 2]]);
    expect(r.errors[0]?.message.endsWith(UNAUTHORIZED_HINT)).toBe(true);
  });

  it("413: splits the batch in two, back at the head of the queue under new ids, and both halves then fit", async () => {
    const r0 = rig({ options: { endpoint: "http://127.0.0.1:9", compression: "none" } });
    r0.log(4);
    const whole = r0.serialize.format?.body(r0.cut(), new Date().toISOString(), undefined).length as number;
    const c = await collector({ maxBodyBytes: whole - 20 });
    const r = rig({ options: { endpoint: c.url, compression: "none" } });
    const events = r.log(4);
    const batch = r.cut();
    expect(await deliverBatch(batch, BACKGROUND, r, undefined)).toBe(true);
    expect(r.queue.length).toBe(4);
    expect(r.debug.some((line) => line.includes(`batch ${batch.id} answered 413: split into 2 + 2`))).toBe(true);
    const first = r.cut();
    const second = r.cut();
    expect([first.events.length, second.events.length]).toEqual([2, 2]);
    expect(new Set([batch.id, first.id, second.id]).size).toBe(3);
    expect(await deliverBatch(first, BACKGROUND, r, undefined)).toBe(true);
    expect(await deliverBatch(second, BACKGROUND, r, undefined)).toBe(true);
    expect(stored(c)).toEqual(events.map(idOf));
    expect(r.drops).toEqual([]);
  });

  it("413 for a single event: dropped as too_large", async () => {
    const c = await collector({ maxBodyBytes: 50 });
    const r = rig({ options: { endpoint: c.url, compression: "none" } });
    const [event] = r.log(1);
    expect(await deliverBatch(r.cut(), BACKGROUND, r, undefined)).toBe(true);
    expect(r.drops).toEqual([{ ids: [idOf(event)], reason: "too_large", count: 1 }]);
    expect(r.queue.length).toBe(0);
  });
});

describe("deliverBatch: retries", () => {
  it("retries a 503 under the same batch_id until it is delivered, counting each retry", async () => {
    const c = await collector({ faults: { failFirst: 2, status: 503 } });
    const r = rig({ options: { endpoint: c.url, maxRetries: 3 } });
    r.log(2);
    const batch = r.cut();
    expect(await deliverBatch(batch, BACKGROUND, r, undefined)).toBe(true);
    expect(c.requests.map((q) => [q.status, q.batchId])).toEqual([
      [503, batch.id],
      [503, batch.id],
      [200, batch.id],
    ]);
    expect(r.stats.retries).toBe(2);
    expect(r.errors).toEqual([]); // recovered: nothing to tell
  });

  it("in the background, gives a batch still failing after maxRetries back to the head of the queue, and reports it", async () => {
    const c = await collector({ faults: { failFirst: 100, status: 500 } });
    const r = rig({ options: { endpoint: c.url, maxRetries: 1 } });
    r.log(3);
    const batch = r.cut();
    r.log(1); // logged while the batch was out: it stays behind it
    expect(await deliverBatch(batch, BACKGROUND, r, undefined)).toBe(false);
    expect(c.requests).toHaveLength(2);
    expect(r.queue.length).toBe(4);
    expect(r.queue.peek("prediction")?.retryOf?.id).toBe(batch.id);
    expect(r.cut().id).toBe(batch.id); // cut again whole, it keeps its id
    expect(r.errors.map((e) => e.message)).toEqual([expect.stringContaining("failed 2 times; kept in the queue for the next flush")]);
    expect(r.drops).toEqual([]);
  });

  it("inside a flush, retries until the deadline, then gives the batch back and says it was still failing", async () => {
    pick = 0.2; // backoffs of 100, 200, 400 ms
    const c = await collector({ faults: { errorRate: 1, status: 502 } });
    const r = rig({ options: { endpoint: c.url, maxRetries: 0 } });
    r.log(2);
    const batch = r.cut();
    expect(await deliverBatch(batch, foreground(450), r, undefined)).toBe(false);
    expect(c.requests.length).toBeGreaterThanOrEqual(2); // maxRetries does not apply inside a flush
    expect(r.queue.length).toBe(2);
    expect(r.errors.map((e) => e.message)).toEqual([expect.stringContaining("still failing when the flush timed out")]);
  });

  it("inside a flush whose deadline has passed, sends nothing and gives the batch back", async () => {
    const c = await collector();
    const r = rig({ options: { endpoint: c.url } });
    r.log(2);
    expect(await deliverBatch(r.cut(), foreground(-1), r, undefined)).toBe(false);
    expect(c.requests).toHaveLength(0);
    expect(r.queue.length).toBe(2);
  });

  it("Retry-After on a 429 pauses all sending: another batch sends nothing before the pause ends", async () => {
    const c = await collector({ faults: { failFirst: 1, status: 429, retryAfter: 30 } });
    const r = rig({ options: { endpoint: c.url, maxRetries: 0 } });
    r.log(1);
    const before = Date.now();
    expect(await deliverBatch(r.cut(), BACKGROUND, r, undefined)).toBe(false);
    expect(r.gate.pausedUntil).toBeGreaterThanOrEqual(before + 30_000);
    r.log(1, "label");
    expect(await deliverBatch(r.cut("label"), foreground(100), r, undefined)).toBe(false);
    expect(c.requests).toHaveLength(1); // the label batch waited out its flush instead
    expect(r.queue.length).toBe(2);
  });

  it("marks the drop counts as maybe sent when a connection is lost: they are never given back for a new id", async () => {
    const c = await collector({ faults: { dropConnectionRate: 1 } });
    const r = rig({ options: { endpoint: c.url, maxRetries: 0 } });
    lose(r, 2);
    r.log(2);
    const batch = r.cut();
    expect(await deliverBatch(batch, BACKGROUND, r, undefined)).toBe(false);
    expect(batch.countsMaybeSent).toBe(true);
    expect(r.ledger.claim()).toBeUndefined();
    r.queue.shift("prediction"); // a smaller cut gets a new id: the counts must not go with it
    expect(r.cut().reported).toBeUndefined();
    expect(r.ledger.claim()).toBeUndefined();
  });
});

describe("deliverBatch: after close()", () => {
  it("drops the batch as shutdown_timeout without sending it", async () => {
    const c = await collector();
    const r = rig({ options: { endpoint: c.url } });
    const events = r.log(2);
    r.gate.stopped = true;
    expect(await deliverBatch(r.cut(), foreground(5000), r, undefined)).toBe(false);
    expect(c.requests).toHaveLength(0);
    expect(r.drops).toEqual([{ ids: events.map(idOf), reason: "shutdown_timeout", count: 2 }]);
  });

  it("drops a batch whose request is aborted by close(), instead of putting it back", async () => {
    const c = await collector({ faults: { latencyMs: 20_000 } });
    const r = rig({ options: { endpoint: c.url } });
    r.log(2);
    const delivering = deliverBatch(r.cut(), BACKGROUND, r, undefined);
    await new Promise((resolve) => setTimeout(resolve, 50));
    r.gate.stopped = true;
    r.requests.abortAll();
    expect(await delivering).toBe(false);
    expect(r.queue.length).toBe(0);
    expect(r.drops.map((d) => [d.reason, d.count])).toEqual([["shutdown_timeout", 2]]);
    expect(r.stats.retries).toBe(0); // not retried: dropped at once
  });
});
