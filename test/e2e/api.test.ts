import { afterEach, describe, expect, it, vi } from "vitest";
import { AitherClient, AitherValidationError } from "../../src/index.ts";
import * as aither from "../../src/index.ts";
import { eventually, storedIds } from "../helpers/collector.ts";
import { logMany, useTestBed } from "./helpers.ts";

const { collector, client, track } = useTestBed();
afterEach(async () => {
  await aither.close({ timeoutMs: 500 });
  vi.unstubAllEnvs();
  vi.restoreAllMocks();
});

describe("module-level API", () => {
  it("init, logPrediction, logLabel, flush and close work on one global client", async () => {
    const c = await collector();
    const made = aither.init({ endpoint: c.url, flushInterval: 60_000 });
    expect(aither.getClient()).toBe(made);
    const id = aither.logPrediction({ modelId: "churn-classifier-v2", prediction: 0.73, features: { tenure: 24 } });
    aither.logLabel({ predictionId: id, label: 1 });
    expect(await aither.flush()).toMatchObject({ ok: true, sent: 2 });
    expect(storedIds(c)).toEqual([id]);
    expect(c.store.labels()[0]).toMatchObject({ prediction_id: id, label: 1 });
    await aither.close();
    expect(made.closed).toBe(true);
  });

  it("logPrediction before init creates the global client from AITHER_ENDPOINT / AITHER_API_KEY", async () => {
    const c = await collector({ apiKeys: ["ak_env"] });
    vi.stubEnv("AITHER_ENDPOINT", c.url);
    vi.stubEnv("AITHER_API_KEY", "ak_env");
    // A fresh module: the shared one's global client was closed by an earlier test, and stays so.
    vi.resetModules();
    const fresh = await import("../../src/index.ts");
    const id = fresh.logPrediction({ modelId: "m", prediction: 1 });
    await fresh.close();
    expect(storedIds(c)).toEqual([id]);
    expect(c.requests[0]?.headers["x-api-key"]).toBe("ak_env");
  });

  it("init called again flushes the previous client", async () => {
    const c = await collector();
    aither.init({ endpoint: c.url, flushInterval: 60_000 });
    const first = aither.logPrediction({ modelId: "m", prediction: 1 });
    const second = aither.init({ endpoint: c.url, flushInterval: 60_000 });
    expect(await eventually(() => storedIds(c).includes(first))).toBe(true);
    expect(aither.getClient()).toBe(second);
  });
});

describe("client modes", () => {
  it("is disabled with no apiKey and the default endpoint: returns ids, queues nothing, warns once about AITHER_API_KEY", () => {
    vi.stubEnv("AITHER_API_KEY", "");
    vi.stubEnv("AITHER_ENDPOINT", "");
    const warn = vi.spyOn(console, "warn").mockImplementation(() => {});
    const sdk = new AitherClient({});
    track(sdk);
    const id = sdk.logPrediction({ modelId: "m", prediction: 1 });
    expect(id).toMatch(/^[0-9a-f-]{36}$/);
    expect(sdk.stats().queued).toBe(0);
    expect(warn).toHaveBeenCalledTimes(1);
    expect(String(warn.mock.calls[0]?.[0])).toMatch(/^\[aither\] .*AITHER_API_KEY/);
  });

  it("works with an explicit endpoint and no key (a local collector)", async () => {
    const c = await collector();
    const sdk = client(c, { apiKey: undefined });
    sdk.logPrediction({ modelId: "m", prediction: 1 });
    await sdk.flush();
    expect(storedIds(c)).toHaveLength(1);
    expect(c.requests[0]?.headers["x-api-key"]).toBeUndefined();
  });

  it("sends one request per call with enableBackground: false", async () => {
    const c = await collector();
    const sdk = client(c, { enableBackground: false });
    sdk.logPrediction({ modelId: "m", prediction: 1 });
    expect(await eventually(() => c.requests.length === 1)).toBe(true);
    sdk.logPrediction({ modelId: "m", prediction: 2 });
    expect(await eventually(() => c.requests.length === 2)).toBe(true);
    expect(c.requests.map((r) => r.events)).toEqual([1, 1]);
  });

  it("keeps a sampleRate share of predictions and counts the rest (labels are never sampled)", async () => {
    const c = await collector();
    const none = client(c, { sampleRate: 0 });
    logMany(none, 20);
    none.logLabel({ predictionId: "p", label: 0 });
    expect(none.stats()).toMatchObject({ sampled: 20, queued: 1 });
    const half = client(c, { sampleRate: 0.5 });
    logMany(half, 2000);
    const { sampled, queued } = half.stats();
    expect(sampled + queued).toBe(2000);
    expect(sampled).toBeGreaterThan(800);
    expect(sampled).toBeLessThan(1200);
  });

  it("drops events logged after close() with reason closed, warns once, and reports them in aggregate", async () => {
    const c = await collector();
    const warn = vi.spyOn(console, "warn").mockImplementation(() => {});
    const sdk = new AitherClient({ endpoint: c.url, flushInterval: 200, onDrop: (events, reason, count) => dropped.push([events.length, reason, count]) });
    const dropped: [number, string, number][] = [];
    await sdk.close();
    sdk.logPrediction({ modelId: "m", prediction: 1 });
    sdk.logPrediction({ modelId: "m", prediction: 2 });
    sdk.logPrediction({ modelId: "m", prediction: 3 });
    expect(dropped).toEqual([[1, "closed", 1]]); // the first at once, the rest at the end of the interval
    expect(await eventually(() => dropped.length === 2)).toBe(true);
    expect(dropped[1]).toEqual([2, "closed", 2]);
    expect(sdk.stats().droppedByReason).toEqual({ closed: 3 });
    expect(warn).toHaveBeenCalledTimes(1);
  });
});

describe("hooks and transport options", () => {
  it("beforeSend redacts what is sent, and null filters", async () => {
    const c = await collector();
    const sdk = client(c, {
      beforeSend: (event) => {
        if ("model_id" in event && event.model_id === "secret") return null;
        return { ...event, metadata: { ...event.metadata, email: "[redacted]" } };
      },
    });
    const kept = sdk.logPrediction({ modelId: "m", prediction: 1, metadata: { email: "a@b.c", plan: "pro" } });
    sdk.logPrediction({ modelId: "secret", prediction: 1 });
    await sdk.flush();
    expect(storedIds(c)).toEqual([kept]);
    expect(c.store.predictions()[0]?.metadata).toEqual({ email: "[redacted]", plan: "pro" });
    expect(sdk.stats().droppedByReason).toEqual({ filtered: 1 });
  });

  it("uses a custom fetch, extra headers and registers every send with waitUntil", async () => {
    const c = await collector();
    const calls: string[] = [];
    const waited: Promise<unknown>[] = [];
    const sdk = client(c, {
      fetch: (url, init) => {
        calls.push(url);
        return fetch(url, init);
      },
      headers: { "X-Team": "ml" },
      waitUntil: (p) => waited.push(p),
      batchSize: 2,
    });
    logMany(sdk, 3);
    await sdk.flush();
    expect(calls).toEqual([`${c.url}/v1/predictions/batch`, `${c.url}/v1/predictions/batch`]);
    expect(c.requests.every((r) => r.headers["x-team"] === "ml")).toBe(true);
    expect(waited.length).toBeGreaterThanOrEqual(calls.length + 1); // each request, and the pass around them
    // waitUntil promises never reject; what they resolve to is unspecified (a request's outcome, or nothing).
    await expect(Promise.all(waited)).resolves.toHaveLength(waited.length);
  });

  it("logs every flush and response with debug: true", async () => {
    const c = await collector();
    const log = vi.spyOn(console, "log").mockImplementation(() => {});
    const sdk = client(c, { debug: true });
    sdk.logPrediction({ modelId: "m", prediction: 1 });
    await sdk.flush();
    expect(log.mock.calls.map((x) => String(x[0])).join("\n")).toMatch(/\[aither\] POST prediction batch .*1 events.*-> ok 200/);
  });

  it("times out a request that gets no answer and retries it", async () => {
    const c = await collector({ faults: { latencyMs: 400 } });
    const sdk = client(c, { timeout: 100 });
    sdk.logPrediction({ modelId: "m", prediction: 1 });
    const result = await sdk.flush({ timeoutMs: 1500 });
    expect(result.ok).toBe(false);
    expect(sdk.stats().retries).toBeGreaterThan(0);
    // Reported when the last try ends, which may be after flush returned at its deadline.
    expect(await eventually(() => sdk.errors.some((e) => e.code === "timeout" && /no answer within 100 ms/.test(e.message)))).toBe(true);
  });
});

describe("validation does not depend on sampling", () => {
  it("throws for a bad timestamp even when the call is sampled out or the client is disabled", async () => {
    const c = await collector();
    const sampledOut = client(c, { sampleRate: 0 });
    expect(() => sampledOut.logPrediction({ modelId: "m", prediction: 1, timestamp: "not a date" })).toThrow(/^timestamp must be a valid Date/);
    expect(() => sampledOut.logLabel({ predictionId: "p", label: 1, timestamp: Number.NaN })).toThrow(/^timestamp must be a valid Date/);
    vi.stubEnv("AITHER_API_KEY", "");
    vi.stubEnv("AITHER_ENDPOINT", "");
    vi.spyOn(console, "warn").mockImplementation(() => {});
    const disabled = new AitherClient({});
    track(disabled);
    expect(() => disabled.logPrediction({ modelId: "m", prediction: 1, timestamp: new Date(Number.NaN) })).toThrow(AitherValidationError);
  });
});
