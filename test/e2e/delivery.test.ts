import { describe, expect, it } from "vitest";
import { eventually, storedIds } from "../helpers/collector.ts";
import { logMany, useTestBed } from "./helpers.ts";

const { collector, client } = useTestBed();

describe("wire protocol", () => {
  it("sends predictions and labels in batches with the v1 headers and body", async () => {
    const c = await collector();
    const sdk = client(c, { batchSize: 10 });
    const ids = logMany(sdk, 25);
    const labelId = sdk.logLabel({ predictionId: ids[0] as string, label: 1 });
    const result = await sdk.flush();
    expect(result).toEqual({ ok: true, sent: 26, dropped: 0, pending: 0 });
    expect(storedIds(c).sort()).toEqual([...ids].sort());
    expect(storedIds(c, "label")).toEqual([labelId]);
    const predictionRequests = c.requests.filter((r) => r.path === "/v1/predictions/batch");
    expect(predictionRequests.map((r) => r.events).sort((a, b) => a - b)).toEqual([5, 10, 10]);
    for (const r of c.requests) {
      expect(r.headers["x-api-key"]).toBe("ak_test");
      expect(r.headers["idempotency-key"]).toBe(r.batchId);
      expect(r.headers["x-aither-sdk"]).toMatch(/^aither-js\/\d+\.\d+\.\d+ \(node\)$/);
      expect(r.headers["content-type"]).toBe("application/json");
    }
    // Bodies of 1 KiB and more are gzipped; the single label is not.
    expect(predictionRequests.every((r) => r.headers["content-encoding"] === "gzip")).toBe(true);
    expect(c.requests.find((r) => r.path === "/v1/labels/batch")?.headers["content-encoding"]).toBeUndefined();
    const stored = c.store.predictions().find((e) => e.id === ids[24]);
    expect(stored).toMatchObject({ model_id: "churn-classifier-v2", features: { tenure: 24, monthly_charges: 65.5 }, metadata: { user_id: "u_24" } });
    expect(stored).not.toHaveProperty("model_version");
  });

  it("sends uncompressed with compression: none", async () => {
    const c = await collector();
    const sdk = client(c, { compression: "none" });
    logMany(sdk, 50);
    await sdk.flush();
    expect(c.requests[0]?.headers["content-encoding"]).toBeUndefined();
    expect(storedIds(c)).toHaveLength(50);
  });

  it("sends what the caller logged, not what the caller changed afterwards", async () => {
    const c = await collector();
    const sdk = client(c);
    const features = new Float32Array([1, 2, 3]);
    const metadata = { tags: ["a"] };
    sdk.logPrediction({ modelId: "m", prediction: 1, features, metadata });
    features.fill(9);
    metadata.tags.push("b");
    await sdk.flush();
    expect(c.store.predictions()[0]).toMatchObject({ features: [1, 2, 3], metadata: { tags: ["a"] } });
  });

  it("sends in the background on the flushInterval timer, without flush()", async () => {
    const c = await collector();
    const sdk = client(c, { flushInterval: 50 });
    const ids = logMany(sdk, 5);
    expect(await eventually(() => storedIds(c).length === 5)).toBe(true);
    expect(storedIds(c).sort()).toEqual(ids.sort());
  });
});

describe("retries", () => {
  for (const status of [408, 429, 500, 502, 503, 504]) {
    it(`retries ${status} and stores every event exactly once, keeping the batch_id`, async () => {
      const c = await collector({ faults: { failFirst: 2, status } });
      const sdk = client(c);
      const ids = logMany(sdk, 30);
      const result = await sdk.flush();
      expect(result).toMatchObject({ ok: true, pending: 0, dropped: 0 });
      const stored = storedIds(c);
      expect(stored.sort()).toEqual(ids.sort());
      expect(new Set(stored).size).toBe(30);
      const first = c.requests[0];
      expect(first?.status).toBe(status);
      expect(c.requests.filter((r) => r.batchId === first?.batchId).map((r) => r.status)).toEqual([status, status, 200]);
      expect(sdk.stats().retries).toBe(2);
    });
  }

  it("retries a dropped connection and stores every event exactly once", async () => {
    const c = await collector({ faults: { dropFirst: 2 } });
    const sdk = client(c);
    const ids = logMany(sdk, 40);
    expect((await sdk.flush()).ok).toBe(true);
    expect(storedIds(c).sort()).toEqual(ids.sort());
  });

  it("pauses all sending for Retry-After on 429", async () => {
    const c = await collector({ faults: { failFirst: 1, status: 429, retryAfter: 1 } });
    const sdk = client(c);
    logMany(sdk, 5);
    expect((await sdk.flush()).ok).toBe(true);
    const [limited, next] = c.requests;
    expect(limited?.status).toBe(429);
    // A lower bound only: the SDK must not come back before the server said it may.
    expect((next?.at ?? 0) - (limited?.at ?? 0)).toBeGreaterThanOrEqual(950);
  });

  it("keeps a batch that failed maxRetries times queued, and delivers it when the server recovers", async () => {
    const c = await collector({ faults: { errorRate: 1, status: 503 } });
    const sdk = client(c, { flushInterval: 30, maxRetries: 0 });
    const ids = logMany(sdk, 10);
    expect(await eventually(() => c.requests.length >= 3)).toBe(true);
    expect(sdk.stats()).toMatchObject({ dropped: 0 });
    expect(sdk.stats().queued + sdk.stats().inFlight).toBe(10);
    expect(sdk.errors[0]?.message).toMatch(/batch of 10 prediction\(s\) failed 1 times; kept in the queue/);
    c.setFaults({});
    expect(await eventually(() => storedIds(c).length === 10)).toBe(true);
    expect(storedIds(c).sort()).toEqual(ids.sort());
  });
});

describe("permanent failures", () => {
  it("splits a batch answered 413 until the halves fit", async () => {
    const c = await collector({ maxBodyBytes: 4000 });
    const sdk = client(c, { compression: "none", batchSize: 100 });
    const ids = logMany(sdk, 40); // about 8 KB in one body
    expect((await sdk.flush()).ok).toBe(true);
    expect(storedIds(c).sort()).toEqual(ids.sort());
    expect(c.requests[0]?.status).toBe(413);
    expect(c.requests.filter((r) => r.status === 200).length).toBeGreaterThanOrEqual(2);
  });

  it("drops a single event answered 413 as too_large", async () => {
    const c = await collector({ maxBodyBytes: 2000 });
    const sdk = client(c, { compression: "none" });
    const id = sdk.logPrediction({ modelId: "m", prediction: 1, features: { blob: "x".repeat(3000) } });
    const result = await sdk.flush();
    expect(result).toMatchObject({ ok: false, dropped: 1, pending: 0 });
    expect(sdk.drops[0]?.[1]).toBe("too_large");
    expect(sdk.drops[0]?.[0][0]?.id).toBe(id);
    expect(sdk.stats().droppedByReason).toEqual({ too_large: 1 });
  });

  it("drops a batch answered 400 as rejected and reports the server's message", async () => {
    const c = await collector({ faults: { errorRate: 1, status: 400 } });
    const sdk = client(c);
    logMany(sdk, 3);
    expect(await sdk.flush()).toMatchObject({ ok: false, dropped: 3, pending: 0 });
    expect(sdk.stats().droppedByReason).toEqual({ rejected: 3 });
    expect(sdk.errors[0]?.message).toMatch(/batch of 3 prediction\(s\) answered 400/);
    expect(c.requests).toHaveLength(1);
  });

  it("drops a batch answered 401 as unauthorized and names AITHER_API_KEY", async () => {
    const c = await collector({ apiKeys: ["the-right-key"] });
    const sdk = client(c, { apiKey: "a-wrong-key" });
    logMany(sdk, 2);
    expect(await sdk.flush()).toMatchObject({ ok: false, dropped: 2 });
    expect(sdk.drops[0]?.[1]).toBe("unauthorized");
    expect(sdk.errors[0]?.message).toMatch(/401.*AITHER_API_KEY/);
    expect(storedIds(c)).toHaveLength(0);
  });
});
