import type { Browser, BrowserContext } from "playwright-core";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { type Collector, startCollector } from "../../collector/index.ts";
import { chromiumEngine, launchChromium } from "./engines/chromium.ts";
import { type Site, startSite } from "./site.ts";
import { describeUnloadCases, HIDE, waitFor } from "./unload-cases.ts";

// Real headless Chromium (Debian's chromium) driven by playwright-core. The page is served from
// 127.0.0.1:A, the collector listens on 127.0.0.1:B, so every request is cross-origin. One
// browser for the whole file: the unload cases shared with Firefox and WebKit, then the
// Chromium-only cases below.
let browser: Browser;
beforeAll(async () => {
  browser = await launchChromium();
});
afterAll(async () => {
  await browser?.close();
});

describeUnloadCases("Chromium", async () => chromiumEngine(browser), { sharedQuota: true });

describe("Chromium only", () => {
  let collector: Collector;
  let site: Site;
  let siteUrl = "";
  let context: BrowserContext;

  function stored(model: string): string[] {
    return collector.store.predictions({ modelId: model }).map((e) => e.id);
  }

  beforeAll(async () => {
    [collector, site] = await Promise.all([startCollector({ port: 0 }), startSite()]);
    siteUrl = site.url;
  });
  afterAll(async () => {
    await site?.close();
    await collector?.close();
  });
  beforeEach(async () => {
    context = await browser.newContext();
  });
  afterEach(async () => {
    await context.close();
  });

  describe("a dedicated Web Worker", () => {
    it("loads the SDK without document or window, flushes by timer and when its page asks", async () => {
      const page = await context.newPage();
      await page.goto(`${siteUrl}/worker.html`);
      type Reply = { hasDocument: boolean; hasWindow: boolean; ids: string[]; result: { ok: boolean; sent: number } };
      const ask = (message: Record<string, unknown>) => page.evaluate((m) => (window as unknown as { ask(m: unknown): Promise<Reply> }).ask(m), message);
      expect(await ask({ type: "init", endpoint: collector.url, flushInterval: 200 })).toMatchObject({ hasDocument: false, hasWindow: false });
      const timed = (await ask({ type: "log", model: "worker-timer", n: 5 })).ids;
      await waitFor(() => stored("worker-timer").length === 5, "the timer flush");
      expect(stored("worker-timer").sort()).toEqual([...timed].sort());

      await ask({ type: "init", endpoint: collector.url, flushInterval: 600_000 });
      const asked = (await ask({ type: "log", model: "worker-asked", n: 7 })).ids;
      const reply = await ask({ type: "flush" });
      expect(reply.result).toMatchObject({ ok: true, sent: 7 });
      expect(stored("worker-asked").sort()).toEqual([...asked].sort());

      // The page asks on visibilitychange to hidden (the README pattern).
      const hidden = (await ask({ type: "log", model: "worker-hidden", n: 4 })).ids;
      await page.evaluate(HIDE);
      await waitFor(() => stored("worker-hidden").length === 4, "the flush asked for by the hidden page");
      expect(stored("worker-hidden").sort()).toEqual([...hidden].sort());
    });
  });

  describe("examples/browser", () => {
    it("runs an in-page model whose predictions arrive at AITHER_ENDPOINT", async () => {
      const page = await context.newPage();
      await page.goto(`${siteUrl}/examples/browser/index.html?endpoint=${encodeURIComponent(collector.url)}`);
      const ids = await page.evaluate(() => (window as unknown as { predictionIds: string[] }).predictionIds);
      expect(ids).toHaveLength(25);
      await page.waitForFunction(() => document.getElementById("status")?.textContent === "25 predictions logged");
      const events = collector.store.predictions({ modelId: "churn-logreg-browser" });
      expect(events.map((e) => e.id).sort()).toEqual([...ids].sort());
      expect(events[0]).toMatchObject({ model_version: "1.0.0", features: { tenure: 0, monthly_charges: 20, support_calls: 0 } });
    });
  });
});
