import { readFileSync } from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { build } from "esbuild";
import { type Browser, type BrowserContext, chromium, type Page } from "playwright-core";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { type Collector, startCollector } from "../../collector/index.ts";
import { CHROMIUM_ARGS, chromiumPath } from "../helpers/chromium.ts";
import { steady } from "../helpers/collector.ts";

// Real headless Chromium (Debian's /usr/bin/chromium) driven by playwright-core. The page is
// served from 127.0.0.1:A, the collector listens on 127.0.0.1:B, so every request is cross-origin.
const FIXTURES = new URL("../fixtures/", import.meta.url);
const EXAMPLE = new URL("../../examples/browser/", import.meta.url);

let collector: Collector;
let site: Server;
let siteUrl = "";
let browser: Browser;
let context: BrowserContext;

async function waitFor(check: () => boolean, what: string, timeoutMs = 8000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

function stored(model: string, c: Collector = collector): string[] {
  return c.store.predictions({ modelId: model }).map((e) => e.id);
}

function pageUrl(model: string, n: number, extra = "", c: Collector = collector): string {
  return `${siteUrl}/page.html?collector=${encodeURIComponent(c.url)}&model=${model}&n=${n}${extra}`;
}

/** Open the fixture page, which logs `n` predictions at load; returns the page and their ids. */
async function openPage(model: string, n: number, extra = "", c: Collector = collector): Promise<{ page: Page; ids: string[] }> {
  const page = await context.newPage();
  await page.goto(pageUrl(model, n, extra, c));
  const ids = await page.evaluate(() => (window as unknown as { ids: string[] }).ids);
  expect(ids).toHaveLength(n);
  return { page, ids };
}

function hide(page: Page): Promise<void> {
  return page.evaluate(() => {
    Object.defineProperty(document, "visibilityState", { configurable: true, get: () => "hidden" });
    document.dispatchEvent(new Event("visibilitychange"));
  });
}

beforeAll(async () => {
  collector = await startCollector({ port: 0 });
  const sdk = (
    await build({
      entryPoints: ["adapters/browser.ts"],
      bundle: true,
      write: false,
      format: "iife",
      globalName: "aither",
      platform: "browser",
      target: "es2022",
    })
  ).outputFiles[0]?.text;
  const files: Record<string, [URL, string]> = {
    "/page.html": [new URL("browser-page.html", FIXTURES), "text/html"],
    "/worker.html": [new URL("browser-worker.html", FIXTURES), "text/html"],
    "/browser-worker.js": [new URL("browser-worker.js", FIXTURES), "text/javascript"],
    "/examples/browser/index.html": [new URL("index.html", EXAMPLE), "text/html"],
    "/examples/browser/model.js": [new URL("model.js", EXAMPLE), "text/javascript"],
  };
  site = createServer((req, res) => {
    const path = new URL(req.url ?? "/", "http://site").pathname;
    if (path === "/sdk.js" || path === "/examples/browser/aither.js") return void res.writeHead(200, { "content-type": "text/javascript" }).end(sdk);
    const file = files[path];
    if (!file) return void res.writeHead(404).end();
    res.writeHead(200, { "content-type": file[1] }).end(readFileSync(file[0]));
  });
  await new Promise<void>((resolve) => site.listen(0, "127.0.0.1", () => resolve()));
  siteUrl = `http://127.0.0.1:${(site.address() as AddressInfo).port}`;
  browser = await chromium.launch({ executablePath: chromiumPath(), args: CHROMIUM_ARGS });
});

afterAll(async () => {
  await browser?.close();
  await new Promise((resolve) => site?.close(resolve));
  await collector?.close();
});

// One context per test: localStorage (the carry-over) lives as long as the context.
beforeEach(async () => {
  context = await browser.newContext();
});
afterEach(async () => {
  await context.close();
});

const unloads: Record<string, (page: Page) => Promise<unknown>> = {
  "navigates away": (page) => page.goto("about:blank"),
  "is closed": (page) => page.close(),
};

describe("a page on another origin than the collector", () => {
  for (const [name, unload] of Object.entries(unloads)) {
    it(`delivers a small queue when it ${name}, from the unload alone`, async () => {
      const model = `small-${name.replace(/ /g, "-")}`;
      const { page, ids } = await openPage(model, 50);
      await unload(page);
      await waitFor(() => stored(model).length === 50, "50 predictions");
      expect(stored(model).sort()).toEqual([...ids].sort());
    });

    it(`delivers a queue over 64 KiB when it ${name}: what the unload budget cannot take arrives with the next visit`, async () => {
      const model = `large-${name.replace(/ /g, "-")}`;
      const { page, ids } = await openPage(model, 400);
      await unload(page);
      await waitFor(() => stored(model).length > 0, "the unload part");
      // Beacons land 20-210 ms after the trigger: read once the count has stopped growing.
      const fromUnload = await steady(() => stored(model).length, 500);
      expect(fromUnload).toBeLessThan(400); // Chromium lets about 64 KiB leave a closing page
      await openPage(model, 0); // the next visit sends the carry-over from localStorage
      await waitFor(() => stored(model).length === 400, "all 400 predictions");
      expect(stored(model).sort()).toEqual([...ids].sort());
    });
  }

  it("delivers everything when it is hidden and lives on, a queue over 64 KiB included", async () => {
    const { page, ids } = await openPage("hidden", 400, "&interval=200");
    await hide(page);
    expect(await page.evaluate(() => (window as unknown as { client: { stats(): { queued: number } } }).client.stats().queued)).toBe(0);
    await waitFor(() => stored("hidden").length === 400, "all 400 predictions");
    expect(stored("hidden").sort()).toEqual([...ids].sort());
    // Nothing is left for a later visit once every answer confirmed its body.
    await page.waitForFunction(() => localStorage.getItem("aither:carry-over") === null);
  });

  it("delivers after the collector comes back and the page is opened again (localStorage carry-over)", async () => {
    // This test's own collector, down while the page closes: it drops every connection unanswered.
    const down = await startCollector({ port: 0, faults: { dropConnectionRate: 1 } });
    try {
      const { page, ids } = await openPage("down", 400, "", down);
      await page.close();
      // What the closing page handed off arrives and is dropped: wait until no more comes.
      await waitFor(() => down.requests.length > 0, "the unload requests");
      await steady(() => down.requests.length, 500);
      expect(down.requests.every((r) => r.status === 0)).toBe(true);
      down.setFaults({}); // the collector is back
      await openPage("down", 0, "", down);
      await waitFor(() => stored("down", down).length === 400, "all 400 predictions");
      expect(stored("down", down).sort()).toEqual([...ids].sort());
    } finally {
      await down.close();
    }
  });
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
    await hide(page);
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
