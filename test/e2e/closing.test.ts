// flush() and close() at their edges: the deadline bounds a request in flight, what is still in
// flight when close() returns is accounted for, misuse throws synchronously, a batch that went
// back to the queue keeps its batch_id, and the module-level client stays closed.
import { afterEach, describe, expect, it, vi } from "vitest";
import * as aither from "../../adapters/node.ts";
import { eventually, storedIds } from "../helpers/collector.ts";
import { logMany, useTestBed } from "./helpers.ts";

const { collector, client } = useTestBed();
afterEach(() => {
  vi.restoreAllMocks();
});

describe("the flush deadline", () => {
  it("bounds a request in flight: flush returns at its timeoutMs with the event pending, and it arrives later", async () => {
    const c = await collector({ faults: { latencyMs: 2500 } });
    const sdk = client(c, { timeout: 10_000 });
    const [id] = logMany(sdk, 1);
    const result = await sdk.flush({ timeoutMs: 300 });
    // Returned while the 2.5 s answer is still held: the deadline bounded it.
    expect(c.requests[0]?.status).toBe(0);
    expect(result).toEqual({ ok: false, sent: 0, dropped: 0, pending: 1 });
    expect(sdk.stats().inFlight).toBe(1);
    expect(await eventually(() => storedIds(c).includes(id as string))).toBe(true);
    expect(await eventually(() => sdk.stats().sent === 1)).toBe(true);
  });

  it("close() drops a batch still in flight that then fails as shutdown_timeout, through onDrop", async () => {
    const c = await collector({ faults: { latencyMs: 800, errorRate: 1, status: 503 } });
    const sdk = client(c);
    logMany(sdk, 3);
    const result = await sdk.close({ timeoutMs: 200 });
    expect(result).toMatchObject({ ok: false, dropped: 0, pending: 3 });
    expect(await eventually(() => sdk.stats().droppedByReason.shutdown_timeout === 3)).toBe(true);
    expect(sdk.stats()).toMatchObject({ queued: 0, inFlight: 0, dropped: 3 });
    expect(sdk.drops.map(([events, reason]) => [events.length, reason])).toEqual([[3, "shutdown_timeout"]]);
    expect(sdk.errors.some((e) => /close\(\) ended/.test(e.message))).toBe(true);
  });
});

describe("misuse of flush() and close()", () => {
  it("throws synchronously for a bad timeoutMs, and close() then still works", async () => {
    const c = await collector();
    const sdk = client(c);
    expect(() => sdk.flush({ timeoutMs: -1 })).toThrow(/^timeoutMs must be a non-negative number/);
    expect(() => sdk.close({ timeoutMs: Number.NaN })).toThrow(/^timeoutMs/);
    expect(sdk.closed).toBe(false);
    logMany(sdk, 2);
    expect(await sdk.close()).toMatchObject({ ok: true, sent: 2 });
  });
});

describe("retries across flushes", () => {
  it("a batch that went back to the queue after maxRetries is sent again under the same batch_id", async () => {
    const c = await collector({ faults: { errorRate: 1, status: 503 } });
    const sdk = client(c, { maxRetries: 0, flushInterval: 50 });
    const ids = logMany(sdk, 5);
    // The background pass fails once and gives the batch back (maxRetries 0).
    expect(await eventually(() => c.requests.length >= 1 && sdk.stats().queued === 5)).toBe(true);
    c.setFaults({});
    expect(await sdk.flush()).toMatchObject({ ok: true, sent: 5 });
    expect(storedIds(c)).toEqual(ids);
    const keys = new Set(c.requests.map((r) => r.headers["idempotency-key"]));
    expect(c.requests.length).toBeGreaterThan(1);
    expect(keys.size).toBe(1);
  });
});

describe("beforeSend returning null", () => {
  it("drops the event as filtered through onDrop without reporting an error", async () => {
    const c = await collector();
    const sdk = client(c, { beforeSend: (event) => ((event as { model_id?: string }).model_id === "secret" ? null : event) });
    sdk.logPrediction({ modelId: "secret", prediction: 1 });
    const [kept] = logMany(sdk, 1);
    expect(await sdk.flush()).toMatchObject({ sent: 1, dropped: 1 });
    expect(storedIds(c)).toEqual([kept]);
    expect(sdk.drops.map(([, reason]) => reason)).toEqual(["filtered"]);
    expect(sdk.errors).toEqual([]);
  });
});

describe("the module-level client after close()", () => {
  it("stays closed: logging drops as closed with one warning, until init() makes a new client", async () => {
    const c = await collector();
    const drops: string[] = [];
    aither.init({ endpoint: c.url, flushInterval: 60_000, onDrop: (_events, reason) => drops.push(reason) });
    await aither.close();
    const warn = vi.spyOn(console, "warn").mockImplementation(() => {});
    aither.logPrediction({ modelId: "m", prediction: 1 });
    aither.logPrediction({ modelId: "m", prediction: 2 });
    expect(drops).toEqual(["closed"]); // reported in aggregate: the first at once, the rest later
    expect(warn).toHaveBeenCalledTimes(1);
    expect(String(warn.mock.calls[0]?.[0])).toMatch(/after close\(\).*closed/);
    aither.init({ endpoint: c.url, flushInterval: 60_000 });
    const id = aither.logPrediction({ modelId: "m", prediction: 3 });
    expect(await aither.close()).toMatchObject({ ok: true, sent: 1 });
    expect(storedIds(c)).toEqual([id]);
  });
});
