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
  abortInFlight: () => {},
  pending: 0,
  shutdownTimeout: 1000,
  page: { takeBodies: () => [], restore: () => {}, accounted: () => {}, confirm: () => {}, drop: () => {}, inFlightBodies: () => [] },
};

/** One listener: where it listens ("process:exit", "document:visibilitychange", ...) and the function. */
interface Listener {
  where: string;
  fn: unknown;
}

interface TrackedPage {
  /** Listeners on the stand-in document and global scope. */
  current(): Listener[];
  restore(): void;
}

/**
 * A stand-in page in this Node process: `document` and the global `addEventListener` are
 * EventTargets that record their listeners (Node has neither; the real page is test/dom and
 * test/browser). Removing what was never added is a no-op, as in a browser.
 */
function trackedPage(): TrackedPage {
  const live = new Map<string, Set<unknown>>();
  const target = (prefix: string) => {
    const events = new EventTarget();
    return {
      addEventListener(type: string, fn: () => void) {
        events.addEventListener(type, fn);
        const key = `${prefix}:${type}`;
        live.set(key, (live.get(key) ?? new Set()).add(fn));
      },
      removeEventListener(type: string, fn: () => void) {
        events.removeEventListener(type, fn);
        live.get(`${prefix}:${type}`)?.delete(fn);
      },
    };
  };
  const scope = target("global");
  vi.stubGlobal("document", { visibilityState: "visible", ...target("document") });
  vi.stubGlobal("addEventListener", scope.addEventListener);
  vi.stubGlobal("removeEventListener", scope.removeEventListener);
  return {
    current: () => [...live].flatMap(([where, fns]) => [...fns].map((fn) => ({ where, fn }))),
    restore: () => vi.unstubAllGlobals(),
  };
}

/** Every listener on the process and on the stand-in page, in a stable order. */
function listeners(page: TrackedPage): Listener[] {
  const onProcess = process.eventNames().flatMap((event) => process.rawListeners(event).map((fn) => ({ where: `process:${String(event)}`, fn })));
  return [...onProcess, ...page.current()];
}

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

    it("turns the collector's answers into outcomes: ok, retry with Retry-After, drop, and a dropped connection into retry", async () => {
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
      // The collector is down: it closes the connection without an answer.
      collector.setFaults({ dropConnectionRate: 1 });
      try {
        expect(await post(url)).toMatchObject({ kind: "retry" });
        expect(collector.requests.at(-1)?.status).toBe(0);
      } finally {
        collector.setFaults({});
      }
    });

    it("attaches to a host and detaches cleanly: every listener it added is removed", () => {
      // A page for the adapters that listen to one (document and the global scope, tracked),
      // and the real process for those that hook its events.
      const page = trackedPage();
      try {
        const adapter = makeAdapter();
        const before = listeners(page);
        const detach = adapter.attach(host);
        const attached = listeners(page);
        detach();
        const after = listeners(page);
        const has = (list: Listener[], l: Listener) => list.some((m) => m.where === l.where && m.fn === l.fn);
        // What attach added (nothing, for adapters with no lifecycle hooks; it removed nothing) ...
        const added = attached.filter((l) => !has(before, l));
        expect(attached.filter((l) => has(before, l))).toEqual(before);
        // ... detach removed, and nothing else.
        expect(after).toEqual(before);
        // The adapters with hooks in this Node process: node's exit hooks, the browser's page events.
        const hooks = added.map((l) => l.where).sort();
        if (name === "node") expect(hooks).toEqual(["process:beforeExit", "process:exit"]);
        if (name.startsWith("browser")) expect(hooks).toEqual(["document:visibilitychange", "global:online", "global:pagehide"]);
      } finally {
        page.restore();
      }
    });
  });
}
