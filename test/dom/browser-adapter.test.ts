import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from "vitest";
import { AitherClient } from "../../adapters/browser.ts";
import { type Collector, features, hidePage, showPage, startCollector, storedIds, until } from "./helpers.ts";

let collector: Collector;
const clients: AitherClient[] = [];

function client(options: ConstructorParameters<typeof AitherClient>[0] = {}): AitherClient {
  const c = new AitherClient({ endpoint: collector.url, flushInterval: 60_000, onError: () => {}, ...options });
  clients.push(c);
  return c;
}

function log(c: AitherClient, n: number, modelId = "m"): string[] {
  return Array.from({ length: n }, (_, i) => c.logPrediction({ modelId, prediction: i / n, features: features(i) }));
}

beforeAll(async () => {
  collector = await startCollector({ port: 0 });
});
afterAll(async () => {
  await collector.close();
});
beforeEach(async () => {
  await collector.store.reset();
  collector.requests.length = 0;
  localStorage.clear();
  showPage();
});
afterEach(async () => {
  vi.restoreAllMocks();
  vi.unstubAllGlobals();
  // Hide-path requests of a test must land before the next test resets the collector.
  await Promise.all(clients.splice(0).map((c) => c.close({ timeoutMs: 2000 })));
});

describe("browser adapter: page lifecycle", () => {
  it("hands the queue to the browser when the page becomes hidden", async () => {
    const c = client();
    const ids = log(c, 20);
    hidePage();
    expect(c.stats().queued).toBe(0);
    await until(() => storedIds(collector).length === 20, "20 predictions");
    expect(storedIds(collector).sort()).toEqual([...ids].sort());
    const post = collector.requests.find((r) => r.method === "POST");
    expect(post?.headers["content-type"]).toMatch(/^text\/plain/);
    expect(post?.headers["content-encoding"]).toBeUndefined();
  });

  it("does nothing on visibilitychange while the page stays visible", async () => {
    const c = client();
    log(c, 5);
    document.dispatchEvent(new Event("visibilitychange"));
    expect(c.stats().queued).toBe(5);
  });

  it("hands the queue over on pagehide, and the second unload handler finds it empty", async () => {
    const c = client();
    const beacon = vi.spyOn(navigator, "sendBeacon");
    const fetched = vi.spyOn(globalThis, "fetch"); // calls through to happy-dom's fetch
    const ids = log(c, 30);
    // The hand-off is synchronous: the request has started when the event handler returns.
    window.dispatchEvent(new Event("pagehide"));
    expect(fetched).toHaveBeenCalledTimes(1);
    expect(fetched.mock.calls[0]?.[1]).toMatchObject({ method: "POST", keepalive: true });
    hidePage(); // a real unload fires both; the second must find nothing to send
    expect(fetched).toHaveBeenCalledTimes(1);
    expect(beacon).not.toHaveBeenCalled(); // 30 small events fit the keepalive budget
    await until(() => storedIds(collector).length === 30, "30 predictions");
    expect(storedIds(collector).sort()).toEqual([...ids].sort());
    await fetched.mock.results[0]?.value; // the answer is in: nothing is left to resend
    expect(fetched).toHaveBeenCalledTimes(1);
    expect(collector.requests.filter((r) => r.method === "POST")).toHaveLength(1);
    expect(collector.store.duplicates()).toBe(0);
  });

  it("counts events confirmed by a keepalive answer as sent", async () => {
    const c = client();
    log(c, 10);
    hidePage();
    expect(JSON.parse(localStorage.getItem("aither:carry-over") ?? "[]")).toHaveLength(1); // written before the hand-off
    await until(() => c.stats().sent === 10, "stats().sent to reach 10");
    expect(localStorage.getItem("aither:carry-over")).toBeNull(); // confirmed entries leave storage
  });

  it("flushes when the browser comes back online", async () => {
    const c = client();
    const ids = log(c, 12);
    window.dispatchEvent(new Event("online"));
    await until(() => storedIds(collector).length === 12, "12 predictions");
    expect(storedIds(collector).sort()).toEqual([...ids].sort());
    // The normal path: JSON with the SDK header naming the runtime.
    const post = collector.requests.find((r) => r.method === "POST");
    expect(post?.headers["content-type"]).toBe("application/json");
    expect(post?.headers["x-aither-sdk"]).toMatch(/\(browser\)$/);
  });

  it("gzips batches of the timer path", async () => {
    vi.useFakeTimers({ toFake: ["setInterval"] });
    const c = client({ flushInterval: 50 });
    log(c, 50);
    await vi.advanceTimersByTimeAsync(60);
    vi.useRealTimers();
    await until(() => storedIds(collector).length === 50, "50 predictions");
    const post = collector.requests.find((r) => r.method === "POST");
    expect(post?.headers["content-encoding"]).toBe("gzip");
  });

  it("removes every page listener it added when closed", async () => {
    const targets = { document, window } as const;
    const spies = Object.entries(targets).map(([name, target]) => ({
      name,
      add: vi.spyOn(target, "addEventListener"),
      remove: vi.spyOn(target, "removeEventListener"),
    }));
    // [target, type, listener] of each call, to compare what was added with what was removed.
    const calls = (kind: "add" | "remove") => spies.flatMap((s) => s[kind].mock.calls.map(([type, listener]) => [s.name, type, listener] as const));
    const c = client();
    const added = calls("add");
    expect(added.map(([target, type]) => `${target}:${type}`).sort()).toEqual(["document:visibilitychange", "window:online", "window:pagehide"]);
    expect(calls("remove")).toEqual([]);
    await c.close();
    expect(new Set(calls("remove"))).toEqual(new Set(added));
    expect(calls("add")).toEqual(added); // close() added nothing
  });
});

describe("browser adapter in a Web Worker (no document, no window, no localStorage)", () => {
  it("loads, flushes by timer and on request, and ignores page events", async () => {
    vi.stubGlobal("document", undefined);
    vi.stubGlobal("localStorage", undefined);
    vi.resetModules();
    const worker = await import("../../adapters/browser.ts");
    const c = new worker.AitherClient({ endpoint: collector.url, flushInterval: 100, onError: () => {} });
    clients.push(c);
    const ids = Array.from({ length: 5 }, (_, i) => c.logPrediction({ modelId: "w", prediction: i }));
    window.dispatchEvent(new Event("pagehide")); // no page lifecycle in a worker: nothing handed off
    expect(c.stats().queued).toBe(5);
    await until(() => storedIds(collector).length === 5, "the timer flush");
    expect(storedIds(collector).sort()).toEqual([...ids].sort());
    const more = c.logPrediction({ modelId: "w", prediction: 9 });
    const result = await c.flush();
    expect(result).toMatchObject({ ok: true, sent: 1, pending: 0 });
    expect(storedIds(collector)).toContain(more);
  });
});
