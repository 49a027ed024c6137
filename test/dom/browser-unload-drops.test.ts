// The unload and carry-over path keeps the SPEC's drop rules (section 3): a body this page
// handed off and the server refused is dropped through its client (counted in stats(), passed
// to onDrop, reported), 401/403 as `unauthorized` naming AITHER_API_KEY, other 4xx as
// `rejected`; a 413 goes back to the queue, whose sender splits it; bodies the carry-over's size
// cap pushes out of localStorage are counted (`queue_full`). Bodies left by an earlier page
// load belong to no live client: they are reported, not counted.
import { afterEach, beforeEach, describe, expect, it, type MockInstance, vi } from "vitest";
import { CARRY_OVER_KEY, MAX_CARRY_OVER_BYTES } from "../../adapters/browser-carry-over.ts";
import type { AitherError, AitherHttpError, DropReason, WireEvent } from "../../src/public.ts";
import { type Collector, features, hidePage, showPage, startCollector, storedIds, until } from "./helpers.ts";

type Entry = typeof import("../../adapters/browser.ts");
type Client = InstanceType<Entry["AitherClient"]>;
const clients: Client[] = [];
const collectors: Collector[] = [];
/** Every fetch of the test (calls through to happy-dom's fetch). */
let fetched: MockInstance<typeof fetch>;

/** This test's own collector on a free port, closed after the test. */
async function collectorFor(options: Parameters<typeof startCollector>[0] = {}): Promise<Collector> {
  const collector = await startCollector({ port: 0, ...options });
  collectors.push(collector);
  return collector;
}

/** This test's own collector, down: it drops every batch connection unanswered until `setFaults({})`. */
function downCollector(options: { apiKeys?: string[] } = {}): Promise<Collector> {
  return collectorFor({ ...options, faults: { dropConnectionRate: 1 } });
}

/** Wait until every fetch made so far has settled (each must fail), then one macrotask: their handlers (microtasks) have run. */
async function fetchesFailed(): Promise<void> {
  expect(fetched).toHaveBeenCalled();
  const outcomes = await Promise.allSettled(fetched.mock.results.map((r) => r.value));
  expect(outcomes.map((o) => o.status)).toEqual(outcomes.map(() => "rejected"));
  await new Promise((resolve) => setTimeout(resolve, 0));
}

/** One macrotask: the page's load-time resend (a 0 ms timer) has run and found nothing. */
function loadTimeResend(): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, 0));
}

/** A fresh copy of the browser entry: what a new page load gets (page-wide state starts over). */
async function loadPage(): Promise<Entry> {
  vi.resetModules();
  return import("../../adapters/browser.ts");
}

/** A client on a fresh page that records what it reports and drops. */
async function pageClient(collector: Collector, options: { apiKey?: string } = {}) {
  const page = await loadPage();
  const errors: AitherError[] = [];
  const warnings: string[] = [];
  const drops: { ids: string[]; reason: DropReason }[] = [];
  vi.spyOn(console, "warn").mockImplementation((...args: unknown[]) => void warnings.push(args.map(String).join(" ")));
  const client = new page.AitherClient({
    endpoint: collector.url,
    flushInterval: 60_000, // only the unload path sends
    batchSize: 10_000,
    onError: (e) => errors.push(e),
    onDrop: (events: WireEvent[], reason) => drops.push({ ids: events.map((e) => e.id), reason }),
    ...options,
  });
  clients.push(client);
  const dropped = (reason: DropReason) => drops.filter((d) => d.reason === reason).flatMap((d) => d.ids);
  return { client, errors, warnings, drops, dropped };
}

function log(client: Client, n: number, modelId: string, withFeatures = false): string[] {
  return Array.from({ length: n }, (_, i) => client.logPrediction({ modelId, prediction: i, ...(withFeatures ? { features: features(i) } : {}) }));
}

function storedEntries(): { id: string; body: string }[] {
  return JSON.parse(localStorage.getItem(CARRY_OVER_KEY) ?? "[]") as { id: string; body: string }[];
}

function idsInStorage(): string[] {
  return storedEntries().flatMap((e) => (JSON.parse(e.body) as { predictions: { id: string }[] }).predictions.map((p) => p.id));
}

beforeEach(() => {
  localStorage.clear();
  showPage();
  fetched = vi.spyOn(globalThis, "fetch");
});
afterEach(async () => {
  await Promise.all(clients.splice(0).map((c) => c.close({ timeoutMs: 200 })));
  // No request of this test outlives its collector (a closed collector's port may be another file's by then).
  for (let seen = -1; seen !== fetched.mock.results.length; ) {
    seen = fetched.mock.results.length;
    await Promise.allSettled(fetched.mock.results.map((r) => r.value));
    await new Promise((resolve) => setTimeout(resolve, 0));
  }
  vi.restoreAllMocks();
  await Promise.all(collectors.splice(0).map((c) => c.close()));
});

describe("unload path: answers that drop", () => {
  it("counts a 401 to an unload body as unauthorized, passes the events to onDrop, and names AITHER_API_KEY", async () => {
    const collector = await collectorFor({ apiKeys: ["ak_good"] });
    const { client, errors, dropped } = await pageClient(collector, { apiKey: "ak_wrong" });
    const ids = log(client, 20, "unauth");
    hidePage();
    await until(() => client.stats().dropped === 20, "20 events dropped");
    expect(client.stats().droppedByReason).toEqual({ unauthorized: 20 });
    expect(dropped("unauthorized").sort()).toEqual([...ids].sort());
    const http = errors.filter((e): e is AitherHttpError => e.code === "http");
    expect(http).toHaveLength(1);
    expect(http[0]?.status).toBe(401);
    expect(http[0]?.batchSize).toBe(20);
    expect(http[0]?.message).toMatch(/AITHER_API_KEY/);
    expect(http[0]?.message).toMatch(/apiKey/);
    expect(localStorage.getItem(CARRY_OVER_KEY)).toBeNull(); // settled: not resent on the next load
    expect(client.stats().sent).toBe(0);
  });

  it("counts a 401 to a carry-over body resent from storage as unauthorized", async () => {
    const collector = await downCollector({ apiKeys: ["ak_good"] }); // down while the page is hidden: the body waits in storage
    const { client, errors, dropped } = await pageClient(collector, { apiKey: "ak_wrong" });
    await loadTimeResend();
    const ids = log(client, 15, "unauth-carry");
    hidePage();
    await fetchesFailed(); // the keepalive fetch fails (connection dropped)
    expect(idsInStorage().sort()).toEqual([...ids].sort());
    expect(client.stats().dropped).toBe(0);
    collector.setFaults({}); // back up
    window.dispatchEvent(new Event("online")); // resends the carry-over now
    await until(() => client.stats().dropped === 15, "15 events dropped");
    expect(client.stats().droppedByReason).toEqual({ unauthorized: 15 });
    expect(dropped("unauthorized").sort()).toEqual([...ids].sort());
    expect(errors.some((e) => (e as AitherHttpError).status === 401 && /AITHER_API_KEY/.test(e.message))).toBe(true);
    expect(localStorage.getItem(CARRY_OVER_KEY)).toBeNull();
  });

  it("counts a 400 to an unload body as rejected, without the API key hint", async () => {
    const collector = await collectorFor({ faults: { failFirst: 1, status: 400 } });
    const { client, errors, dropped } = await pageClient(collector);
    const ids = log(client, 12, "bad");
    hidePage();
    await until(() => client.stats().dropped === 12, "12 events dropped");
    expect(client.stats().droppedByReason).toEqual({ rejected: 12 });
    expect(dropped("rejected").sort()).toEqual([...ids].sort());
    const http = errors.filter((e): e is AitherHttpError => e.code === "http");
    expect(http.map((e) => e.status)).toEqual([400]);
    expect(http[0]?.message).not.toMatch(/AITHER_API_KEY/);
    expect(localStorage.getItem(CARRY_OVER_KEY)).toBeNull();
  });

  it("gives a body answered 413 back to the queue, and the timer path delivers it", async () => {
    const collector = await collectorFor({ faults: { failFirst: 1, status: 413 } });
    const { client, drops } = await pageClient(collector);
    const ids = log(client, 10, "big-unload");
    hidePage();
    await until(() => client.stats().queued === 10, "the 10 events back in the queue");
    expect(localStorage.getItem(CARRY_OVER_KEY)).toBeNull(); // not resent from storage as well
    showPage();
    const result = await client.flush({ timeoutMs: 3000 });
    expect(result).toMatchObject({ ok: true, pending: 0, dropped: 0 });
    expect(storedIds(collector, "big-unload").sort()).toEqual([...ids].sort());
    expect(drops).toEqual([]);
  });

  it("reports (does not count) a 401 to a body left by an earlier page load, naming AITHER_API_KEY", async () => {
    const collector = await downCollector({ apiKeys: ["ak_good"] });
    const first = await pageClient(collector, { apiKey: "ak_wrong" });
    await loadTimeResend();
    const ids = log(first.client, 8, "earlier");
    hidePage();
    await fetchesFailed(); // no answer: stays in storage
    expect(idsInStorage().sort()).toEqual([...ids].sort());
    collector.setFaults({}); // back up
    showPage();
    const next = await pageClient(collector, { apiKey: "ak_good" }); // the next load resends storage
    await until(() => localStorage.getItem(CARRY_OVER_KEY) === null, "the entry to be settled");
    const http = next.errors.filter((e): e is AitherHttpError => e.code === "http");
    expect(http.map((e) => [e.status, e.batchSize])).toEqual([[401, 8]]);
    expect(http[0]?.message).toMatch(/earlier page load.*AITHER_API_KEY/);
    expect(next.client.stats().dropped).toBe(0); // not this client's events
    expect(next.drops).toEqual([]);
  });
});

describe("carry-over size cap", () => {
  it("counts this page's unconfirmed bodies that the cap pushes out of localStorage as queue_full", async () => {
    const collector = await downCollector(); // nothing is confirmed
    const { client, dropped } = await pageClient(collector);
    vi.spyOn(navigator, "sendBeacon").mockReturnValue(false); // the page's beacon quota is spent
    await loadTimeResend(); // so nothing of the first hide is resent (and in flight) when the cap pushes it out
    // Two hides of about 0.7 MiB each: together past the 1 MiB cap.
    const first = log(client, 2000, "cap", true);
    hidePage();
    await fetchesFailed(); // its keepalive fetch fails
    expect(idsInStorage().sort()).toEqual([...first].sort());
    showPage();
    const second = log(client, 2000, "cap", true);
    hidePage();
    const kept = idsInStorage();
    const keptBytes = storedEntries().reduce((sum, e) => sum + new TextEncoder().encode(e.body).length, 0);
    expect(keptBytes).toBeLessThanOrEqual(MAX_CARRY_OVER_BYTES);
    expect(kept).toEqual(expect.arrayContaining(second)); // the newest are kept
    const lost = first.filter((id) => !kept.includes(id));
    expect(lost.length).toBeGreaterThan(0);
    // Every pushed-out event is counted and handed to onDrop (in aggregate: a flush reports
    // what the interval held back), and only those.
    expect(client.stats().droppedByReason).toEqual({ queue_full: lost.length });
    await client.flush({ timeoutMs: 0 });
    expect(dropped("queue_full").sort()).toEqual([...lost].sort());
  }, 20_000); // 4,000 logs and 1.4 MB of localStorage writes: seconds on a loaded machine

  it("counts a body whose keepalive answer is pending when pushed out only by that answer: a failure gives it back to the queue", async () => {
    const collector = await collectorFor({ faults: { latencyMs: 300, failFirst: 1, status: 503 } });
    const { client, drops } = await pageClient(collector);
    vi.spyOn(navigator, "sendBeacon").mockReturnValue(false);
    const first = log(client, 2000, "cap-flight", true);
    hidePage(); // the first body goes by keepalive; the collector answers it 503 after 300 ms
    showPage();
    log(client, 2000, "cap-flight", true);
    hidePage(); // pushes the first hide's bodies out of storage, the one in flight too
    expect(drops.map((d) => d.reason)).toEqual(expect.arrayContaining(["queue_full"]));
    const lostNow = drops.flatMap((d) => d.ids);
    await until(() => client.stats().queued > 0, "the in-flight body back in the queue after its 503");
    expect(drops.flatMap((d) => d.ids)).toEqual(lostNow); // its failure is not a drop
    expect(client.stats().dropped).toBe(lostNow.length);
    const result = await client.flush({ timeoutMs: 3000 }); // the timer path sends what came back
    expect(result).toMatchObject({ ok: true, pending: 0 });
    // Every event of the first hide is in exactly one place: delivered, still in storage, or counted as dropped.
    const inStorage = new Set(idsInStorage());
    const delivered = new Set(storedIds(collector, "cap-flight"));
    expect(delivered.size).toBeGreaterThan(0);
    for (const id of first) expect([delivered.has(id), inStorage.has(id), lostNow.includes(id)].filter(Boolean)).toHaveLength(1);
  });

  it("warns about bodies of an earlier page load that the cap pushes out, without counting them", async () => {
    const collector = await downCollector();
    const earlier = await pageClient(collector);
    vi.spyOn(navigator, "sendBeacon").mockReturnValue(false);
    log(earlier.client, 2000, "cap-earlier", true);
    hidePage(); // its bodies are in storage at once, whatever their keepalive fetch's answer
    await earlier.client.close({ timeoutMs: 10 });
    showPage();
    const next = await pageClient(collector); // a new load: the stored bodies are not its own
    vi.spyOn(navigator, "sendBeacon").mockReturnValue(false);
    log(next.client, 2000, "cap-earlier", true);
    hidePage();
    expect(next.warnings.some((w) => /carry-over.*full.*earlier page load/.test(w))).toBe(true);
    expect(next.client.stats().dropped).toBe(0);
  });
});
