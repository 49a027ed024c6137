import { afterEach, describe, expect, it, vi } from "vitest";
import { flushUpTo } from "../../src/delivery/flush.ts";
import { fetchTransport, type Transport } from "../../src/transport.ts";
import { eventually } from "../helpers/collector.ts";
import { idOf, rig, stored, useCollectors } from "../helpers/delivery.ts";

// flush()/close() up to a deadline, on real parts and the real collector on loopback.
const collector = useCollectors();
afterEach(() => {
  vi.restoreAllMocks();
});

const inMs = (ms: number): number => Date.now() + ms;

/** The real transport, holding each request matched by `hold` until release() (a slow request of its own). */
function holding(hold: (body: string) => boolean): { transport: Transport; release(): void } {
  const base = fetchTransport({ fetch: undefined, timeoutMs: 10_000 });
  let release = (): void => {};
  const released = new Promise<void>((resolve) => {
    release = resolve;
  });
  const transport: Transport = async (request) => {
    if (hold(String(request.body))) await released;
    return base(request);
  };
  return { transport, release: () => release() };
}

describe("flushUpTo", () => {
  it("delivers every event up to its number and resolves 0; later events stay queued", async () => {
    const c = await collector();
    const r = rig({ options: { endpoint: c.url, batchSize: 2 } });
    const events = r.log(5);
    r.log(2, "label");
    expect(await flushUpTo(r, events[4]?.seq as number, inMs(5000))).toBe(0);
    expect(stored(c)).toHaveLength(5);
    expect(r.queue.length).toBe(2);
    expect(r.gate.foreground).toBe(0);
  });

  it("counts itself as a foreground flush in the gate while it runs", async () => {
    const c = await collector({ faults: { latencyMs: 50 } });
    const r = rig({ options: { endpoint: c.url } });
    r.log(1);
    const flushing = flushUpTo(r, 1e9, inMs(5000));
    expect(r.gate.foreground).toBe(1);
    expect(await flushing).toBe(0);
    expect(r.gate.foreground).toBe(0);
  });

  it("resolves at its deadline with the events still in flight when the endpoint is too slow", async () => {
    const c = await collector({ faults: { latencyMs: 20_000 } });
    const r = rig({ options: { endpoint: c.url } });
    r.log(3);
    expect(await flushUpTo(r, 1e9, inMs(200))).toBe(3);
    expect(r.inFlight.events).toBe(3); // cut short at the deadline, the request goes on
    expect(r.gate.foreground).toBe(0);
    r.requests.abortAll();
  });

  it("counts a batch sleeping out its backoff at the deadline back in the queue", async () => {
    vi.spyOn(Math, "random").mockReturnValue(0.5);
    const c = await collector({ faults: { errorRate: 1, status: 503 } });
    const r = rig({ options: { endpoint: c.url } });
    r.log(2);
    expect(await flushUpTo(r, 1e9, inMs(300))).toBe(2);
    expect(r.queue.length).toBe(2);
    expect(r.inFlight.events).toBe(0);
  });

  it("waits for a request a background lane started, which it did not start itself", async () => {
    const c = await collector({ faults: { latencyMs: 150 } });
    const r = rig({ options: { endpoint: c.url, batchSize: 2 } });
    r.log(2);
    r.drain.kick();
    expect(r.queue.length).toBe(0);
    expect(r.inFlight.events).toBe(2);
    expect(await flushUpTo(r, 1e9, inMs(5000))).toBe(0);
    expect(stored(c)).toHaveLength(2);
  });

  it("takes over a background batch sleeping out a backoff, instead of waiting for its sleep", async () => {
    const c = await collector({ faults: { failFirst: 1, status: 503 } });
    // A background sleep that never ends on its own: only the flush's wake ends it.
    const r = rig({ options: { endpoint: c.url, batchSize: 2, maxRetries: 5 }, runtime: { sleepUnref: () => new Promise(() => {}) } });
    r.log(2);
    r.drain.kick();
    expect(await eventually(() => r.sleeps.backgroundCount === 1)).toBe(true);
    expect(await flushUpTo(r, 1e9, inMs(5000))).toBe(0);
    expect(stored(c)).toHaveLength(2);
    expect(c.requests.map((q) => q.status)).toEqual([503, 200]);
    expect(r.requests.mortal.size).toBe(0);
  });

  it("in an isolate, sends its own events and does not wait for a request another invocation started", async () => {
    const c = await collector();
    let theirId = "";
    const other = holding((body) => body.includes(theirId));
    const r = rig({ options: { endpoint: c.url, batchSize: 10 }, runtime: { isolate: { perRequestIo: true } }, transport: other.transport });
    theirId = idOf(r.log(1)[0]); // someone else's event, held in flight
    const theirs = r.drain.deliver(r.cut(), { kind: "foreground", deadline: inMs(5000), upTo: 1e9 });
    expect(r.inFlight.events).toBe(1);
    const mine = r.log(3);
    expect(await flushUpTo(r, 1e9, inMs(5000))).toBe(0);
    expect(stored(c)).toEqual(mine.map(idOf));
    expect(r.inFlight.events).toBe(1);
    other.release();
    expect(await theirs).toBe(true);
  });
});
