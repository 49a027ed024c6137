import { afterEach, describe, expect, it, vi } from "vitest";
import { MAX_PARALLEL } from "../../src/delivery/parts.ts";
import { fetchTransport, type Transport } from "../../src/transport.ts";
import { eventually } from "../helpers/collector.ts";
import { rig, stored, useCollectors } from "../helpers/delivery.ts";

// When batches are cut and how many requests run: real parts, real collector on loopback.
const collector = useCollectors();
afterEach(() => {
  vi.restoreAllMocks();
});

/** The real transport, with a count of the requests it has open at once. */
function counting(): { transport: Transport; peak: () => number } {
  const base = fetchTransport({ fetch: undefined, timeoutMs: 10_000 });
  let open = 0;
  let peak = 0;
  const transport: Transport = async (request) => {
    peak = Math.max(peak, ++open);
    try {
      return await base(request);
    } finally {
      open--;
    }
  };
  return { transport, peak: () => peak };
}

describe("Drain.kick: full batches at once", () => {
  it("sends the full batches queued now and leaves the partial rest for the timer", async () => {
    const c = await collector();
    const r = rig({ options: { endpoint: c.url, batchSize: 10 } });
    r.log(25);
    r.drain.kick();
    expect(await eventually(() => stored(c).length === 20)).toBe(true);
    expect(await eventually(() => r.inFlight.events === 0)).toBe(true);
    expect(r.queue.length).toBe(5);
    expect(c.requests.map((q) => q.events)).toEqual([10, 10]);
  });

  it("starts nothing for a partial batch", async () => {
    const c = await collector();
    const r = rig({ options: { endpoint: c.url, batchSize: 10 } });
    r.log(9);
    r.drain.kick();
    expect(r.inFlight.events).toBe(0); // a lane cuts its first batch before its first await
    expect(r.queue.length).toBe(9);
  });

  it("counts a lane full by bytes (maxBatchBytes) before it is full by count", async () => {
    const c = await collector();
    const r = rig({ options: { endpoint: c.url, batchSize: 100, maxBatchBytes: 1024 } });
    r.log(1);
    r.drain.kick();
    expect(r.inFlight.events).toBe(0);
    r.log(20); // ~60 bytes each: over the 512 bytes left after the envelope
    r.drain.kick();
    expect(r.inFlight.events).toBeGreaterThan(0);
    expect(await eventually(() => stored(c).length >= 8)).toBe(true);
    expect(c.requests.every((q) => q.events < 21)).toBe(true);
  });

  it(`keeps at most MAX_PARALLEL (${MAX_PARALLEL}) requests open, and delivers every full batch`, async () => {
    const c = await collector({ faults: { latencyMs: 60 } });
    const t = counting();
    const r = rig({ options: { endpoint: c.url, batchSize: 5 }, transport: t.transport });
    r.log(50);
    r.drain.kick();
    expect(await eventually(() => stored(c).length === 50)).toBe(true);
    expect(t.peak()).toBe(MAX_PARALLEL);
  });

  it("starts nothing while sending is paused by Retry-After, after close(), or in an isolate", async () => {
    const c = await collector();
    const paused = rig({ options: { endpoint: c.url, batchSize: 2 } });
    paused.gate.pausedUntil = Date.now() + 60_000;
    const stopped = rig({ options: { endpoint: c.url, batchSize: 2 } });
    stopped.gate.stopped = true;
    const isolate = rig({ options: { endpoint: c.url, batchSize: 2 }, runtime: { isolate: { perRequestIo: true } } });
    for (const r of [paused, stopped, isolate]) {
      r.log(4);
      r.drain.kick();
      r.drain.tick(1e9);
      expect(r.inFlight.events).toBe(0);
      expect(r.queue.length).toBe(4);
    }
  });
});

describe("Drain.tick: the timer's sweep", () => {
  it("sends partial batches whose oldest event is up to the tick's sequence number, not later ones", async () => {
    const c = await collector();
    const r = rig({ options: { endpoint: c.url, batchSize: 10 } });
    const [, , last] = r.log(3);
    r.log(2, "label"); // logged after the tick's number
    r.drain.tick(last?.seq as number);
    expect(await eventually(() => stored(c).length === 3)).toBe(true);
    expect(await eventually(() => r.inFlight.events === 0)).toBe(true);
    expect(stored(c, "label")).toEqual([]);
    expect(r.queue.length).toBe(2);
    expect(r.queue.oldestKind()).toBe("label");
  });

  it("holds the background after a batch went back to the queue, until the next tick", async () => {
    const c = await collector({ faults: { failFirst: 1, status: 500 } });
    const r = rig({ options: { endpoint: c.url, batchSize: 2, maxRetries: 0 } });
    r.log(2);
    r.drain.kick();
    expect(await eventually(() => r.queue.length === 2 && r.inFlight.events === 0)).toBe(true);
    r.log(2);
    r.drain.kick(); // a full batch, but the endpoint just failed: wait for the tick
    expect(r.inFlight.events).toBe(0);
    expect(c.requests).toHaveLength(1);
    r.drain.tick(1e9);
    expect(await eventually(() => stored(c).length === 4)).toBe(true);
  });

  it("starts no lane while a background batch sleeps out its backoff; that lane sends the rest after it", async () => {
    // Background sleeps that end when the test says so.
    const sleepers: (() => void)[] = [];
    const sleepUnref = (): Promise<void> => new Promise((resolve) => sleepers.push(resolve));
    const c = await collector({ faults: { failFirst: 1, status: 503 } });
    const r = rig({ options: { endpoint: c.url, batchSize: 2, maxRetries: 3 }, runtime: { sleepUnref } });
    r.log(2);
    r.drain.kick();
    expect(await eventually(() => r.sleeps.backgroundCount === 1)).toBe(true);
    r.log(4);
    r.drain.kick();
    r.drain.tick(1e9);
    expect(r.queue.length).toBe(4);
    expect(c.requests).toHaveLength(1);
    for (const wake of sleepers.splice(0)) wake();
    expect(await eventually(() => stored(c).length === 6)).toBe(true);
    expect(c.requests.map((q) => q.status)).toEqual([503, 200, 200, 200]);
  });
});

describe("Drain: foreground and immediate passes", () => {
  it("a foreground pass sends everything up to its number in several lanes and leaves later events queued", async () => {
    const c = await collector();
    const r = rig({ options: { endpoint: c.url, batchSize: 3 } });
    const first = r.log(10);
    r.log(2, "label");
    await r.drain.foreground({ kind: "foreground", deadline: Date.now() + 5000, upTo: first[9]?.seq as number });
    expect(stored(c)).toHaveLength(10);
    expect(r.queue.length).toBe(2);
    expect(c.requests.map((q) => q.events).sort()).toEqual([1, 3, 3, 3]);
  });

  it("a pass ends when one of its batches goes back to the queue: the other lanes do not go on", async () => {
    const c = await collector({ faults: { failFirst: 1, status: 500, latencyMs: 30 } });
    const r = rig({ options: { endpoint: c.url, batchSize: 2, maxRetries: 0, enableBackground: false } });
    r.log(40);
    await r.drain.immediate();
    expect(stored(c).length + r.queue.length).toBe(40);
    expect(r.queue.length).toBeGreaterThan(10); // not 2: the healthy lanes stopped too
  });

  it("immediate() sends what is queued in one request; passes started meanwhile find it taken", async () => {
    const c = await collector();
    const r = rig({ options: { endpoint: c.url, enableBackground: false } });
    r.log(3);
    await Promise.all(Array.from({ length: 6 }, () => r.drain.immediate()));
    expect(stored(c)).toHaveLength(3);
    expect(c.requests).toHaveLength(1);
  });

  it(`runs at most MAX_PARALLEL immediate() passes; a running pass sends what the others left`, async () => {
    const c = await collector({ faults: { latencyMs: 60 } });
    const t = counting();
    const r = rig({ options: { endpoint: c.url, enableBackground: false }, transport: t.transport });
    const passes: Promise<void>[] = [];
    for (let i = 0; i < MAX_PARALLEL + 2; i++) {
      r.log(1);
      passes.push(r.drain.immediate()); // each cuts its own event before it awaits anything
    }
    await Promise.all(passes);
    expect(await eventually(() => stored(c).length === MAX_PARALLEL + 2)).toBe(true);
    expect(t.peak()).toBe(MAX_PARALLEL);
  });

  it("hands each lane to waitUntil as one piece of work, besides its requests", async () => {
    const c = await collector();
    const handed: Promise<unknown>[] = [];
    const r = rig({ options: { endpoint: c.url, batchSize: 2, waitUntil: (p) => void handed.push(p) } });
    r.log(4);
    await r.drain.foreground({ kind: "foreground", deadline: Date.now() + 5000, upTo: 1e9 });
    expect(handed).toHaveLength(3); // the pass, and one request per batch
    expect(stored(c)).toHaveLength(4);
  });
});

describe("Drain.deliver and pendingUpTo", () => {
  it("puts the batch back and reports an internal error when delivering it throws (a bug), without rejecting", async () => {
    const r = rig({
      options: { endpoint: "http://127.0.0.1:9" },
      transport: () => {
        throw new Error("boom");
      },
    });
    r.log(3);
    const batch = r.cut();
    expect(await r.drain.deliver(batch, { kind: "background" })).toBe(false);
    expect(r.queue.length).toBe(3);
    expect(r.cut().id).toBe(batch.id);
    expect(r.errors.map((e) => e.message)).toEqual(["internal error while sending: Error: boom"]);
    expect(r.inFlight.events).toBe(0);
  });

  it("counts events queued and in flight up to a sequence number", async () => {
    const c = await collector({ faults: { latencyMs: 100 } });
    const r = rig({ options: { endpoint: c.url, batchSize: 3 } });
    const events = r.log(5);
    const sending = r.drain.deliver(r.cut(), { kind: "background" });
    expect(r.drain.pendingUpTo(events[1]?.seq as number)).toBe(2); // both in flight
    expect(r.drain.pendingUpTo(events[3]?.seq as number)).toBe(4); // 3 in flight, 1 queued
    expect(r.drain.pendingUpTo(1e9)).toBe(5);
    await sending;
    expect(r.drain.pendingUpTo(1e9)).toBe(2);
    expect(r.drain.pendingUpTo(events[3]?.seq as number)).toBe(1);
  });
});
