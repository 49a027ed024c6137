// Production load at the default options: full batches go out at once (several requests in
// flight) instead of waiting for the timer, and overload is reported in aggregate, with counts
// that add up exactly to stats(). No timing asserts: the state proves it.
import { describe, expect, it } from "vitest";
import { AitherClient } from "../../adapters/node.ts";
import type { AitherError } from "../../src/errors.ts";
import type { DropReason } from "../../src/types.ts";
import { eventually, storedIds } from "../helpers/collector.ts";
import { logMany, useTestBed } from "./helpers.ts";

const { collector, client } = useTestBed();

describe("full batches", () => {
  it("start requests for a burst of 5 x batchSize before the first tick, several in flight at once", async () => {
    const c = await collector({ faults: { latencyMs: 150 } });
    const sdk = client(c, { flushInterval: 3_600_000 }); // no tick in this test: only full batches can go
    let most = 0;
    const sampler = setInterval(() => {
      most = Math.max(most, c.requests.filter((r) => r.status === 0).length);
    }, 5);
    const ids = logMany(sdk, 500);
    expect(await eventually(() => storedIds(c).length === 500)).toBe(true);
    clearInterval(sampler);
    expect(storedIds(c).sort()).toEqual([...ids].sort());
    expect(c.requests.map((r) => r.events)).toEqual([100, 100, 100, 100, 100]);
    expect(most).toBeGreaterThanOrEqual(2);
    expect(most).toBeLessThanOrEqual(4);
  });

  it("leaves a partial batch for the timer", async () => {
    const c = await collector();
    const sdk = client(c, { flushInterval: 300 });
    const ids = logMany(sdk, 150);
    expect(await eventually(() => storedIds(c).length === 100)).toBe(true);
    expect(c.requests.map((r) => r.events)).toEqual([100]); // the full batch, at once
    expect(await eventually(() => storedIds(c).length === 150)).toBe(true); // the rest, at the tick
    expect(storedIds(c).sort()).toEqual([...ids].sort());
  });

  it("sends a batch full by maxBatchBytes before batchSize is reached", async () => {
    const c = await collector();
    const sdk = client(c, { flushInterval: 3_600_000, maxBatchBytes: 20_000 });
    const note = "x".repeat(1000);
    const ids = Array.from({ length: 60 }, (_, i) => sdk.logPrediction({ modelId: "m", prediction: i, metadata: { note } }));
    expect(await eventually(() => storedIds(c).length >= 40)).toBe(true);
    expect(c.requests.every((r) => r.events < 100)).toBe(true);
    expect(ids).toEqual(expect.arrayContaining(storedIds(c)));
  });
});

describe("overload on a dead endpoint", () => {
  it("calls onDrop and onError a bounded number of times for 200,000 logs, with counts that add up to stats()", async () => {
    const c = await collector({ faults: { dropConnectionRate: 1 } }); // down: every connection dropped unanswered
    const drops: { reason: DropReason; count: number; events: number }[] = [];
    const errors: AitherError[] = [];
    const sdk = new AitherClient({
      endpoint: c.url,
      onDrop: (events, reason, count) => drops.push({ reason, count, events: events.length }),
      onError: (error) => errors.push(error),
    });
    const started = Date.now();
    for (let i = 0; i < 200_000; i += 100) {
      for (let j = 0; j < 100; j++) sdk.logPrediction({ modelId: "m", prediction: j, features: { i, j } });
      await new Promise((resolve) => setImmediate(resolve)); // a server yields between requests
    }
    await sdk.close({ timeoutMs: 200 });
    // A request still in flight at close() is dropped (shutdown_timeout) when it fails.
    expect(await eventually(() => sdk.stats().inFlight === 0)).toBe(true);
    const elapsedIntervals = Math.ceil((Date.now() - started) / 1000) + 1;
    const stats = sdk.stats();
    expect(stats.dropped).toBe(200_000); // nothing arrived, everything is accounted for
    for (const [reason, n] of Object.entries(stats.droppedByReason)) {
      const calls = (): typeof drops => drops.filter((d) => d.reason === reason);
      // A drop after close() (the request in flight) is reported at the end of its interval.
      expect(await eventually(() => calls().reduce((sum, d) => sum + d.count, 0) === n)).toBe(true);
      // At most one call per reason per flush interval, plus the one at close().
      expect(calls().length).toBeLessThanOrEqual(elapsedIntervals + 2);
      expect(calls().every((d) => d.events <= Math.min(d.count, 1000))).toBe(true);
    }
    expect(stats.droppedByReason.queue_full).toBeGreaterThan(150_000);
    const dropErrors = errors.filter((e) => e.code === "dropped");
    expect(dropErrors.length).toBeLessThanOrEqual(2 * (elapsedIntervals + 1));
    expect(errors.length).toBeLessThan(100);
  }, 60_000);
});
