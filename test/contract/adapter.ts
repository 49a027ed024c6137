// The suite every runtime adapter passes, run from Node with each adapter's factory: its timer
// ticks and stops, its sleep resolves, its gzip output is real gzip, its transport turns real
// answers of the collector into the right outcomes, and attach/detach leave nothing behind.
// The runtime-specific halves (exit hooks, page lifecycle, waitUntil) are tested in each
// runtime itself (test/runtimes, test/dom, test/browser).
import { gunzipSync } from "node:zlib";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import type { Collector } from "../../collector/index.ts";
import type { AdapterHost, RuntimeAdapter } from "../../src/runtime.ts";
import { startTestCollector } from "../helpers/collector.ts";

const host: AdapterHost = {
  flush: async () => ({ ok: true, sent: 0, dropped: 0, pending: 0 }),
  report: () => {},
  warn: () => {},
  takeBodies: () => [],
  restore: () => {},
  confirm: () => {},
  pending: 0,
  shutdownTimeout: 1000,
};

/** Run the contract for one adapter factory. */
export function runAdapterContract(name: string, makeAdapter: () => RuntimeAdapter, expected: { timer: boolean }): void {
  describe(`${name} adapter contract`, () => {
    let collector: Collector;
    beforeAll(async () => {
      collector = await startTestCollector({ faults: {} });
    });
    afterAll(() => collector.close());

    it("names a WinterCG runtime", () => {
      expect(["node", "bun", "deno", "browser", "workerd", "edge"]).toContain(makeAdapter().name);
    });

    it(expected.timer ? "ticks on its interval until stopped" : "has no background timer (flushes at the end of each invocation)", () => {
      vi.useFakeTimers();
      try {
        let ticks = 0;
        const stop = makeAdapter().startTimer(() => ticks++, 100);
        vi.advanceTimersByTime(350);
        stop();
        vi.advanceTimersByTime(500);
        expect(ticks).toBe(expected.timer ? 3 : 0);
      } finally {
        vi.useRealTimers();
      }
    });

    it("sleeps for the time asked", async () => {
      vi.useFakeTimers();
      try {
        let done = false;
        void makeAdapter()
          .sleepUnref(200)
          .then(() => {
            done = true;
          });
        await vi.advanceTimersByTimeAsync(150);
        expect(done).toBe(false);
        await vi.advanceTimersByTimeAsync(100);
        expect(done).toBe(true);
      } finally {
        vi.useRealTimers();
      }
    });

    it("gzips to real gzip, or sends uncompressed", async () => {
      const { gzip } = makeAdapter();
      if (!gzip) return expect(gzip).toBeUndefined();
      const text = JSON.stringify({ predictions: Array.from({ length: 50 }, (_, i) => ({ id: `e${i}`, model_id: "m" })) });
      const out = await gzip(new TextEncoder().encode(text));
      expect(gunzipSync(out).toString()).toBe(text);
      expect(out.byteLength).toBeLessThan(text.length / 3);
    });

    it("turns the collector's answers into outcomes: ok, retry with Retry-After, drop, and a dead port into retry", async () => {
      const transport = makeAdapter().transport({ fetch: undefined, timeoutMs: 2000 });
      const body = JSON.stringify({
        batch_id: "b1",
        sent_at: new Date().toISOString(),
        predictions: [{ id: `c-${name}`, model_id: "m", prediction: 1, timestamp: new Date().toISOString() }],
      });
      const post = (url: string) => transport({ url, body, headers: { "Content-Type": "application/json" } });
      const url = `${collector.url}/v1/predictions/batch`;
      expect(await post(url)).toMatchObject({ kind: "ok", status: 200 });
      collector.setFaults({ failFirst: 1, status: 503, retryAfter: 2 });
      expect(await post(url)).toMatchObject({ kind: "retry", status: 503, afterMs: 2000 });
      collector.setFaults({ failFirst: 1, status: 400 });
      expect(await post(url)).toMatchObject({ kind: "drop", status: 400, reason: "rejected" });
      collector.setFaults({});
      expect(await post("http://127.0.0.1:9/v1/predictions/batch")).toMatchObject({ kind: "retry" });
    });

    it("attaches to a host and detaches cleanly", () => {
      const detach = makeAdapter().attach(host);
      expect(typeof detach).toBe("function");
      expect(() => detach()).not.toThrow();
    });
  });
}
