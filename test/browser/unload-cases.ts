import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { type Collector, startCollector } from "../../collector/index.ts";
import { steady } from "../helpers/collector.ts";
import type { Engine, EngineContext, EnginePage } from "./engines/engine.ts";
import { type Site, startSite } from "./site.ts";

/** Poll `check` (sync or async) every 25 ms; throws naming `what` after `timeoutMs`. */
export async function waitFor(check: () => boolean | Promise<boolean>, what: string, timeoutMs = 8000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

/** An expression that makes the page hidden as a tab switch does, leaving it alive. */
export const HIDE =
  '(Object.defineProperty(document, "visibilityState", { configurable: true, get: () => "hidden" }), document.dispatchEvent(new Event("visibilitychange")), null)';

/** How an engine's unload differs, where a case depends on it. */
export interface EngineTraits {
  /**
   * Beacons share the keepalive fetches' 64 KiB in-flight quota (Chromium, WebKit): a closing
   * page sends about 64 KiB, and a hidden page's left-overs go by timer, whose answers empty the
   * carry-over. Where they do not (Firefox), beacons take the whole queue at once; their copies
   * stay in the carry-over until the next load, as no answer confirms a beacon.
   */
  sharedQuota: boolean;
  /** Set when closing a tab loses events this engine gives the page no chance to keep: why. */
  closeLosesEvents?: string;
}

/**
 * The page-lifecycle cases every engine must pass: a page on another origin than the collector
 * logs at load, then is navigated away, closed or hidden; what it queued must all arrive, from
 * the unload alone when small, else with the next visit's carry-over. `launch` starts the engine.
 */
export function describeUnloadCases(engineName: string, launch: () => Promise<Engine>, traits: EngineTraits): void {
  let collector: Collector;
  let site: Site;
  let engine: Engine;
  let context: EngineContext;

  const stored = (model: string, c: Collector = collector) => c.store.predictions({ modelId: model }).map((e) => e.id);
  const pageUrl = (model: string, n: number, extra: string, c: Collector) =>
    `${site.url}/page.html?collector=${encodeURIComponent(c.url)}&model=${model}&n=${n}${extra}`;

  /** Open the fixture page, which logs `n` predictions at load; returns the page and their ids. */
  async function openPage(model: string, n: number, extra = "", c: Collector = collector): Promise<{ page: EnginePage; ids: string[] }> {
    const page = await context.open(pageUrl(model, n, extra, c));
    const ids = await page.eval<string[]>("window.ids");
    expect(ids).toHaveLength(n);
    return { page, ids };
  }

  describe(`${engineName}: a page on another origin than the collector`, () => {
    beforeAll(async () => {
      [collector, site, engine] = await Promise.all([startCollector({ port: 0 }), startSite(), launch()]);
    });
    afterAll(async () => {
      await engine?.close();
      await site?.close();
      await collector?.close();
    });
    // One context per test: localStorage (the carry-over) lives as long as the context.
    beforeEach(async () => {
      context = await engine.newContext();
    });
    afterEach(async () => {
      await context?.close();
    });

    const unloads: Record<string, (page: EnginePage) => Promise<unknown>> = {
      "navigates away": (page) => page.goto("about:blank"),
      "is closed": (page) => page.close(),
    };

    for (const [name, unload] of Object.entries(unloads)) {
      // A case this engine cannot pass is listed as skipped, with the reason the README gives.
      const test = name === "is closed" && traits.closeLosesEvents ? it.skip : it;
      const limit = name === "is closed" && traits.closeLosesEvents ? ` (skipped: ${traits.closeLosesEvents})` : "";

      test(`delivers a small queue when it ${name}, from the unload alone${limit}`, async () => {
        const model = `small-${name.replace(/ /g, "-")}`;
        const { page, ids } = await openPage(model, 50);
        await unload(page);
        await waitFor(() => stored(model).length === 50, "50 predictions");
        expect(stored(model).sort()).toEqual([...ids].sort());
      });

      test(`delivers a queue over 64 KiB when it ${name}, the rest of what the unload sent arriving with the next visit${limit}`, async () => {
        const model = `large-${name.replace(/ /g, "-")}`;
        const { page, ids } = await openPage(model, 400);
        await unload(page);
        await waitFor(() => stored(model).length > 0, "the unload part");
        // Beacons land 20-210 ms after the trigger: read once the count has stopped growing.
        const fromUnload = await steady(() => stored(model).length, 500);
        // About 64 KiB leaves a closing page where beacons share the keepalive quota.
        if (traits.sharedQuota) expect(fromUnload).toBeLessThan(400);
        await openPage(model, 0); // the next visit sends the carry-over from localStorage
        await waitFor(() => stored(model).length === 400, "all 400 predictions");
        expect(stored(model).sort()).toEqual([...ids].sort());
        // No event arrives twice as stored (the collector keeps one per id, repeats are harmless).
        expect(new Set(stored(model)).size).toBe(400);
      });

      test(`delivers after the collector comes back and the page, which ${name} while it was down, is opened again${limit}`, async () => {
        // This test's own collector, down while the page unloads: it drops every connection unanswered.
        const model = `down-${name.replace(/ /g, "-")}`;
        const down = await startCollector({ port: 0, faults: { dropConnectionRate: 1 } });
        try {
          const { page, ids } = await openPage(model, 400, "", down);
          await unload(page);
          // What the unloading page handed off arrives and is dropped: wait until no more comes.
          await waitFor(() => down.requests.length > 0, "the unload requests");
          await steady(() => down.requests.length, 500);
          expect(down.requests.every((r) => r.status === 0)).toBe(true);
          down.setFaults({}); // the collector is back
          await openPage(model, 0, "", down);
          await waitFor(() => stored(model, down).length === 400, "all 400 predictions");
          expect(stored(model, down).sort()).toEqual([...ids].sort());
        } finally {
          await down.close();
        }
      });
    }

    it("delivers everything when it is hidden and lives on, a queue over 64 KiB included", async () => {
      const { page, ids } = await openPage("hidden", 400, "&interval=200");
      await page.eval(HIDE);
      expect(await page.eval("window.client.stats().queued")).toBe(0);
      await waitFor(() => stored("hidden").length === 400, "all 400 predictions");
      expect(stored("hidden").sort()).toEqual([...ids].sort());
      const left = () => page.eval<{ body: string }[]>(`JSON.parse(localStorage.getItem("aither:carry-over") ?? "[]")`);
      if (traits.sharedQuota) {
        // Nothing is left for a later visit once every answer confirmed its body.
        await waitFor(async () => (await left()).length === 0, "an empty carry-over");
      } else {
        // Only copies of beacons (no answer confirms them) are left, and their events all arrived.
        await steady(() => stored("hidden").length, 300);
        const arrived = new Set(stored("hidden"));
        for (const entry of await left()) {
          const events = (JSON.parse(entry.body) as { predictions: { id: string }[] }).predictions;
          expect(events.every((e) => arrived.has(e.id))).toBe(true);
        }
      }
    });
  });
}
