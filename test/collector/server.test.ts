import { join } from "node:path";
import { describe, expect, it } from "vitest";
import type { Collector, CollectorOptions } from "../../collector/index.ts";
import { label, post, prediction, predictionBatch, tempDir, useCollector } from "./helpers.ts";

const start = useCollector();

describe("collector batch routes", () => {
  it("stores a prediction batch and reads it back newest last", async () => {
    const c = await start();
    const res = await post(`${c.url}/v1/predictions/batch`, predictionBatch([prediction("p1"), prediction("p2")]));
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ accepted: 2, duplicates: 0 });
    const read = (await (await fetch(`${c.url}/v1/predictions?model_id=churn-v2`)).json()) as {
      predictions: Array<{ id: string }>;
    };
    expect(read.predictions.map((p) => p.id)).toEqual(["p1", "p2"]);
    const limited = (await (await fetch(`${c.url}/v1/predictions?limit=1`)).json()) as { predictions: Array<{ id: string }> };
    expect(limited.predictions.map((p) => p.id)).toEqual(["p2"]);
    expect(c.requests).toHaveLength(1);
    expect(c.requests[0]).toMatchObject({ method: "POST", path: "/v1/predictions/batch", status: 200, events: 2 });
  });

  it("stores labels and filters them by prediction_id", async () => {
    const c = await start();
    const body = { batch_id: "b1", sent_at: new Date().toISOString(), labels: [label("l1", "p1"), label("l2", "p2")] };
    const res = await post(`${c.url}/v1/labels/batch`, body);
    expect(await res.json()).toEqual({ accepted: 2, duplicates: 0 });
    const read = (await (await fetch(`${c.url}/v1/labels?prediction_id=p2`)).json()) as { labels: Array<{ id: string }> };
    expect(read.labels.map((l) => l.id)).toEqual(["l2"]);
  });

  it("counts a repeated batch as duplicates and stores each event once", async () => {
    const c = await start();
    const body = predictionBatch([prediction("p1"), prediction("p2")]);
    await post(`${c.url}/v1/predictions/batch`, body);
    const again = await post(`${c.url}/v1/predictions/batch`, body);
    expect(await again.json()).toEqual({ accepted: 0, duplicates: 2 });
    expect(c.store.predictions()).toHaveLength(2);
    const stats = (await (await fetch(`${c.url}/v1/stats`)).json()) as Record<string, unknown>;
    expect(stats).toMatchObject({ predictions: 2, labels: 0, by_model: { "churn-v2": 2 }, duplicates: 2 });
  });

  it("accepts a gzip body", async () => {
    const c = await start();
    const res = await post(`${c.url}/v1/predictions/batch`, predictionBatch([prediction("gz")]), { gzip: true });
    expect(await res.json()).toEqual({ accepted: 1, duplicates: 0 });
    expect(c.store.predictions()[0]?.id).toBe("gz");
  });

  it("accepts a text/plain beacon body that carries api_key", async () => {
    const c = await start({ apiKeys: ["k1"] });
    const res = await post(`${c.url}/v1/predictions/batch`, predictionBatch([prediction("tp")], { api_key: "k1" }), {
      headers: { "content-type": "text/plain;charset=UTF-8" },
    });
    expect(res.status).toBe(200);
    expect(c.store.predictions().map((p) => p.id)).toEqual(["tp"]);
  });

  it("sums the dropped counts clients report", async () => {
    const c = await start();
    await post(`${c.url}/v1/predictions/batch`, predictionBatch([prediction("a")], { dropped: { queue_full: 2 } }));
    await post(`${c.url}/v1/predictions/batch`, predictionBatch([prediction("b")], { dropped: { queue_full: 3, too_large: 1 } }));
    expect(c.clientDropped).toEqual({ queue_full: 5, too_large: 1 });
    const stats = (await (await fetch(`${c.url}/v1/stats`)).json()) as Record<string, unknown>;
    expect(stats.client_dropped).toEqual({ queue_full: 5, too_large: 1 });
  });
});

describe("collector auth", () => {
  it("answers 401 without a key and 200 with the header or the body api_key", async () => {
    const c = await start({ apiKeys: ["secret"] });
    const url = `${c.url}/v1/predictions/batch`;
    const none = await post(url, predictionBatch([prediction("a")]));
    expect(none.status).toBe(401);
    expect(((await none.json()) as { error: string }).error).toMatch(/API key/);
    const wrong = await post(url, predictionBatch([prediction("a")]), { headers: { "x-api-key": "nope" } });
    expect(wrong.status).toBe(401);
    expect(c.store.predictions()).toHaveLength(0);
    const header = await post(url, predictionBatch([prediction("a")]), { headers: { "x-api-key": "secret" } });
    expect(header.status).toBe(200);
    const inBody = await post(url, predictionBatch([prediction("b")], { api_key: "secret" }));
    expect(inBody.status).toBe(200);
    expect(c.store.predictions().map((p) => p.id)).toEqual(["a", "b"]);
    expect((await fetch(`${c.url}/v1/predictions`)).status).toBe(401);
    expect((await fetch(`${c.url}/health`)).status).toBe(200);
  });
});

describe("collector CORS and misc routes", () => {
  it("answers a preflight with 204 and echoes the Origin", async () => {
    const c = await start();
    const res = await fetch(`${c.url}/v1/predictions/batch`, {
      method: "OPTIONS",
      headers: { origin: "http://localhost:5173", "access-control-request-method": "POST" },
    });
    expect(res.status).toBe(204);
    expect(res.headers.get("access-control-allow-origin")).toBe("http://localhost:5173");
    // The SDK never sends credentials, so the collector never allows them.
    expect(res.headers.get("access-control-allow-credentials")).toBeNull();
    expect(res.headers.get("access-control-allow-headers")).toContain("x-api-key");
    expect(res.headers.get("access-control-allow-methods")).toBe("GET, POST, OPTIONS");
    expect(res.headers.get("access-control-max-age")).toBe("600");
  });

  it("adds CORS headers to a normal answer when an Origin is sent", async () => {
    const c = await start();
    const res = await post(`${c.url}/v1/predictions/batch`, predictionBatch([prediction("a")]), {
      headers: { origin: "https://app.example" },
    });
    expect(res.headers.get("access-control-allow-origin")).toBe("https://app.example");
  });

  it("answers /health and 404 for unknown routes", async () => {
    const c = await start();
    const health = await fetch(`${c.url}/health`);
    expect(health.status).toBe(200);
    expect(await health.json()).toEqual({ ok: true });
    const missing = await fetch(`${c.url}/v2/nothing`);
    expect(missing.status).toBe(404);
    expect(((await missing.json()) as { error: string }).error).toContain("/v2/nothing");
  });

  it("clears events and the request log on POST /_reset, including the file", async () => {
    const file = join(tempDir(), "data.jsonl");
    const c = await start({ dataFile: file });
    await post(`${c.url}/v1/predictions/batch`, predictionBatch([prediction("a")]));
    expect((await fetch(`${c.url}/_reset`, { method: "POST" })).status).toBe(200);
    expect(c.store.predictions()).toHaveLength(0);
    expect(c.requests).toHaveLength(0);
    await c.close();
    const again = await start({ dataFile: file });
    expect(again.store.predictions()).toHaveLength(0);
  });
});

describe("collector malformed bodies", () => {
  async function seeded(options: CollectorOptions = {}): Promise<Collector> {
    const c = await start(options);
    await post(`${c.url}/v1/predictions/batch`, predictionBatch([prediction("keep")]));
    return c;
  }
  const cases: Array<[string, (url: string) => Promise<Response>, RegExp]> = [
    ["invalid JSON", (u) => post(u, null, { raw: '{"predictions": [' }), /not valid JSON/],
    ["bad gzip", (u) => post(u, null, { raw: "not gzip", headers: { "content-encoding": "gzip" } }), /not valid gzip/],
    ["no predictions array", (u) => post(u, { batch_id: "x" }), /"predictions" array/],
    ["an event without id", (u) => post(u, predictionBatch([prediction("ok"), { model_id: "m", prediction: 1 }])), /predictions\[1\]\.id is missing/],
    ["an event with a numeric id", (u) => post(u, predictionBatch([{ ...prediction("x"), id: 7 }])), /predictions\[0\]\.id must be a non-empty string/],
    ["an event without model_id", (u) => post(u, predictionBatch([{ id: "x", prediction: 1 }])), /model_id is missing/],
    ["an event without prediction", (u) => post(u, predictionBatch([{ id: "x", model_id: "m" }])), /prediction is missing/],
  ];
  it.each(cases)("answers 400 for %s and keeps stored data", async (_name, send, message) => {
    const c = await seeded();
    const res = await send(`${c.url}/v1/predictions/batch`);
    expect(res.status).toBe(400);
    expect(((await res.json()) as { error: string }).error).toMatch(message);
    expect(c.store.predictions().map((p) => p.id)).toEqual(["keep"]);
    expect(c.requests.at(-1)?.status).toBe(400);
  });

  it("answers 400 for a label without prediction_id", async () => {
    const c = await seeded();
    const res = await post(`${c.url}/v1/labels/batch`, { labels: [{ id: "l", label: 1 }] });
    expect(res.status).toBe(400);
    expect(((await res.json()) as { error: string }).error).toMatch(/labels\[0\]\.prediction_id is missing/);
    expect(c.store.labels()).toHaveLength(0);
  });

  it("answers 413 for a body over maxBodyBytes, also after gunzip", async () => {
    const c = await seeded({ maxBodyBytes: 2000 });
    const big = predictionBatch([{ ...prediction("big"), features: { blob: "x".repeat(5000) } }]);
    const plain = await post(`${c.url}/v1/predictions/batch`, big);
    expect(plain.status).toBe(413);
    const zipped = await post(`${c.url}/v1/predictions/batch`, big, { gzip: true });
    expect(zipped.status).toBe(413);
    expect(c.store.predictions().map((p) => p.id)).toEqual(["keep"]);
  });

  it("answers 415 for an unsupported Content-Type", async () => {
    const c = await seeded();
    const res = await post(`${c.url}/v1/predictions/batch`, predictionBatch([prediction("x")]), {
      headers: { "content-type": "application/x-www-form-urlencoded" },
    });
    expect(res.status).toBe(415);
  });
});
