import { describe, expect, it } from "vitest";
import { MIN_COMPRESS_BYTES } from "../../src/compress.ts";
import { VERSION } from "../../src/version.ts";
import { eventually } from "../helpers/collector.ts";
import { idOf, rig, stored, useCollectors } from "../helpers/delivery.ts";

// One HTTP attempt against the real collector on loopback: what goes on the wire, what comes back.
const collector = useCollectors();

describe("Requests.post: the request", () => {
  it("posts the batch to its kind's route with the SDK, key, idempotency and user headers", async () => {
    const c = await collector();
    const r = rig({ options: { endpoint: c.url, apiKey: "ak_req", headers: { "X-Tenant": "t1" }, compression: "none" } });
    const events = r.log(3);
    const labels = r.log(2, "label");
    const batch = r.cut();
    expect(await r.requests.post(batch, undefined)).toEqual({ kind: "ok", status: 200 });
    expect(await r.requests.post(r.cut("label"), undefined)).toMatchObject({ kind: "ok" });
    expect(stored(c)).toEqual(events.map(idOf));
    expect(stored(c, "label")).toHaveLength(labels.length);
    const [first, second] = c.requests;
    expect(first?.path).toBe("/v1/predictions/batch");
    expect(second?.path).toBe("/v1/labels/batch");
    expect(first?.headers).toMatchObject({
      "content-type": "application/json",
      "x-aither-sdk": `aither-js/${VERSION} (node)`,
      "x-api-key": "ak_req",
      "idempotency-key": batch.id,
      "x-tenant": "t1",
    });
    expect(first?.batchId).toBe(batch.id);
    expect(r.stats.sent).toBe(5);
  });

  it("gzips a body of at least MIN_COMPRESS_BYTES and sends a smaller one as it is", async () => {
    const c = await collector();
    const r = rig({ options: { endpoint: c.url, compression: "gzip" } });
    r.log(1);
    const small = r.cut();
    r.log(40);
    const big = r.cut();
    expect(r.serialize.format?.body(big, "", undefined).length).toBeGreaterThanOrEqual(MIN_COMPRESS_BYTES);
    expect(r.serialize.format?.body(small, "", undefined).length).toBeLessThan(MIN_COMPRESS_BYTES);
    await r.requests.post(small, undefined);
    await r.requests.post(big, undefined);
    expect(c.requests.map((q) => q.headers["content-encoding"])).toEqual([undefined, "gzip"]);
    expect(stored(c)).toHaveLength(41); // the collector gunzipped and stored them
  });

  it("sends the plain body when the runtime's compressor fails, instead of losing the batch", async () => {
    const c = await collector();
    const r = rig({ options: { endpoint: c.url }, runtime: { gzip: () => Promise.reject(new Error("no zlib")) } });
    r.log(40);
    expect(await r.requests.post(r.cut(), undefined)).toMatchObject({ kind: "ok" });
    expect(c.requests[0]?.headers["content-encoding"]).toBeUndefined();
    expect(stored(c)).toHaveLength(40);
  });

  it("sends nothing once the client closed, and answers retry", async () => {
    const c = await collector();
    const r = rig({ options: { endpoint: c.url } });
    r.log(2);
    r.gate.stopped = true;
    expect(await r.requests.post(r.cut(), undefined)).toEqual({ kind: "retry", message: "the client closed" });
    expect(c.requests).toHaveLength(0);
  });
});

describe("Requests.post: drop counts in the body", () => {
  it("claims the ledger's counts once per batch and sends the same counts on its retry", async () => {
    const c = await collector({ faults: { failFirst: 1, status: 503 } });
    const r = rig({ options: { endpoint: c.url } });
    r.log(2);
    r.ledger.drop(r.queue.clear(), "queue_full", undefined);
    r.log(3);
    const batch = r.cut();
    expect(await r.requests.post(batch, undefined)).toMatchObject({ kind: "retry", status: 503 });
    expect(r.ledger.claim()).toBeUndefined(); // out of the ledger while the batch is in flight
    expect(await r.requests.post(batch, undefined)).toMatchObject({ kind: "ok" });
    expect(c.clientDropped).toEqual({ queue_full: 2 }); // once, though two bodies carried them
    expect(c.requests.map((q) => q.batchId)).toEqual([batch.id, batch.id]);
    expect(r.stats.sent).toBe(3); // the failed attempt counts nothing
  });
});

describe("Requests: abort, keepalive and waitUntil", () => {
  it("abortAll ends a request in flight at once, as a retry", async () => {
    const c = await collector({ faults: { latencyMs: 20_000 } });
    const r = rig({ options: { endpoint: c.url } });
    r.log(1);
    const outcome = r.requests.post(r.cut(), undefined);
    await new Promise((resolve) => setTimeout(resolve, 50)); // let the request reach the collector
    r.requests.abortAll();
    const answer = await outcome;
    expect(answer).toMatchObject({ kind: "retry" });
    expect(answer).not.toHaveProperty("timeout"); // cut by the abort, not by the 10 s timeout
    expect(answer.kind === "retry" && answer.message).toMatch(/^network error/);
  });

  it("in an isolate, makes no abort controller: abortAll cannot cut its request", async () => {
    const c = await collector({ faults: { latencyMs: 150 } });
    const r = rig({ options: { endpoint: c.url }, runtime: { isolate: { perRequestIo: true } } });
    r.log(2);
    const outcome = r.requests.post(r.cut(), undefined);
    r.requests.abortAll();
    expect(await outcome).toMatchObject({ kind: "ok" });
    expect(stored(c)).toHaveLength(2);
  });

  it("on a page, sends with keepalive within its budget and gives the budget back when the request ends", async () => {
    const c = await collector();
    const reserved: number[] = [];
    let released = 0;
    const r = rig({
      options: { endpoint: c.url, compression: "none" },
      runtime: {
        page: {
          keepalive: (bytes) => {
            reserved.push(bytes);
            return () => released++;
          },
        },
      },
    });
    r.log(2);
    const batch = r.cut();
    const body = r.serialize.format?.body(batch, new Date().toISOString(), undefined) as string;
    expect(await r.requests.post(batch, undefined)).toMatchObject({ kind: "ok" });
    expect(reserved).toEqual([new TextEncoder().encode(body).byteLength]);
    await eventually(() => released === 1, 1000);
    expect(released).toBe(1);
    expect(r.requests.mortal.size).toBe(0); // keepalive: it outlives the page
  });

  it("on a page over its budget, tracks the batch as mortal until the batch settles, not just the request", async () => {
    const c = await collector();
    const r = rig({ options: { endpoint: c.url }, runtime: { page: { keepalive: () => undefined } } });
    r.log(1);
    const batch = r.cut();
    let settle: () => void = () => {};
    const settled = new Promise<void>((resolve) => {
      settle = resolve;
    });
    await r.requests.post(batch, settled);
    expect([...r.requests.mortal.keys()]).toEqual([batch]); // the request ended; the batch is not settled yet
    expect(r.requests.mortal.get(batch)).toBe(settled); // what a copy in storage waits for
    settle();
    await settled;
    await Promise.resolve();
    expect(r.requests.mortal.size).toBe(0);
  });

  it("hands each request to waitUntil, and reports a waitUntil that throws without losing the request", async () => {
    const c = await collector();
    const handed: Promise<unknown>[] = [];
    const r = rig({ options: { endpoint: c.url, waitUntil: (p) => void handed.push(p) } });
    r.log(1);
    await r.requests.post(r.cut(), undefined);
    expect(handed).toHaveLength(1);
    await expect(handed[0]).resolves.toMatchObject({ kind: "ok" });

    const t = rig({
      options: {
        endpoint: c.url,
        waitUntil: () => {
          throw new Error("no context");
        },
      },
    });
    t.log(1);
    expect(await t.requests.post(t.cut(), undefined)).toMatchObject({ kind: "ok" });
    expect(t.errors.map((e) => [e.code, e.message])).toEqual([["callback", "waitUntil threw: no context"]]);
    expect(stored(c)).toHaveLength(2);
  });
});
