// Hardening of the local collector: answers that stay consistent under hostile or odd input
// (events too deep to serialize, header-breaking fault options, model ids named like Object
// members), /_* routes closed to web pages, graceful close, and the read routes' details.
import { readFileSync } from "node:fs";
import { request } from "node:http";
import { connect } from "node:net";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { type Collector, startCollector, validateFaults } from "../../collector/index.ts";
import { eventually } from "../helpers/collector.ts";
import { post, prediction, predictionBatch, tempDir, useCollector } from "./helpers.ts";

const start = useCollector();

const ORIGIN = "https://some-page.example";
const batchUrl = (c: Collector) => `${c.url}/v1/predictions/batch`;
const errorOf = async (res: Response) => ((await res.json()) as { error: string }).error;
const stats = async (c: Collector, headers: Record<string, string> = {}) =>
  (await (await fetch(`${c.url}/v1/stats`, { headers })).json()) as {
    predictions: number;
    by_model: Record<string, number>;
    client_dropped: Record<string, number>;
    wire_bytes: number;
  };

/** A prediction whose `prediction` is nested far deeper than JSON.stringify can follow. */
function deepRaw(id: string): string {
  const depth = 20_000;
  return `{"id":"${id}","model_id":"churn-v2","prediction":${"[".repeat(depth)}${"]".repeat(depth)}}`;
}
const deepBatch = (ids: [string, string, string]) =>
  `{"batch_id":"deep","predictions":[${JSON.stringify(prediction(ids[0]))},${deepRaw(ids[1])},${JSON.stringify(prediction(ids[2]))}]}`;

/** One HTTP/1.1 exchange over a raw socket; resolves with everything the server sent. */
function rawExchange(url: string, text: string): Promise<string> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve, reject) => {
    const socket = connect(Number(port), hostname, () => socket.end(text));
    let received = "";
    socket.on("data", (chunk: Buffer) => (received += chunk.toString("latin1")));
    socket.on("end", () => resolve(received));
    socket.on("error", reject);
  });
}

describe("a batch with an event that cannot be serialized", () => {
  it("is answered 400 naming the event, stores nothing of it, and the retry without it is accepted in full", async () => {
    const file = join(tempDir(), "data.jsonl");
    const c = await start({ dataFile: file });
    await post(batchUrl(c), predictionBatch([prediction("keep")]));
    const res = await post(batchUrl(c), null, { raw: deepBatch(["a", "deep", "c"]) });
    expect(res.status).toBe(400);
    expect(await errorOf(res)).toMatch(/predictions\[1\].*serialize/);
    expect(c.store.predictions().map((p) => p.id)).toEqual(["keep"]);
    expect((await fetch(`${c.url}/v1/predictions`)).status).toBe(200);
    const retry = await post(batchUrl(c), predictionBatch([prediction("a"), prediction("c")]));
    expect(await retry.json()).toEqual({ accepted: 2, duplicates: 0 });
    await c.store.flushed();
    const lines = readFileSync(file, "utf8").trim().split("\n");
    expect(lines.map((l) => (JSON.parse(l) as { event: { id: string } }).event.id)).toEqual(["keep", "a", "c"]);
  });

  it("is refused in memory-only mode too, so the read routes keep answering", async () => {
    const c = await start();
    const res = await post(batchUrl(c), null, { raw: deepBatch(["a", "deep", "c"]) });
    expect(res.status).toBe(400);
    expect(c.store.predictions()).toHaveLength(0);
    const read = await fetch(`${c.url}/v1/predictions`);
    expect(read.status).toBe(200);
    expect(await read.json()).toEqual({ predictions: [] });
  });

  it("rejects a whole OTLP body when one span's features are too deep", async () => {
    const c = await start({ dataFile: join(tempDir(), "data.jsonl") });
    const attr = (key: string, value: string) => ({ key, value: { stringValue: value } });
    const span = (i: number, features: string) => ({
      name: "ml.prediction",
      traceId: `${i}`.padStart(32, "0"),
      spanId: `${i}`.padStart(16, "0"),
      endTimeUnixNano: "1700000000000000000",
      attributes: [attr("ml.model.name", "otlp-m"), attr("ml.prediction", "1"), attr("ml.features", features)],
    });
    const deep = `${"[".repeat(20_000)}${"]".repeat(20_000)}`;
    const body = { resourceSpans: [{ scopeSpans: [{ spans: [span(1, "{}"), span(2, deep)] }] }] };
    const res = await post(`${c.url}/v1/traces`, body);
    expect(res.status).toBe(400);
    expect(c.store.predictions()).toHaveLength(0);
  });
});

describe("fault options that would break the answer", () => {
  it("refuses a Retry-After that is not whole seconds or an HTTP date, from code and from POST /_faults", async () => {
    for (const bad of ["1\n2", "1.5", 1.5, -1, "soon", " 2", "Wed, 21 Oct 2015 07:28:00 GMT\r\nX-Evil: 1"]) {
      expect(() => validateFaults({ retryAfter: bad }), JSON.stringify(bad)).toThrow(/retryAfter/);
    }
    for (const good of [0, 2, "2", "Wed, 21 Oct 2015 07:28:00 GMT"]) expect(validateFaults({ retryAfter: good }).retryAfter).toBe(good);
    await expect(startCollector({ port: 0, faults: { retryAfter: "1\n2" } })).rejects.toThrow(TypeError);
    const c = await start();
    const res = await post(`${c.url}/_faults`, { failFirst: 1, retryAfter: "1\n2" });
    expect(res.status).toBe(400);
    expect(await errorOf(res)).toMatch(/retryAfter/);
    // The faults in force did not change: the batch goes through.
    expect((await post(batchUrl(c), predictionBatch([prediction("a")]))).status).toBe(200);
  });

  it("refuses a failFirst or dropFirst that is not a whole number", () => {
    expect(() => validateFaults({ failFirst: 1.5 })).toThrow(/failFirst must be a non-negative integer/);
    expect(() => validateFaults({ dropFirst: 0.5 })).toThrow(/dropFirst must be a non-negative integer/);
    expect(validateFaults({ failFirst: 2, dropFirst: 0 })).toEqual({ failFirst: 2, dropFirst: 0 });
  });

  it.each([204, 304])("sends a %i fault answer without a body", async (status) => {
    const c = await start({ faults: { errorRate: 1, status } });
    const body = JSON.stringify(predictionBatch([prediction("a")]));
    const { port } = new URL(c.url);
    const raw = await rawExchange(
      c.url,
      `POST /v1/predictions/batch HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
    );
    const [head = "", rest] = raw.split("\r\n\r\n");
    expect(head.split("\r\n")[0]).toBe(`HTTP/1.1 ${status} ${status === 204 ? "No Content" : "Not Modified"}`);
    expect(head.toLowerCase()).not.toMatch(/content-length: [1-9]/);
    expect(head.toLowerCase()).not.toMatch(/content-type/);
    expect(rest).toBe("");
  });
});

describe("counters keyed by client-chosen names", () => {
  it("counts model ids and drop reasons named like Object members", async () => {
    const c = await start();
    const names = ["constructor", "__proto__", "toString", "hasOwnProperty"];
    const raw = JSON.stringify(predictionBatch(names.map((m, i) => prediction(`p${i}`, m)))).replace(/}$/, ',"dropped":{"constructor":2,"__proto__":3}}');
    expect((await post(batchUrl(c), null, { raw })).status).toBe(200);
    const s = await stats(c);
    expect(s.predictions).toBe(4);
    expect(Object.entries(s.by_model).sort()).toEqual(names.map((m) => [m, 1]).sort());
    expect(Object.entries(s.client_dropped).sort()).toEqual([
      ["__proto__", 3],
      ["constructor", 2],
    ]);
    expect(Object.entries(c.store.counts()).sort()).toEqual(names.map((m) => [m, 1]).sort());
    expect(c.store.predictions({ modelId: "__proto__" }).map((p) => p.id)).toEqual(["p1"]);
  });
});

describe("control routes (/_faults, /_reset)", () => {
  it("refuse any request that carries an Origin, preflight included, without CORS headers", async () => {
    const c = await start();
    await post(batchUrl(c), predictionBatch([prediction("keep")]));
    const reset = await fetch(`${c.url}/_reset`, { method: "POST", headers: { origin: ORIGIN } });
    expect(reset.status).toBe(403);
    expect(reset.headers.get("access-control-allow-origin")).toBeNull();
    const faults = await post(`${c.url}/_faults`, { errorRate: 1 }, { headers: { origin: ORIGIN, "content-type": "text/plain" } });
    expect(faults.status).toBe(403);
    const preflight = await fetch(`${c.url}/_faults`, {
      method: "OPTIONS",
      headers: { origin: ORIGIN, "access-control-request-method": "POST" },
    });
    expect(preflight.status).toBe(403);
    expect(preflight.headers.get("access-control-allow-origin")).toBeNull();
    // Nothing happened: the data is there and batches are not faulted.
    expect(c.store.predictions().map((p) => p.id)).toEqual(["keep"]);
    expect((await post(batchUrl(c), predictionBatch([prediction("b")]))).status).toBe(200);
  });

  it("require a valid X-API-Key when the collector has keys", async () => {
    const c = await start({ apiKeys: ["secret"] });
    await post(batchUrl(c), predictionBatch([prediction("keep")]), { headers: { "x-api-key": "secret" } });
    expect((await fetch(`${c.url}/_reset`, { method: "POST" })).status).toBe(401);
    expect((await fetch(`${c.url}/_reset`, { method: "POST", headers: { "x-api-key": "nope" } })).status).toBe(401);
    expect((await post(`${c.url}/_faults`, { errorRate: 1 })).status).toBe(401);
    expect(c.store.predictions()).toHaveLength(1);
    expect((await post(`${c.url}/_faults`, { errorRate: 0 }, { headers: { "x-api-key": "secret" } })).status).toBe(200);
    expect((await fetch(`${c.url}/_reset`, { method: "POST", headers: { "x-api-key": "secret" } })).status).toBe(200);
    expect(c.store.predictions()).toHaveLength(0);
  });

  it("leave the batch routes' CORS working, without allowing credentials", async () => {
    const c = await start();
    const res = await post(batchUrl(c), predictionBatch([prediction("a")]), { headers: { origin: ORIGIN } });
    expect(res.status).toBe(200);
    expect(res.headers.get("access-control-allow-origin")).toBe(ORIGIN);
    expect(res.headers.get("access-control-allow-credentials")).toBeNull();
  });
});

describe("close()", () => {
  it("lets a request in progress finish, and cuts one that outlasts closeGraceMs", async () => {
    const c = await start({ faults: { latencyMs: 300 } });
    const pending = post(batchUrl(c), predictionBatch([prediction("in-flight")]));
    expect(await eventually(() => c.requests.length === 1)).toBe(true);
    await c.close();
    const res = await pending;
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ accepted: 1, duplicates: 0 });

    const slow = await start({ faults: { latencyMs: 10_000 }, closeGraceMs: 200 });
    const held = post(batchUrl(slow), predictionBatch([prediction("held")])).then(
      (r) => r.status,
      () => "cut",
    );
    expect(await eventually(() => slow.requests.length === 1)).toBe(true);
    await slow.close();
    expect(await held).toBe("cut"); // cut after the grace, not answered after the 10 s latency
  });

  it("does not wait for idle keep-alive connections", async () => {
    const c = await start();
    expect((await fetch(`${c.url}/health`)).status).toBe(200); // leaves a pooled keep-alive socket
    const started = performance.now();
    await c.close();
    expect(performance.now() - started).toBeLessThan(1000);
  });
});

describe("read routes", () => {
  it("treat an empty model_id or prediction_id as no filter", async () => {
    const c = await start();
    await post(batchUrl(c), predictionBatch([prediction("a", "m1"), prediction("b", "m2")]));
    await post(`${c.url}/v1/labels/batch`, { labels: [{ id: "l1", prediction_id: "a", label: 1 }] });
    const preds = (await (await fetch(`${c.url}/v1/predictions?model_id=`)).json()) as { predictions: Array<{ id: string }> };
    expect(preds.predictions.map((p) => p.id)).toEqual(["a", "b"]);
    const labels = (await (await fetch(`${c.url}/v1/labels?prediction_id=`)).json()) as { labels: Array<{ id: string }> };
    expect(labels.labels.map((l) => l.id)).toEqual(["l1"]);
  });

  it("answer HEAD like GET without a body, keys included", async () => {
    const c = await start({ apiKeys: ["secret"] });
    for (const path of ["/v1/predictions", "/v1/labels", "/v1/stats"]) {
      const res = await fetch(`${c.url}${path}`, { method: "HEAD", headers: { "x-api-key": "secret" } });
      expect(res.status, path).toBe(200);
      expect(res.headers.get("content-type")).toBe("application/json");
      expect(await res.text()).toBe("");
      expect((await fetch(`${c.url}${path}`, { method: "HEAD" })).status).toBe(401);
    }
  });
});

describe("wire bytes and check order", () => {
  it("counts the bytes of a chunked body and zeroes them on /_reset", async () => {
    const c = await start();
    const text = JSON.stringify(predictionBatch([prediction("a"), prediction("b")]));
    const status = await new Promise<number | undefined>((resolve, reject) => {
      const req = request(batchUrl(c), { method: "POST", headers: { "content-type": "application/json" } }, (res) => {
        res.resume();
        res.on("end", () => resolve(res.statusCode));
      });
      req.on("error", reject);
      // No Content-Length: Node sends the body chunked.
      req.write(text.slice(0, 50));
      req.end(text.slice(50));
    });
    expect(status).toBe(200);
    expect(c.requests[0]?.headers["transfer-encoding"]).toBe("chunked");
    expect((await stats(c)).wire_bytes).toBe(Buffer.byteLength(text));
    await fetch(`${c.url}/_reset`, { method: "POST" });
    expect((await stats(c)).wire_bytes).toBe(0);
  });

  it("answers 401 before looking at the body when the client has no key", async () => {
    const c = await start({ apiKeys: ["secret"] });
    const invalidJson = await post(batchUrl(c), null, { raw: '{"predictions": [' });
    expect(invalidJson.status).toBe(401);
    const badShape = await post(batchUrl(c), { batch_id: "x" });
    expect(badShape.status).toBe(401);
    const badEvent = await post(batchUrl(c), predictionBatch([{ id: "x" }]));
    expect(badEvent.status).toBe(401);
    // With a key, the body's problem is reported.
    expect((await post(batchUrl(c), null, { raw: '{"predictions": [', headers: { "x-api-key": "secret" } })).status).toBe(400);
    expect((await post(batchUrl(c), { batch_id: "x", api_key: "secret" })).status).toBe(400);
  });
});
