// The delivery engine under pressure, against the real collector: a huge event, a background
// retry meeting close(), a burst with enableBackground: false, a throwing waitUntil hook.
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { describe, expect, it } from "vitest";
import { AitherClient } from "../../adapters/node.ts";
import { eventually, steady, storedIds } from "../helpers/collector.ts";
import { logMany, useTestBed } from "./helpers.ts";

const { collector, client } = useTestBed();

describe("a huge event", () => {
  it("is cut to its markers when logged, and pushes nothing else out of the queue", async () => {
    const c = await collector();
    const sdk = client(c, { maxQueueBytes: 2_000_000 });
    const ids = logMany(sdk, 1000);
    const image = "x".repeat(3_000_000); // a base64 image in features, over maxQueueBytes alone
    const big = sdk.logPrediction({ modelId: "vision", prediction: 1, features: { image } });
    expect(sdk.stats()).toMatchObject({ queued: 1001, dropped: 0, truncated: 1 });
    expect(await sdk.flush()).toMatchObject({ ok: true, sent: 1001 });
    expect(storedIds(c).sort()).toEqual([...ids, big].sort());
    expect(c.store.predictions({ modelId: "vision" })[0]?.features).toEqual({ _aither_truncated: { bytes: 3_000_000 + 12 } });
  });
});

describe("a background batch failing while close() runs", () => {
  it("goes back to the queue for close() instead of retrying on its own, and nothing is sent after close()", async () => {
    const c = await collector({ faults: { errorRate: 1, status: 503, latencyMs: 200 } });
    const sdk = client(c, { flushInterval: 20, maxRetries: 10 });
    logMany(sdk, 5);
    expect(await eventually(() => c.requests.length === 1)).toBe(true); // the background request is in flight
    const result = await sdk.close({ timeoutMs: 900 });
    expect(result).toMatchObject({ ok: false, sent: 0 });
    const after = c.requests.length;
    // Stable for 1.5 s: background backoffs are 0.5-1 s here and would show as more requests.
    expect(await steady(() => c.requests.length, 1500)).toBe(after);
    expect(sdk.stats()).toMatchObject({ queued: 0, inFlight: 0, dropped: 5 });
    expect(sdk.stats().droppedByReason).toEqual({ shutdown_timeout: 5 });
  });
});

describe("enableBackground: false in a burst", () => {
  it("keeps at most 4 requests in flight and still delivers everything", async () => {
    const c = await collector({ faults: { latencyMs: 150 } });
    const sdk = client(c, { enableBackground: false });
    const ids = logMany(sdk, 200);
    // Requests the collector holds (150 ms each) are the ones in flight: sample them until done.
    let most = 0;
    const sampler = setInterval(() => {
      most = Math.max(most, c.requests.filter((r) => r.status === 0).length);
    }, 5);
    // The calls' own passes send everything (no flush: it would add requests of its own).
    expect(await eventually(() => storedIds(c).length === 200)).toBe(true);
    clearInterval(sampler);
    expect(most).toBeGreaterThanOrEqual(2);
    expect(most).toBeLessThanOrEqual(4);
    expect(storedIds(c).sort()).toEqual([...ids].sort());
    expect(c.requests.length).toBeLessThan(200);
  });

  it("still sends a single call's event in a request of its own", async () => {
    const c = await collector();
    const sdk = client(c, { enableBackground: false });
    const [id] = logMany(sdk, 1);
    expect(await eventually(() => storedIds(c).includes(id as string))).toBe(true);
    expect(c.requests).toHaveLength(1);
  });
});

describe("a waitUntil hook that throws", () => {
  it("is reported once per kind and does not make the batch go round again", async () => {
    const c = await collector();
    const sdk = client(c, {
      waitUntil: () => {
        throw new Error("no context");
      },
    });
    logMany(sdk, 5);
    expect(await sdk.flush()).toMatchObject({ ok: true, sent: 5 });
    expect(c.requests).toHaveLength(1);
    expect(storedIds(c)).toHaveLength(5);
    expect(sdk.errors.length).toBeGreaterThan(0);
    expect(sdk.errors.every((e) => /waitUntil threw: no context/.test(e.message))).toBe(true);
  });
});

describe("drop counts in batch bodies", () => {
  it("go with their batch_id unchanged on every retry, so a server that saw the first attempt counts each loss once", async () => {
    const c = await collector({ faults: { latencyMs: 300 } });
    const sdk = client(c, { maxQueueSize: 5, batchSize: 5, timeout: 100 });
    logMany(sdk, 8); // 3 pushed out (queue_full), reported with the next batch
    const flushed = sdk.flush({ timeoutMs: 8000 });
    expect(await eventually(() => c.requests.length === 1)).toBe(true);
    logMany(sdk, 7); // 2 more pushed out while that batch is being retried
    // The first attempt is stored (and its counts taken) after the client gave up on it.
    expect(await eventually(() => c.requests[0]?.status === 200)).toBe(true);
    c.setFaults({});
    expect(await flushed).toMatchObject({ sent: 5, pending: 0 }); // not ok: 2 were dropped while it ran
    expect(await sdk.flush()).toMatchObject({ ok: true, sent: 5 });
    expect(sdk.stats().droppedByReason).toEqual({ queue_full: 5 });
    expect(c.clientDropped).toEqual({ queue_full: 5 });
  });
});

describe("drop counts of an attempt that may have arrived", () => {
  it("are not reported again under a new batch_id when the batch is cut smaller later", async () => {
    const c = await collector({ faults: { latencyMs: 600 } });
    const sdk = client(c, { maxQueueSize: 5, batchSize: 5, timeout: 300, maxRetries: 0, flushInterval: 50 });
    logMany(sdk, 8); // 3 pushed out: the first batch carries {queue_full: 3}
    expect(await eventually(() => c.requests.length === 1)).toBe(true);
    // It times out at 300 ms (the collector still takes it, at 600 ms) and goes back to the queue.
    expect(await eventually(() => sdk.stats().queued === 5)).toBe(true);
    logMany(sdk, 2); // pushes 2 of its events out: it can only be cut smaller, under a new id
    c.setFaults({});
    await sdk.flush();
    expect(await eventually(() => c.requests[0]?.status === 200)).toBe(true);
    expect(sdk.stats().droppedByReason).toEqual({ queue_full: 5 });
    expect(c.clientDropped).toEqual({ queue_full: 5 });
  });
});

describe("requests and close()", () => {
  it("many requests in flight at once add no listener warning to the host's process", async () => {
    const warnings: string[] = [];
    const onWarning = (w: Error) => warnings.push(w.name);
    process.on("warning", onWarning);
    try {
      const c = await collector({ faults: { latencyMs: 200 } });
      const sdk = client(c, { batchSize: 10 });
      logMany(sdk, 400);
      const results = await Promise.all([sdk.flush(), sdk.flush(), sdk.flush(), sdk.flush()]);
      expect(results.every((r) => r.pending === 0)).toBe(true);
      expect(storedIds(c)).toHaveLength(400);
      await new Promise((resolve) => setImmediate(resolve)); // warnings are emitted on the next tick
      expect(warnings).not.toContain("MaxListenersExceededWarning");
    } finally {
      process.off("warning", onWarning);
    }
  });

  it("no request starts after close() returns, not even for a longer flush() running beside it", async () => {
    const c = await collector({ faults: { errorRate: 1, status: 503, latencyMs: 100 } });
    const sdk = client(c);
    logMany(sdk, 5);
    const longFlush = sdk.flush({ timeoutMs: 8000 });
    expect(await eventually(() => c.requests.length >= 1)).toBe(true);
    await sdk.close({ timeoutMs: 300 });
    const atClose = c.requests.length;
    expect(await longFlush).toMatchObject({ sent: 0, pending: 0 });
    expect(await steady(() => c.requests.length, 1000)).toBe(atClose);
    expect(sdk.stats()).toMatchObject({ queued: 0, inFlight: 0 });
  });
});

describe("an abort after the server answered", () => {
  it("counts a batch whose 200 arrived as sent, even when close() aborts the rest of the answer", async () => {
    // A server that accepts the batch and sends its status at once, then holds the body 3 s.
    const server = createServer((req, res) => {
      req.resume();
      req.on("end", () => {
        res.writeHead(200, { "content-type": "application/json" });
        res.flushHeaders();
        setTimeout(() => res.end('{"accepted":5}'), 3000).unref();
      });
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    try {
      const { port } = server.address() as AddressInfo;
      const dropped: string[] = [];
      const sdk = new AitherClient({
        endpoint: `http://127.0.0.1:${port}`,
        flushInterval: 60_000,
        onDrop: (_e, reason) => dropped.push(reason),
        onError: () => {},
      });
      logMany(sdk, 5);
      const result = await sdk.close({ timeoutMs: 300 }); // returns while the body is held, then aborts
      expect(result.pending).toBe(5);
      expect(await eventually(() => sdk.stats().sent === 5)).toBe(true);
      expect(sdk.stats()).toMatchObject({ dropped: 0, inFlight: 0 });
      expect(dropped).toEqual([]);
    } finally {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    }
  });
});
