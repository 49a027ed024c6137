import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import type { Collector } from "../../collector/index.ts";
import { AitherClient } from "../../src/client.ts";
import type { AitherError } from "../../src/errors.ts";
import type { AitherOptions } from "../../src/options.ts";
import { createPortableAdapter } from "../../src/portable-adapter.ts";
import type { AdapterHost, RuntimeAdapter } from "../../src/runtime.ts";
import type { DropReason, WireEvent } from "../../src/types.ts";
import { eventually } from "../helpers/collector.ts";
import { stored, useCollectors } from "../helpers/delivery.ts";

// The client wires the queue and the delivery engine: what a user calls, against the real
// collector on loopback, through the portable adapter (ofetch, CompressionStream gzip).
const collector = useCollectors();
const open: AitherClient[] = [];
let warnings: string[] = [];
beforeEach(() => {
  vi.stubEnv("AITHER_API_KEY", "");
  vi.stubEnv("AITHER_ENDPOINT", "");
  warnings = [];
  vi.spyOn(console, "warn").mockImplementation((message: string) => void warnings.push(message));
});
afterEach(async () => {
  await Promise.all(open.splice(0).map((c) => c.close({ timeoutMs: 0 })));
  vi.restoreAllMocks();
  vi.unstubAllEnvs();
});

interface Recorded {
  client: AitherClient;
  errors: AitherError[];
  drops: { reason: DropReason; count: number; ids: string[] }[];
}

function client(c: Collector, options: AitherOptions = {}, adapter: RuntimeAdapter = createPortableAdapter("node")): Recorded {
  const errors: AitherError[] = [];
  const drops: Recorded["drops"] = [];
  const made = new AitherClient(
    {
      endpoint: c.url,
      apiKey: "ak_client",
      flushInterval: 60_000,
      onError: (e) => errors.push(e),
      onDrop: (events, reason, count) => drops.push({ reason, count, ids: events.map((e) => e.id) }),
      ...options,
    },
    adapter,
  );
  open.push(made);
  return { client: made, errors, drops };
}

const log = (c: AitherClient, n: number): string[] => Array.from({ length: n }, (_, i) => c.logPrediction({ modelId: "client", prediction: i }));

describe("AitherClient: logging and flush", () => {
  it("returns each event's id at once, sends nothing by itself, and flush() delivers them", async () => {
    const c = await collector();
    const { client: a } = client(c);
    const ids = log(a, 3);
    const label = a.logLabel({ predictionId: ids[0] as string, label: 1 });
    expect(a.stats()).toMatchObject({ queued: 4, inFlight: 0, sent: 0 });
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(c.requests).toHaveLength(0);
    expect(await a.flush()).toEqual({ ok: true, sent: 4, dropped: 0, pending: 0 });
    expect(stored(c)).toEqual(ids);
    expect(stored(c, "label")).toEqual([label]);
  });

  it("sends a full batch at once after the caller's synchronous work, without flush() or the timer", async () => {
    const c = await collector();
    const { client: a } = client(c, { batchSize: 5 });
    const ids = log(a, 7);
    expect(c.requests).toHaveLength(0);
    expect(await eventually(() => stored(c).length === 5)).toBe(true);
    expect(stored(c)).toEqual(ids.slice(0, 5));
    expect(a.stats().queued).toBe(2);
  });

  it("sends a partial batch on the timer's tick", async () => {
    const c = await collector();
    const { client: a } = client(c, { flushInterval: 50 });
    const ids = log(a, 2);
    expect(await eventually(() => stored(c).length === 2)).toBe(true);
    expect(stored(c)).toEqual(ids);
  });

  it("with enableBackground: false, sends each logged event at once in a request of its own, handed to waitUntil", async () => {
    const c = await collector();
    const handed: Promise<unknown>[] = [];
    const { client: a } = client(c, { enableBackground: false, waitUntil: (p) => void handed.push(p) });
    const [id] = log(a, 1);
    expect(handed.length).toBeGreaterThan(0); // registered while the caller still runs
    await Promise.all(handed);
    expect(stored(c)).toEqual([id]);
  });

  it("counts sampled-out events and queues none of them", async () => {
    const c = await collector();
    const { client: a } = client(c, { sampleRate: 0 });
    expect(log(a, 3)).toHaveLength(3);
    expect(a.stats()).toMatchObject({ queued: 0, sampled: 3 });
  });

  it("drops the oldest events of a full queue as queue_full, reports them in aggregate, and tells the server in the next body", async () => {
    const c = await collector();
    const { client: a, drops } = client(c, { maxQueueSize: 3 });
    const ids = log(a, 5);
    expect(a.stats()).toMatchObject({ queued: 3, dropped: 2, droppedByReason: { queue_full: 2 } });
    expect(await a.flush()).toEqual({ ok: true, sent: 3, dropped: 0, pending: 0 }); // dropped before this flush
    expect(drops).toEqual([
      { reason: "queue_full", count: 1, ids: ids.slice(0, 1) },
      { reason: "queue_full", count: 1, ids: ids.slice(1, 2) }, // held until the flush
    ]);
    expect(c.clientDropped).toEqual({ queue_full: 2 });
  });

  it("drops an event its beforeSend filters out, and counts it", async () => {
    const c = await collector();
    const { client: a } = client(c, { beforeSend: (e) => ("prediction" in e && e.prediction === 1 ? null : e) });
    const ids = log(a, 3);
    expect(await a.flush()).toEqual({ ok: false, sent: 2, dropped: 1, pending: 0 });
    expect(stored(c)).toEqual([ids[0], ids[2]]);
    expect(a.stats().droppedByReason).toEqual({ filtered: 1 });
  });

  it("stats() right after synchronous logging counts an event beforeSend filtered as dropped, not queued", async () => {
    const c = await collector();
    const { client: a } = client(c, { beforeSend: (e) => ("prediction" in e && e.prediction === 1 ? null : e) });
    log(a, 3);
    expect(a.stats()).toMatchObject({ queued: 2, dropped: 1, droppedByReason: { filtered: 1 } });
  });

  it("throws at the call for a bad flush timeout, naming the field", async () => {
    const c = await collector();
    const { client: a } = client(c);
    expect(() => a.flush({ timeoutMs: -1 })).toThrow(/timeoutMs/);
    expect(() => a.close({ timeoutMs: Number.NaN })).toThrow(/timeoutMs/);
    expect(a.closed).toBe(false);
  });
});

describe("AitherClient: close()", () => {
  it("flushes, returns the same promise every time, and drops later logs as closed with one warning", async () => {
    const c = await collector();
    const { client: a, drops } = client(c);
    log(a, 2);
    const closing = a.close();
    expect(a.close()).toBe(closing);
    expect(await closing).toEqual({ ok: true, sent: 2, dropped: 0, pending: 0 });
    expect(a.closed).toBe(true);
    log(a, 3);
    expect(a.stats().droppedByReason).toEqual({ closed: 3 });
    expect(warnings.filter((w) => w.includes("logged after close()"))).toHaveLength(1);
    await a.flush();
    // The first drop of a reason is reported at once, the rest together at the flush.
    expect(drops.map((d) => [d.reason, d.count])).toEqual([
      ["closed", 1],
      ["closed", 2],
    ]);
    expect(stored(c)).toHaveLength(2);
  });

  it("drops what the endpoint would not take by the timeout as shutdown_timeout, counted as dropped, not pending", async () => {
    vi.spyOn(Math, "random").mockReturnValue(0.5); // a 250 ms backoff: asleep, not in a request, at the deadline
    const c = await collector({ faults: { errorRate: 1, status: 503 } });
    const { client: a, drops } = client(c);
    const ids = log(a, 3);
    expect(await a.close({ timeoutMs: 150 })).toEqual({ ok: false, sent: 0, dropped: 3, pending: 0 });
    expect(drops).toEqual([{ reason: "shutdown_timeout", count: 3, ids }]);
    expect(a.stats()).toMatchObject({ queued: 0, inFlight: 0 });
  });

  it("aborts a request still in flight when close() times out, and drops its events as shutdown_timeout", async () => {
    const c = await collector({ faults: { latencyMs: 20_000 } });
    const { client: a, drops } = client(c);
    log(a, 3);
    expect(await a.close({ timeoutMs: 100 })).toEqual({ ok: false, sent: 0, dropped: 0, pending: 3 });
    expect(await eventually(() => a.stats().inFlight === 0, 5000)).toBe(true);
    expect(a.stats().droppedByReason).toEqual({ shutdown_timeout: 3 });
    await eventually(() => drops.length > 0, 3000);
    expect(drops.map((d) => [d.reason, d.count])).toEqual([["shutdown_timeout", 3]]);
  });
});

describe("AitherClient: configuration and the adapter seam", () => {
  it("without an API key on the default endpoint, is disabled: it warns once, queues and sends nothing", async () => {
    const a = new AitherClient({}, createPortableAdapter("node"));
    open.push(a);
    expect(typeof a.logPrediction({ modelId: "m", prediction: 1 })).toBe("string");
    expect(a.stats().queued).toBe(0);
    expect(await a.flush()).toEqual({ ok: true, sent: 0, dropped: 0, pending: 0 });
    expect(warnings).toEqual([expect.stringContaining("no API key")]);
  });

  it('refuses protocol "otlp" in an entry without the OTLP encoder, naming the option', () => {
    const { otlp: _, ...adapter } = createPortableAdapter("browser");
    expect(() => new AitherClient({ apiKey: "k", protocol: "otlp" }, adapter)).toThrow(/protocol/);
  });

  it("gives the adapter a host that counts pending events, flushes and hands the queue off", async () => {
    const c = await collector();
    let host: AdapterHost | undefined;
    let detached = 0;
    const adapter: RuntimeAdapter = {
      ...createPortableAdapter("node"),
      attach: (h) => {
        host = h;
        return () => detached++;
      },
    };
    const beforeSend = (e: WireEvent): WireEvent | null => ("prediction" in e && e.prediction === 0 ? null : e);
    const { client: a } = client(c, { shutdownTimeout: 1234, beforeSend }, adapter);
    log(a, 3);
    expect(host?.pending).toBe(2); // staged a moment ago: counted already, the filtered one not
    expect(host?.shutdownTimeout).toBe(1234);
    const bodies = host?.page.takeBodies(65_536) ?? [];
    expect(bodies.map((b) => b.count)).toEqual([2]);
    expect(host?.pending).toBe(0);
    host?.page.restore(bodies);
    expect(await host?.flush()).toMatchObject({ ok: true, sent: 2 });
    await a.close();
    expect(detached).toBe(1);
  });
});
