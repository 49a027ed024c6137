// The edge `waitUntil` option (SPEC section 4, "other edge"): every send is registered with the
// runtime's keep-alive hook. The hook is a recording spy (the one fake we allow); HTTP goes to
// the real collector on loopback. test/runtimes/workerd.test.ts runs the same in workerd.
import { afterEach, describe, expect, it } from "vitest";
import type { Collector } from "../../collector/index.ts";
import { AitherClient } from "../../src/index.ts";
import { startTestCollector, storedIds } from "../helpers/collector.ts";

let collector: Collector | undefined;
afterEach(async () => {
  await collector?.close();
  collector = undefined;
});

/** A waitUntil that records its promises, and waits for them the way an edge runtime does. */
function recordingWaitUntil() {
  const registered: Promise<unknown>[] = [];
  return {
    registered,
    waitUntil: (promise: Promise<unknown>): void => {
      registered.push(promise);
    },
    /** Resolve once every registered promise has settled: the moment the invocation ends. */
    async invocationEnd(): Promise<void> {
      let seen = -1;
      while (seen !== registered.length) {
        seen = registered.length;
        await Promise.allSettled(registered);
      }
    },
  };
}

const pad = "z".repeat(1200); // bodies pass 1 KiB, so they are gzipped: an async step before each request

describe("waitUntil option", () => {
  it("keeps the invocation open until every event of an enableBackground:false client is delivered", async () => {
    collector = await startTestCollector({ faults: { latencyMs: 50 } });
    const host = recordingWaitUntil();
    const client = new AitherClient({ endpoint: collector.url, enableBackground: false, waitUntil: host.waitUntil });
    const ids = [0, 1, 2].map((i) => client.logPrediction({ modelId: "edge", prediction: i, features: { pad } }));
    expect(host.registered.length).toBeGreaterThan(0);

    await host.invocationEnd();
    // When the runtime would end the invocation, everything has arrived: nothing was left to
    // start after the last registered promise settled.
    expect(storedIds(collector).sort()).toEqual([...ids].sort());
    expect(host.registered.length).toBeGreaterThanOrEqual(collector.requests.length);
    expect(collector.store.duplicates()).toBe(0);
  });

  it("registers the request of a flush() of a background client", async () => {
    collector = await startTestCollector();
    const host = recordingWaitUntil();
    const client = new AitherClient({ endpoint: collector.url, waitUntil: host.waitUntil });
    const id = client.logPrediction({ modelId: "edge", prediction: 1 });
    expect(host.registered).toHaveLength(0); // queued, nothing sent yet
    const result = await client.flush();
    expect(result).toMatchObject({ ok: true, sent: 1, pending: 0 });
    expect(host.registered.length).toBeGreaterThanOrEqual(collector.requests.length);
    expect(storedIds(collector)).toEqual([id]);
    await client.close();
  });

  it("hands waitUntil promises that never reject, even when the endpoint is down", async () => {
    // Down: the collector stays bound (no freed port another test could take) and drops every connection.
    collector = await startTestCollector({ faults: { dropConnectionRate: 1 } });
    const host = recordingWaitUntil();
    const client = new AitherClient({ endpoint: collector.url, enableBackground: false, maxRetries: 0, waitUntil: host.waitUntil, onError: () => {} });
    client.logPrediction({ modelId: "edge", prediction: 1 });
    expect(host.registered.length).toBeGreaterThan(0);
    await host.invocationEnd();
    expect(collector.requests.length).toBeGreaterThan(0); // the send was made ...
    expect(collector.requests.every((r) => r.status === 0)).toBe(true); // ... and got no answer
    const outcomes = await Promise.allSettled(host.registered);
    expect(outcomes.map((o) => o.status)).toEqual(host.registered.map(() => "fulfilled"));
    expect(client.stats().queued).toBe(1); // kept for the next flush, not dropped
    await client.close({ timeoutMs: 0 });
  });
});
