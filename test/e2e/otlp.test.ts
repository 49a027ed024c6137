import { gunzipSync } from "node:zlib";
import { describe, expect, it } from "vitest";
import { storedIds } from "../helpers/collector.ts";
import { logMany, useTestBed } from "./helpers.ts";

// protocol: "otlp" against the real collector's /v1/traces: same batching, retries and ids.

const { collector, client } = useTestBed({ protocol: "otlp" });

describe("OTLP export", () => {
  it("sends predictions and labels as spans to /v1/traces with the usual headers", async () => {
    const c = await collector();
    const sdk = client(c, { batchSize: 10, serviceName: "churn-service" });
    const ids = logMany(sdk, 25);
    const labelId = sdk.logLabel({ predictionId: ids[3] as string, label: 1, metadata: { source: "crm" } });
    expect(await sdk.flush()).toEqual({ ok: true, sent: 26, dropped: 0, pending: 0 });
    expect(storedIds(c).sort()).toEqual([...ids].sort());
    expect(c.store.labels()).toEqual([{ id: labelId, prediction_id: ids[3], label: 1, metadata: { source: "crm" }, timestamp: expect.any(String) }]);
    expect(c.requests.every((r) => r.path === "/v1/traces" && r.status === 200)).toBe(true);
    expect(c.requests.map((r) => r.events).sort((a, b) => a - b)).toEqual([1, 5, 10, 10]);
    for (const r of c.requests) {
      expect(r.headers["x-api-key"]).toBe("ak_test");
      expect(r.headers["content-type"]).toBe("application/json");
      expect(r.headers["x-aither-sdk"]).toMatch(/^aither-js\/\d+\.\d+\.\d+ \(node\)$/);
      expect(r.headers["idempotency-key"]).toBe(r.batchId);
    }
    expect(c.requests.filter((r) => r.events === 10).every((r) => r.headers["content-encoding"] === "gzip")).toBe(true);
    const stored = c.store.predictions({ modelId: "churn-classifier-v2" }).find((p) => p.id === ids[24]);
    expect(stored).toMatchObject({
      model_id: "churn-classifier-v2",
      prediction: 24 / 25,
      features: { tenure: 24, monthly_charges: 65.5 },
      metadata: { user_id: "u_24" },
    });
  });

  it("keeps every field a prediction can carry, and caller-chosen ids", async () => {
    const c = await collector();
    const sdk = client(c);
    const timestamp = "2026-11-25T11:59:59.512Z";
    const id = sdk.logPrediction({
      id: "order-42",
      modelId: "fraud",
      modelVersion: "3.1.0",
      environment: "staging",
      latencyMs: 12.5,
      prediction: { label: "fraud", score: 0.97 },
      features: new Float32Array([1, 2, 3]),
      timestamp,
    });
    sdk.logLabel({ id: "label-1", predictionId: "order-42", label: "fraud" });
    await sdk.flush();
    expect(id).toBe("order-42");
    expect(c.store.predictions()).toEqual([
      {
        id: "order-42",
        model_id: "fraud",
        prediction: { label: "fraud", score: 0.97 },
        features: [1, 2, 3],
        model_version: "3.1.0",
        environment: "staging",
        latency_ms: 12.5,
        timestamp,
      },
    ]);
    expect(c.store.labels()).toMatchObject([{ id: "label-1", prediction_id: "order-42", label: "fraud" }]);
  });

  it("retries 503 and stores every span exactly once, keeping the Idempotency-Key", async () => {
    const c = await collector({ faults: { failFirst: 2, status: 503 } });
    const sdk = client(c);
    const ids = logMany(sdk, 30);
    expect(await sdk.flush()).toMatchObject({ ok: true, pending: 0, dropped: 0 });
    const stored = storedIds(c);
    expect(stored.sort()).toEqual(ids.sort());
    expect(new Set(stored).size).toBe(30);
    const first = c.requests[0];
    expect(c.requests.filter((r) => r.batchId === first?.batchId).map((r) => r.status)).toEqual([503, 503, 200]);
    expect(sdk.stats().retries).toBe(2);
  });

  it("sends a retried batch byte for byte the same (same span ids)", async () => {
    const c = await collector({ faults: { failFirst: 1, status: 500 } });
    const bodies: string[] = [];
    const sdk = client(c, {
      compression: "gzip",
      fetch: async (url, init) => {
        const body = init?.body as Uint8Array | string;
        bodies.push(typeof body === "string" ? body : gunzipSync(body).toString("utf8"));
        return fetch(url, init);
      },
    });
    logMany(sdk, 20);
    await sdk.flush();
    expect(bodies).toHaveLength(2);
    expect(bodies[1]).toBe(bodies[0]);
  });

  it("splits a batch answered 413 until the halves fit", async () => {
    const c = await collector({ maxBodyBytes: 6000 });
    const sdk = client(c, { compression: "none", batchSize: 100 });
    const ids = logMany(sdk, 40);
    expect((await sdk.flush()).ok).toBe(true);
    expect(storedIds(c).sort()).toEqual(ids.sort());
    expect(c.requests[0]?.status).toBe(413);
  });

  it("reports client-side drops on the scope of the next accepted batch", async () => {
    const c = await collector();
    const sdk = client(c, { maxQueueSize: 5 });
    logMany(sdk, 8);
    await sdk.flush();
    expect(storedIds(c)).toHaveLength(5);
    expect(c.clientDropped).toEqual({ queue_full: 3 });
  });
});
