import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from "vitest";
import { AitherClient } from "../../adapters/browser.ts";
import { keepaliveInFlight, MAX_BEACON_BYTES, reserveKeepalive } from "../../adapters/browser-beacon.ts";
import { type Collector, features, hidePage, showPage, startCollector, storedIds, until } from "./helpers.ts";

let collector: Collector;
const clients: AitherClient[] = [];

function client(options: ConstructorParameters<typeof AitherClient>[0] = {}): AitherClient {
  const c = new AitherClient({ endpoint: collector.url, flushInterval: 60_000, onError: () => {}, ...options });
  clients.push(c);
  return c;
}

/** Beacon bodies the page handed over: URL, type, size, and the ids inside. */
async function beaconBodies(spy: {
  mock: { calls: unknown[][] };
}): Promise<{ url: string; type: string; size: number; ids: string[]; body: Record<string, unknown> }[]> {
  return Promise.all(
    spy.mock.calls.map(async ([url, data]) => {
      const blob = data as Blob;
      const body = JSON.parse(await blob.text()) as { predictions: { id: string }[] };
      return { url: String(url), type: blob.type, size: blob.size, ids: body.predictions.map((p) => p.id), body };
    }),
  );
}

beforeAll(async () => {
  collector = await startCollector({ port: 0, apiKeys: ["ak_browser"] });
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
  await Promise.all(clients.splice(0).map((c) => c.close({ timeoutMs: 2000 })));
});

describe("unload hand-off: keepalive budget, beacons, body size", () => {
  it("splits a queue over 64 KiB into text/plain bodies of at most 64 KiB: keepalive while the budget lasts, then sendBeacon", async () => {
    const c = client({ apiKey: "ak_browser", batchSize: 10_000 });
    const beacon = vi.spyOn(navigator, "sendBeacon"); // calls through: happy-dom's beacon really posts
    const ids = Array.from({ length: 400 }, (_, i) => c.logPrediction({ modelId: "big", prediction: i, features: features(i) }));
    hidePage();
    expect(c.stats().queued).toBe(0);
    const beacons = await beaconBodies(beacon);
    expect(beacons.length).toBeGreaterThan(0); // the keepalive budget could not take everything
    for (const b of beacons) {
      expect(b.size).toBeLessThanOrEqual(MAX_BEACON_BYTES);
      expect(b.type).toBe("text/plain;charset=utf-8");
      expect(b.url).toBe(`${collector.url}/v1/predictions/batch`);
    }
    await until(() => storedIds(collector, "big").length === 400, "400 predictions");
    expect(storedIds(collector, "big").sort()).toEqual([...ids].sort());
    const posts = collector.requests.filter((r) => r.method === "POST");
    expect(posts.length).toBe(beacons.length + 1); // one keepalive fetch of about 64 KiB, beacons for the rest
    for (const post of posts) {
      expect(Number(post.headers["content-length"])).toBeLessThanOrEqual(MAX_BEACON_BYTES);
      expect(post.headers["content-type"]).toMatch(/^text\/plain;charset=utf-8$/i);
      expect(post.status).toBe(200);
    }
    const keepalive = posts.find((p) => !beacons.some((b) => b.body.batch_id === p.batchId));
    expect(Number(keepalive?.headers["content-length"])).toBeGreaterThan(60_000);
  });

  it("puts api_key in the body and never in the URL", async () => {
    const c = client({ apiKey: "ak_browser", batchSize: 10_000 });
    const beacon = vi.spyOn(navigator, "sendBeacon");
    for (let i = 0; i < 400; i++) c.logPrediction({ modelId: "key", prediction: i, features: features(i) });
    hidePage();
    // The collector requires the key: these only pass with it in the body (no header on this path).
    await until(() => storedIds(collector, "key").length === 400, "400 predictions");
    for (const b of await beaconBodies(beacon)) {
      expect(b.body.api_key).toBe("ak_browser");
      expect(b.url).not.toContain("ak_browser");
    }
    for (const post of collector.requests) {
      expect(post.path).toBe("/v1/predictions/batch");
      expect(post.headers["x-api-key"]).toBeUndefined();
    }
  });

  it("leaves a body over 64 KiB (one large event) for later: the next tick sends it with a plain fetch", async () => {
    const c = client({ apiKey: "ak_browser", flushInterval: 100 });
    const beacon = vi.spyOn(navigator, "sendBeacon");
    const id = c.logPrediction({ modelId: "large", prediction: 1, features: { blob: "x".repeat(100_000) } });
    hidePage();
    expect(beacon).not.toHaveBeenCalled();
    expect(JSON.parse(localStorage.getItem("aither:carry-over") ?? "[]")).toHaveLength(1);
    await until(() => storedIds(collector, "large").length === 1, "the large prediction");
    expect(storedIds(collector, "large")).toEqual([id]);
    await until(() => localStorage.getItem("aither:carry-over") === null, "the carry-over to empty");
  });

  it("keeps one page-wide keepalive budget of 64 KiB and a few requests", async () => {
    await until(() => keepaliveInFlight() === 0, "earlier keepalive requests to settle");
    // The budget is module state shared with the other tests: give back every reservation.
    const held: (() => void)[] = [];
    const reserve = (bytes: number): (() => void) | undefined => {
      const release = reserveKeepalive(bytes);
      if (release) held.push(release);
      return release;
    };
    try {
      const a = reserve(40_000);
      expect(a).toBeDefined();
      expect(reserve(40_000)).toBeUndefined();
      expect(reserve(25_000)).toBeDefined();
      a?.();
      a?.(); // releasing twice gives back nothing extra
      expect(reserve(40_000)).toBeDefined(); // 25 000 + 40 000 <= 65 536
      expect(reserve(1000)).toBeUndefined();
    } finally {
      for (const release of held) release();
    }
    expect(keepaliveInFlight()).toBe(0);
  });
});
