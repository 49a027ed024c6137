// A request the timer sent without keepalive (its body is over the page's 64 KiB budget) dies
// with the page. When the page is hidden, a copy of it goes to the carry-over until the request
// settles: removed when it does, sent by the next page load when the page died first.
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { CARRY_OVER_KEY } from "../../adapters/browser-carry-over.ts";
import { type Collector, features, hidePage, showPage, startCollector, storedIds, until } from "./helpers.ts";

type Entry = typeof import("../../adapters/browser.ts");
type Client = InstanceType<Entry["AitherClient"]>;
const open: { close(options?: { timeoutMs: number }): Promise<unknown> }[] = [];

/** A fresh copy of the browser entry: what a new page load gets (page-wide state starts over). */
async function loadPage(): Promise<Entry> {
  vi.resetModules();
  return import("../../adapters/browser.ts");
}

async function collectorWith(options: Parameters<typeof startCollector>[0]): Promise<Collector> {
  const c = await startCollector({ port: 0, ...options });
  open.push(c);
  return c;
}

async function pageClient(c: Collector): Promise<Client> {
  const page = await loadPage();
  // No compression: 300 events with features make a body of about 100 KB, over the keepalive budget.
  const client = new page.AitherClient({ endpoint: c.url, flushInterval: 60_000, batchSize: 10_000, compression: "none", onError: () => {} });
  open.unshift(client); // closed before the collectors
  return client;
}

function logMany(client: Client, n: number, modelId: string): string[] {
  return Array.from({ length: n }, (_, i) => client.logPrediction({ modelId, prediction: i, features: features(i) }));
}

function idsInStorage(): string[] {
  const entries = JSON.parse(localStorage.getItem(CARRY_OVER_KEY) ?? "[]") as { body: string }[];
  return entries.flatMap((e) => (JSON.parse(e.body) as { predictions: { id: string }[] }).predictions.map((p) => p.id));
}

beforeEach(() => {
  localStorage.clear();
  showPage();
});
afterEach(async () => {
  for (const x of open.splice(0)) await x.close({ timeoutMs: 200 }); // a held request is not waited for
  vi.restoreAllMocks();
});

describe("requests in flight without keepalive when the page is hidden", () => {
  it("are copied to the carry-over until they settle, then the copy is removed", async () => {
    const c = await collectorWith({ faults: { latencyMs: 600 } });
    const client = await pageClient(c);
    const ids = logMany(client, 300, "in-flight");
    const flushed = client.flush();
    await until(() => c.requests.length === 1, "the batch request to arrive");
    expect(client.stats()).toMatchObject({ queued: 0, inFlight: 300 });
    hidePage();
    expect(idsInStorage().sort()).toEqual([...ids].sort());
    expect(await flushed).toMatchObject({ ok: true, sent: 300 });
    expect(localStorage.getItem(CARRY_OVER_KEY)).toBeNull();
    expect(storedIds(c, "in-flight")).toHaveLength(300);
  });

  it("are delivered by the next page load when the page dies before the answer", async () => {
    // The first request is held for good, as if lost with the page.
    const c = await collectorWith({ faults: { latencyMs: 60_000 }, closeGraceMs: 0 });
    const first = await pageClient(c);
    const ids = logMany(first, 300, "died");
    void first.flush({ timeoutMs: 100 });
    await until(() => c.requests.length === 1, "the batch request to arrive");
    hidePage();
    expect(idsInStorage()).toHaveLength(300);
    c.setFaults({}); // later requests are answered at once
    showPage();
    await pageClient(c); // the next page load sends the carry-over at once
    await until(() => storedIds(c, "died").length === 300, "the copy to arrive from the next page");
    expect(storedIds(c, "died").sort()).toEqual([...ids].sort());
    expect(c.requests[0]?.status).toBe(0); // the original is still unanswered: the copy delivered them
    // Same batch_id as the original request: the server can tell the two apart from a new batch.
    expect(c.requests[1]).toMatchObject({ status: 200, events: 300, batchId: c.requests[0]?.headers["idempotency-key"] });
  });

  it("a batch sleeping out a backoff is taken back, handed off and stored, not left in memory", async () => {
    // Retry-After keeps the batch asleep for 30 s: the hide below cannot race its next try.
    const c = await collectorWith({ faults: { errorRate: 1, status: 503, retryAfter: 30 } });
    const page = await loadPage();
    const client = new page.AitherClient({ endpoint: c.url, flushInterval: 20, maxRetries: 50, onError: () => {} });
    open.unshift(client);
    const ids = Array.from({ length: 50 }, (_, i) => client.logPrediction({ modelId: "sleeping", prediction: i }));
    // The client counts the retry when it has read the 503 and starts to sleep (the collector
    // records the 503 earlier: on a busy machine the answer may still be on its way then).
    await until(() => client.stats().retries > 0, "the background batch to sleep out its backoff");
    expect(client.stats()).toMatchObject({ queued: 0, inFlight: 50 }); // in memory, between two tries
    c.setFaults({});
    hidePage();
    expect(idsInStorage().sort()).toEqual([...ids].sort());
    await until(() => storedIds(c, "sleeping").length === 50, "the hand-off to arrive");
    await until(() => localStorage.getItem(CARRY_OVER_KEY) === null, "the stored copy to be confirmed");
  });

  it("the halves of a batch answered 413 wait in the queue, where a page being hidden finds them", async () => {
    const c = await collectorWith({ maxBodyBytes: 30_000, faults: { latencyMs: 100 } });
    const client = await pageClient(c);
    // About 50 KB: sent with keepalive (so not guarded), answered 413, then sent as two halves.
    const ids = logMany(client, 150, "split");
    void client.flush();
    await until(() => c.requests.length === 2, "the first half to go out after the 413");
    hidePage();
    // The first half is in flight with keepalive (it outlives the page); the second is stored.
    expect(idsInStorage().length).toBeGreaterThanOrEqual(75);
    await until(() => storedIds(c, "split").length === 150, "every event, in smaller bodies");
    expect(storedIds(c, "split").sort()).toEqual([...ids].sort());
  });
});
