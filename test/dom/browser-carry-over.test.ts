import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from "vitest";
import { CARRY_OVER_KEY, createCarryOver } from "../../adapters/browser-carry-over.ts";
import type { EncodedBody } from "../../src/runtime.ts";
import { type Collector, features, hidePage, showPage, startCollector, storedIds, until } from "./helpers.ts";

type Entry = typeof import("../../adapters/browser.ts");
let collector: Collector;
const clients: { close(o?: { timeoutMs?: number }): Promise<unknown> }[] = [];

/** A fresh copy of the browser entry: what a new page load gets. */
async function loadPage(): Promise<Entry> {
  vi.resetModules();
  return import("../../adapters/browser.ts");
}

function stored(): { id: string; body: string }[] {
  return JSON.parse(localStorage.getItem(CARRY_OVER_KEY) ?? "[]") as { id: string; body: string }[];
}

function idsIn(entries: { body: string }[]): string[] {
  return entries.flatMap((e) => (JSON.parse(e.body) as { predictions: { id: string }[] }).predictions.map((p) => p.id));
}

// happy-dom's Storage is a Proxy that ignores assignments to its methods, so vi.restoreAllMocks
// cannot put setItem back: stub and restore it with defineProperty.
const realSetItem = localStorage.setItem.bind(localStorage);
function stubSetItem(impl: (key: string, value: string) => void): void {
  Object.defineProperty(localStorage, "setItem", { configurable: true, writable: true, value: impl });
}

function body(id: string, bytes: number): EncodedBody {
  return { kind: "prediction", url: "http://127.0.0.1:9/v1/predictions/batch", body: "x".repeat(bytes), bytes, count: 1, batchId: id };
}

beforeAll(async () => {
  collector = await startCollector({ port: 0 });
});
afterAll(async () => {
  await collector.close();
});
beforeEach(async () => {
  localStorage.clear();
  showPage();
});
afterEach(async () => {
  vi.restoreAllMocks();
  stubSetItem(realSetItem);
  await Promise.all(clients.splice(0).map((c) => c.close({ timeoutMs: 500 })));
});

describe("carry-over in localStorage", () => {
  it("writes the taken queue before the hand-off, and the next page load sends what no answer confirmed", async () => {
    // This test's own collector, down while the page closes: it drops every connection unanswered.
    const down = await startCollector({ port: 0, faults: { dropConnectionRate: 1 } });
    clients.push(down);
    // Chromium's beacon refuses bodies past the spent 64 KiB budget; happy-dom's would post
    // anyway and leave an unhandled rejection (RUNTIMES.md section 9).
    vi.spyOn(navigator, "sendBeacon").mockReturnValue(false);
    const fetched = vi.spyOn(globalThis, "fetch"); // calls through to happy-dom's fetch
    const page1 = await loadPage();
    const c1 = new page1.AitherClient({ endpoint: down.url, flushInterval: 60_000, batchSize: 10_000, onError: () => {} });
    clients.push(c1);
    // One macrotask: the load-time resend of page 1 (a 0 ms timer) has run and found nothing.
    await new Promise((resolve) => setTimeout(resolve, 0));
    const ids = Array.from({ length: 300 }, (_, i) => c1.logPrediction({ modelId: "carry", prediction: i, features: features(i) }));
    window.dispatchEvent(new Event("pagehide"));
    expect(idsIn(stored()).sort()).toEqual([...ids].sort()); // everything, before any answer
    // The keepalive fetch of the hand-off fails (connection dropped): nothing is confirmed.
    expect(fetched).toHaveBeenCalledTimes(1);
    const [outcome] = await Promise.allSettled([fetched.mock.results[0]?.value]);
    expect(outcome?.status).toBe("rejected");
    await new Promise((resolve) => setTimeout(resolve, 0)); // one macrotask: the failure's handlers (microtasks) have run
    expect(idsIn(stored()).sort()).toEqual([...ids].sort());
    expect(fetched).toHaveBeenCalledTimes(1); // page 1 does not resend before its next load
    expect(down.store.predictions()).toHaveLength(0);
    expect(down.requests.map((r) => r.status)).toEqual([0]); // it arrived, and was dropped unanswered

    down.setFaults({}); // the collector is back
    const page2 = await loadPage();
    clients.push(new page2.AitherClient({ endpoint: down.url, onError: () => {} }));
    await until(() => storedIds(down, "carry").length === 300, "300 carried-over predictions");
    expect(storedIds(down, "carry").sort()).toEqual([...ids].sort());
    const posts = down.requests.filter((r) => r.method === "POST");
    expect(posts.every((r) => /^text\/plain/.test(String(r.headers["content-type"])))).toBe(true);
    await until(() => localStorage.getItem(CARRY_OVER_KEY) === null, "each entry to leave storage on its 2xx");
  });

  it("gives the queue back when localStorage throws and the browser takes nothing", async () => {
    const page = await loadPage();
    stubSetItem(() => {
      throw new DOMException("quota", "QuotaExceededError");
    });
    vi.spyOn(navigator, "sendBeacon").mockReturnValue(false);
    const c = new page.AitherClient({ endpoint: collector.url, flushInterval: 60_000, batchSize: 10_000, onError: () => {} });
    clients.push(c);
    for (let i = 0; i < 400; i++) c.logPrediction({ modelId: "nostore", prediction: i, features: features(i) });
    hidePage();
    // The first ~64 KiB went out by keepalive; what the browser refused is back in the queue.
    expect(c.stats().queued).toBeGreaterThan(0);
    expect(c.stats().queued).toBeLessThan(400);
    const result = await c.flush({ timeoutMs: 3000 });
    expect(result.pending).toBe(0);
    await until(() => storedIds(collector, "nostore").length === 400, "400 predictions");
  });

  it("survives a localStorage getter that throws (blocked storage)", async () => {
    const page = await loadPage();
    const original = Object.getOwnPropertyDescriptor(globalThis, "localStorage");
    Object.defineProperty(globalThis, "localStorage", {
      configurable: true,
      get() {
        throw new DOMException("denied", "SecurityError");
      },
    });
    try {
      const c = new page.AitherClient({ endpoint: collector.url, flushInterval: 60_000, onError: () => {} });
      clients.push(c);
      const ids = Array.from({ length: 10 }, (_, i) => c.logPrediction({ modelId: "blocked", prediction: i }));
      expect(() => hidePage()).not.toThrow();
      await until(() => storedIds(collector, "blocked").length === 10, "10 predictions");
      expect(storedIds(collector, "blocked").sort()).toEqual([...ids].sort());
    } finally {
      if (original) Object.defineProperty(globalThis, "localStorage", original);
    }
  });

  it("is bounded: past maxBytes the oldest entries are dropped", () => {
    const discarded: string[] = [];
    const carry = createCarryOver(2500, (e) => discarded.push(e.id));
    expect([...carry.save([body("a", 1000), body("b", 1000)])]).toEqual(["a", "b"]);
    expect([...carry.save([body("c", 1000)])]).toEqual(["c"]);
    expect(carry.list().map((e) => e.id)).toEqual(["b", "c"]);
    expect(discarded).toEqual(["a"]);
    carry.remove("b");
    expect(carry.list().map((e) => e.id)).toEqual(["c"]);
  });

  it("keeps the newest entries that fit when localStorage is nearly full", () => {
    stubSetItem((key, value) => {
      if (value.length > 2500) throw new DOMException("quota", "QuotaExceededError");
      realSetItem(key, value);
    });
    const carry = createCarryOver();
    const kept = carry.save([body("old", 1000), body("mid", 1000), body("new", 1000)]);
    expect([...kept]).toEqual(["mid", "new"]);
    expect(carry.list().map((e) => e.id)).toEqual(["mid", "new"]);
  });

  it("ignores a corrupt or foreign value under its key", () => {
    localStorage.setItem(CARRY_OVER_KEY, "{not json");
    expect(createCarryOver().list()).toEqual([]);
    localStorage.setItem(CARRY_OVER_KEY, JSON.stringify([{ id: 1 }, "x"]));
    expect(createCarryOver().list()).toEqual([]);
  });
});
