import { describe, expect, it } from "vitest";
import { eventually, storedIds } from "../helpers/collector.ts";
import { logMany, useTestBed } from "./helpers.ts";

const { collector, client } = useTestBed();

describe("bounded queue", () => {
  it("keeps memory bounded at maxQueueSize on a dead endpoint, counts queue_full, and reports the loss in the next body", async () => {
    // Down: the collector drops every connection unanswered (it stays bound, so no other test takes its port).
    const c = await collector({ faults: { dropConnectionRate: 1 } });
    const sdk = client(c, { maxQueueSize: 1000, flushInterval: 20, maxRetries: 0 });
    const ids = logMany(sdk, 5000);
    const stats = sdk.stats();
    expect(stats.queued + stats.inFlight).toBeLessThanOrEqual(1000);
    expect(stats.droppedByReason.queue_full).toBe(4000);
    // Reported in aggregate: the counts of the onDrop calls add up to stats(), never one call per event.
    expect(sdk.drops.filter(([, r]) => r === "queue_full").length).toBeLessThan(100); // once per 20 ms interval at most, not 4000
    await sdk.flush({ timeoutMs: 0 });
    expect(sdk.drops.filter(([, r]) => r === "queue_full").reduce((n, [, , count]) => n + count, 0)).toBe(4000);
    // The timer's sends fail while it is down ...
    expect(await eventually(() => c.requests.length >= 2)).toBe(true);
    expect(storedIds(c)).toEqual([]);
    // ... then the endpoint comes back: the newest 1000 arrive, with the count of the lost ones.
    c.setFaults({});
    expect((await sdk.flush()).pending).toBe(0);
    expect(storedIds(c).sort()).toEqual(ids.slice(4000).sort());
    expect(c.clientDropped).toEqual({ queue_full: 4000 });
    expect(sdk.errors.some((e) => /queue is full/.test(e.message))).toBe(true);
  });

  it("bounds the queue by serialized bytes (maxQueueBytes)", async () => {
    const c = await collector();
    const sdk = client(c, { maxQueueBytes: 50_000 });
    const note = "n".repeat(1000); // about 1.1 KB an event: 100 of them are twice the budget
    for (let i = 0; i < 100; i++) sdk.logPrediction({ modelId: "m", prediction: i, metadata: { note } });
    const { queued, droppedByReason } = sdk.stats();
    expect(queued).toBeLessThan(100);
    expect(droppedByReason.queue_full).toBe(100 - queued);
  });
});

describe("size limits", () => {
  it("truncates features and metadata of an event over maxEventBytes, and counts it", async () => {
    const c = await collector();
    const sdk = client(c, { maxEventBytes: 4096 });
    // Long arrays are summarised (see tensor summaries), so the bulk here is text.
    const features = { notes: "note ".repeat(1000) };
    const id = sdk.logPrediction({ modelId: "m", prediction: [1, 2], features, metadata: { a: 1 } });
    await sdk.flush();
    const stored = c.store.predictions()[0];
    expect(stored).toMatchObject({ id, model_id: "m", prediction: [1, 2] });
    expect(stored?.features).toEqual({ _aither_truncated: { bytes: JSON.stringify(features).length } });
    expect(stored?.metadata).toEqual({ _aither_truncated: { bytes: 7 } });
    expect(sdk.stats().truncated).toBe(1);
  });

  it("never sends a body over maxBatchBytes", async () => {
    const c = await collector();
    const sdk = client(c, { maxBatchBytes: 8192, compression: "none" });
    logMany(sdk, 300);
    await sdk.flush();
    expect(storedIds(c)).toHaveLength(300);
    expect(c.requests.length).toBeGreaterThan(5);
    for (const r of c.requests) expect(Number(r.headers["content-length"])).toBeLessThanOrEqual(8192);
  });
});

describe("flush", () => {
  it("resolves with pending events when its timeout passes, and never rejects", async () => {
    const c = await collector({ faults: { errorRate: 1, status: 503 } });
    const sdk = client(c);
    logMany(sdk, 7);
    const result = await sdk.flush({ timeoutMs: 300 });
    expect(result).toEqual({ ok: false, sent: 0, dropped: 0, pending: 7 });
    expect(sdk.stats().queued).toBe(7);
  });

  it("waits for a request already in flight", async () => {
    const c = await collector({ faults: { latencyMs: 300 } });
    const sdk = client(c, { flushInterval: 10 });
    logMany(sdk, 5);
    // The timer's request has reached the collector, which holds its answer for 300 ms.
    expect(await eventually(() => c.requests.length === 1)).toBe(true);
    expect(sdk.stats().inFlight).toBe(5);
    expect(await sdk.flush()).toMatchObject({ ok: true, pending: 0 });
    expect(storedIds(c)).toHaveLength(5);
  });

  it("resolves every one of concurrent flushes", async () => {
    const c = await collector({ faults: { latencyMs: 50 } });
    const sdk = client(c, { batchSize: 10 });
    const ids = logMany(sdk, 50);
    const results = await Promise.all([sdk.flush(), sdk.flush(), sdk.flush()]);
    for (const r of results) expect(r).toMatchObject({ ok: true, pending: 0 });
    expect(storedIds(c).sort()).toEqual(ids.sort());
    expect(c.store.duplicates()).toBe(0);
  });

  it("retries until its timeout inside close(), then drops what is left as shutdown_timeout", async () => {
    const c = await collector({ faults: { errorRate: 1, status: 500 } });
    const sdk = client(c, { shutdownTimeout: 700, maxRetries: 0 });
    const ids = logMany(sdk, 4);
    const result = await sdk.close();
    expect(result).toMatchObject({ ok: false, pending: 0, dropped: 4 }); // dropped, so no longer pending
    expect(sdk.stats().retries).toBeGreaterThan(0);
    const dropped = sdk.drops.find(([, reason]) => reason === "shutdown_timeout");
    expect(dropped?.[0].map((e) => e.id)).toEqual(ids);
  });
});
