// Cloudflare Workers in workerd (miniflare 4): workers built from the package the way Wrangler
// bundles it, sending to the real collector on loopback. Needs `npx tsup` first (dist/).
import { beforeAll, describe, expect, it } from "vitest";
import type { Collector } from "../../collector/index.ts";
import { eventually, storedIds } from "../helpers/collector.ts";
import { bundleWorker, useWorkerd } from "./workerd-harness.ts";

/** The handlers miniflare's worker proxy exposes (its type does not list scheduled/queue). */
interface WorkerHandlers {
  scheduled(options: { cron?: string; scheduledTime?: Date }): Promise<{ outcome: string }>;
  queue(name: string, messages: { id: string; timestamp: Date; body: unknown; attempts: number }[]): Promise<{ outcome: string }>;
}

const { startWorker, collector } = useWorkerd();

/** Ids stored for predictions whose metadata.tag is `tag`. */
function idsTagged(c: Collector, tag: string): string[] {
  return c.store
    .predictions({ limit: 1e9 })
    .filter((e) => (e.metadata as { tag?: string } | undefined)?.tag === tag)
    .map((e) => e.id);
}

function expectNoCrossRequestErrors(output: string[]): void {
  const text = output.join("");
  expect(text).not.toMatch(/Cannot perform I\/O on behalf of a different request/i);
  expect(text).not.toMatch(/will never generate a response|hung|different request context/i);
  expect(text).not.toMatch(/\[aither\]/); // no warning or error from the SDK
}

let withAither: string;
let waitUntilWorker: string;

beforeAll(async () => {
  // What a Wrangler user gets: the `workerd` condition first.
  const a = await bundleWorker("test/fixtures/worker-with-aither.ts");
  expect(a.inputs).toContain("dist/cloudflare.js");
  withAither = a.script;
  // An edge runtime aither has no entry for: no conditions, the portable `default` entry.
  const b = await bundleWorker("test/fixtures/worker-wait-until.ts", []);
  expect(b.inputs).toContain("dist/index.js");
  expect(b.inputs).not.toContain("dist/cloudflare.js");
  waitUntilWorker = b.script;
});

describe("withAither in workerd", () => {
  it("returns the fetch response at once and delivers its predictions afterwards through ctx.waitUntil", async () => {
    // The collector holds every answer for 3 s, far longer than a dispatch takes: a response
    // that waited for delivery could not come back while the collector still holds the request.
    const c = await collector({ faults: { latencyMs: 3000 } });
    const { mf, output } = await startWorker(withAither, { AITHER_ENDPOINT: c.url });

    const res = await mf.dispatchFetch("http://worker/predict?n=5");
    const { ids } = (await res.json()) as { ids: string[] };
    expect(ids).toHaveLength(5);
    // The response is here; the delivery is not answered yet (not sent, or held by the collector).
    expect(c.requests.filter((r) => r.status !== 0)).toEqual([]);
    expect(storedIds(c)).toEqual([]);

    expect(await eventually(() => storedIds(c).length === 5)).toBe(true);
    expect(storedIds(c).sort()).toEqual([...ids].sort());
    expect(c.store.duplicates()).toBe(0);
    // One request per invocation, gzip (the bodies pass 1 KiB), the workerd runtime name.
    expect(c.requests).toHaveLength(1);
    expect(c.requests[0]?.headers["x-aither-sdk"]).toMatch(/^aither-js\/\S+ \(workerd\)$/);
    expect(c.requests[0]?.headers["content-encoding"]).toBe("gzip");
    expectNoCrossRequestErrors(output);
  });

  it("delivers the predictions of a scheduled handler", async () => {
    const c = await collector();
    const { mf, output } = await startWorker(withAither, { AITHER_ENDPOINT: c.url });
    const worker = (await mf.getWorker()) as unknown as WorkerHandlers;
    const scheduledTime = 1_780_000_000_000;
    const result = await worker.scheduled({ cron: "*/5 * * * *", scheduledTime: new Date(scheduledTime) });
    expect(result.outcome).toBe("ok");
    expect(await eventually(() => storedIds(c).length === 2)).toBe(true);
    expect(storedIds(c).sort()).toEqual([`cron-${scheduledTime}-a`, `cron-${scheduledTime}-b`]);
    expectNoCrossRequestErrors(output);
  });

  it("delivers the predictions of a queue handler", async () => {
    const c = await collector();
    const { mf, output } = await startWorker(withAither, { AITHER_ENDPOINT: c.url });
    const worker = (await mf.getWorker()) as unknown as WorkerHandlers;
    const messages = ["q-1", "q-2", "q-3"].map((id) => ({ id: `m-${id}`, timestamp: new Date(), body: { id }, attempts: 1 }));
    const result = await worker.queue("predictions", messages);
    expect(result.outcome).toBe("ok");
    expect(await eventually(() => storedIds(c).length === 3)).toBe(true);
    expect(storedIds(c).sort()).toEqual(["q-1", "q-2", "q-3"]);
    expectNoCrossRequestErrors(output);
  });

  it("still flushes when the handler throws, and the caller sees the handler's error", async () => {
    const c = await collector();
    const { mf, output } = await startWorker(withAither, { AITHER_ENDPOINT: c.url });
    const res = await mf.dispatchFetch("http://worker/throw?n=4&tag=thrown");
    expect(res.status).toBe(500);
    await res.arrayBuffer();
    expect(await eventually(() => idsTagged(c, "thrown").length === 4)).toBe(true);
    expect(c.store.duplicates()).toBe(0);
    expect(output.join("")).toContain("handler failed on purpose");
  });

  it("flushes predictions logged inside work the handler hands to ctx.waitUntil", async () => {
    const c = await collector();
    const { mf } = await startWorker(withAither, { AITHER_ENDPOINT: c.url });
    const res = await mf.dispatchFetch("http://worker/later?n=3&tag=later");
    expect(await res.text()).toBe("later");
    // Without the flush after the handler's own waitUntil work, these would wait for the next request.
    expect(await eventually(() => idsTagged(c, "later").length === 3)).toBe(true);
  });

  it("makes getClient() return the wrapped client inside the handler", async () => {
    const c = await collector();
    const { mf } = await startWorker(withAither, { AITHER_ENDPOINT: c.url });
    const res = await mf.dispatchFetch("http://worker/client?tag=via-client");
    const { ids, runtime } = (await res.json()) as { ids: string[]; runtime: string };
    expect(runtime).toBe("Cloudflare-Workers");
    expect(await eventually(() => idsTagged(c, "via-client").length === 1)).toBe(true);
    expect(idsTagged(c, "via-client")).toEqual(ids);
  });

  it("sends env.AITHER_API_KEY: the right key is stored, a wrong or missing key stores nothing", async () => {
    const c = await collector({ apiKeys: ["ak_right"] });
    const right = await startWorker(withAither, { AITHER_ENDPOINT: c.url, AITHER_API_KEY: "ak_right" });
    const wrong = await startWorker(withAither, { AITHER_ENDPOINT: c.url, AITHER_API_KEY: "ak_wrong" });
    const missing = await startWorker(withAither, { AITHER_ENDPOINT: c.url });

    const ok = (await (await right.mf.dispatchFetch("http://worker/?n=2&tag=right")).json()) as { ids: string[] };
    await (await wrong.mf.dispatchFetch("http://worker/?n=2&tag=wrong")).arrayBuffer();
    await (await missing.mf.dispatchFetch("http://worker/?n=2&tag=missing")).arrayBuffer();

    expect(await eventually(() => idsTagged(c, "right").length === 2)).toBe(true);
    expect(idsTagged(c, "right").sort()).toEqual([...ok.ids].sort());
    // The two refused batches were answered 401 (and dropped as unauthorized, not retried).
    expect(await eventually(() => c.requests.filter((r) => r.status === 401).length === 2)).toBe(true);
    expect(
      c.requests
        .filter((r) => r.status === 401)
        .map((r) => r.headers["x-api-key"])
        .sort(),
    ).toEqual(["ak_wrong", undefined]);
    expect(c.store.predictions({ limit: 1e9 })).toHaveLength(2);
    expect(wrong.output.join("")).toMatch(/401.*AITHER_API_KEY/);
  });

  it("resolves no promise of an ended request when invocations follow one another", async () => {
    const c = await collector();
    const { mf, output } = await startWorker(withAither, { AITHER_ENDPOINT: c.url });
    for (let i = 0; i < 5; i++) await (await mf.dispatchFetch(`http://worker/?n=2&tag=seq-${i}`)).arrayBuffer();
    expect((await ((await mf.getWorker()) as unknown as WorkerHandlers).scheduled({ cron: "* * * * *" })).outcome).toBe("ok");
    expect(await eventually(() => storedIds(c).length === 12)).toBe(true);
    // workerd: "A promise was resolved or rejected from a different request context ... the
    // creating request has already been completed ... Continuations ... have been canceled."
    expectNoCrossRequestErrors(output);
  });

  it("delivers 50 concurrent requests' predictions exactly once, with no cross-request I/O", async () => {
    const c = await collector({ faults: { latencyMs: 30 } });
    const { mf, output } = await startWorker(withAither, { AITHER_ENDPOINT: c.url });
    const responses = await Promise.all(
      Array.from({ length: 50 }, async (_, i) => {
        const res = await mf.dispatchFetch(`http://worker/burst?n=4&yield=1&tag=burst-${i}`);
        expect(res.status).toBe(200);
        return ((await res.json()) as { ids: string[] }).ids;
      }),
    );
    const sent = responses.flat();
    expect(new Set(sent).size).toBe(200);
    expect(await eventually(() => storedIds(c).length >= 200, 20_000)).toBe(true);
    // Every invocation's ctx.waitUntil(flush) settles: a flush that awaited another request's
    // fetch would hang silently (settled < registered). Once all have, nothing more can arrive.
    let count = { registered: 0, settled: -1 };
    const settled = await eventually(async () => {
      count = (await (await mf.dispatchFetch("http://worker/wait-until-count")).json()) as typeof count;
      return count.settled === count.registered;
    }, 20_000);
    expect(settled, JSON.stringify(count)).toBe(true);
    expect(count.registered).toBeGreaterThanOrEqual(50);
    const stored = storedIds(c);
    expect(stored).toHaveLength(200);
    expect(new Set(stored)).toEqual(new Set(sent));
    expect(c.store.duplicates()).toBe(0);
    expect(c.requests.every((r) => r.status === 200)).toBe(true);
    expectNoCrossRequestErrors(output);
  });
});

describe("the edge waitUntil option in workerd", () => {
  it("delivers through ctx.waitUntil from a plain portable client (no withAither, enableBackground false)", async () => {
    // The collector holds every answer for 3 s, far longer than a dispatch takes.
    const c = await collector({ faults: { latencyMs: 3000 } });
    const { mf, output } = await startWorker(waitUntilWorker, { AITHER_ENDPOINT: c.url });
    const all: string[] = [];
    for (let i = 0; i < 3; i++) {
      const { ids } = (await (await mf.dispatchFetch("http://worker/?n=3")).json()) as { ids: string[] };
      // Answered before delivery: no request of this invocation (nor any other) is answered yet.
      expect(c.requests.filter((r) => r.status !== 0)).toEqual([]);
      expect(storedIds(c).filter((id) => ids.includes(id))).toEqual([]);
      all.push(...ids);
    }
    expect(await eventually(() => storedIds(c).length === 9)).toBe(true);
    expect(new Set(storedIds(c))).toEqual(new Set(all));
    expect(c.store.duplicates()).toBe(0);
    expectNoCrossRequestErrors(output);
  });
});

describe("examples/cloudflare-worker.ts", () => {
  it("serves a prediction and delivers it, and its cron run too, to the collector", async () => {
    const c = await collector();
    const built = await bundleWorker("examples/cloudflare-worker.ts");
    // The [vars] of examples/wrangler.toml, with the endpoint pointed at this test's collector.
    const { mf, output } = await startWorker(built.script, { ENVIRONMENT: "development", AITHER_ENDPOINT: c.url });
    const { id, prediction } = (await (await mf.dispatchFetch("http://worker/?tenure=12&charges=80")).json()) as { id: string; prediction: number };
    expect(await eventually(() => storedIds(c).includes(id))).toBe(true);
    const stored = c.store.predictions({ limit: 10 }).find((e) => e.id === id);
    expect(stored).toMatchObject({ model_id: "churn-classifier-v2", prediction, environment: "development", features: { tenure: 12, monthly_charges: 80 } });

    const worker = (await mf.getWorker()) as unknown as WorkerHandlers;
    expect((await worker.scheduled({ cron: "*/5 * * * *" })).outcome).toBe("ok");
    expect(await eventually(() => storedIds(c).length === 2)).toBe(true);
    expectNoCrossRequestErrors(output);
  });
});
