// Production builds of a browser page with Vite and with webpack, from `import ... from "aither"`
// in a consumer folder (test/browser/bundle-apps.ts): each bundler picks the browser entry, the
// bundle refers to no Node built-in, an app importing only init and logPrediction ships neither
// wrap() nor the OTLP encoder, and the page run in Chromium delivers every prediction once.
// Needs `npx tsup` first (dist/). The four builds run at once, next to Chromium's start.
import { readFile, rm } from "node:fs/promises";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { extname, join, normalize } from "node:path";
import { type Browser, chromium } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { BUNDLERS, type Bundle, bundle, makeConsumer } from "./bundle-apps.ts";
import { CHROMIUM_ARGS, chromiumPath } from "../helpers/chromium.ts";
import { eventually, startTestCollector, storedIds } from "../helpers/collector.ts";

// The example a user copies (init + logPrediction only), and a page that wraps its model.
const APPS = { example: "examples/vite", wrap: "test/fixtures/bundler-wrap" } as const;
type App = keyof typeof APPS;
const PREDICTIONS: Record<App, number> = { example: 25, wrap: 10 };

// Strings of the source that survive minification. wrap(): src/wrap.ts, src/model-kinds.ts;
// the OTLP encoder: src/otlp.ts; the browser entry: adapters/browser-carry-over.ts.
const WRAP = ["is not a known wrap option", "predictOnBatch"];
const OTLP = ["resourceSpans", "ml.model.name"];
const BROWSER_ENTRY = "aither:carry-over";
const present = (code: string, markers: string[]) => markers.filter((marker) => code.includes(marker));

let consumer = "";
let browser: Browser;
const sites: Server[] = [];
// By `${bundler}/${app}`: the build's output, and the URL serving it.
const built = new Map<string, Bundle>();
const urls = new Map<string, string>();

/** Serve a build's output folder on 127.0.0.1; returns its URL. */
async function serve(dir: string): Promise<string> {
  const types: Record<string, string> = { ".html": "text/html", ".js": "text/javascript", ".css": "text/css" };
  const site = createServer((req, res) => {
    const path = normalize(new URL(req.url ?? "/", "http://site").pathname).replace(/^(\.\.[/\\])+/, "");
    readFile(join(dir, path)).then(
      (body) => res.writeHead(200, { "content-type": types[extname(path)] ?? "application/octet-stream" }).end(body),
      () => res.writeHead(404).end(),
    );
  });
  sites.push(site);
  await new Promise<void>((resolve) => site.listen(0, "127.0.0.1", () => resolve()));
  return `http://127.0.0.1:${(site.address() as AddressInfo).port}`;
}

beforeAll(async () => {
  const launched = chromium.launch({ executablePath: chromiumPath(), args: CHROMIUM_ARGS });
  consumer = await makeConsumer(APPS);
  const builds = BUNDLERS.flatMap((bundler) =>
    (Object.keys(APPS) as App[]).map(async (app) => {
      const out = join(consumer, "out", bundler, app);
      built.set(`${bundler}/${app}`, await bundle(bundler, join(consumer, app), out));
      urls.set(`${bundler}/${app}`, await serve(out));
    }),
  );
  [browser] = await Promise.all([launched, ...builds]);
});

afterAll(async () => {
  await browser?.close();
  await Promise.all(sites.map((site) => new Promise((resolve) => site.close(resolve))));
  if (consumer) await rm(consumer, { recursive: true, force: true });
});

describe.each(BUNDLERS)("a production build with %s", (bundler) => {
  it("of an app importing only init and logPrediction has the browser entry, no Node built-in, no wrap() and no OTLP encoder, without a warning", () => {
    const { code: js, builtins, warnings } = built.get(`${bundler}/example`) as Bundle;
    expect(warnings).toEqual([]);
    expect(js).toContain(BROWSER_ENTRY);
    expect(builtins).toEqual([]);
    expect(present(js, WRAP)).toEqual([]);
    expect(present(js, OTLP)).toEqual([]);
  });

  it("of an app that wraps its model has wrap() (the markers above are found when present) and still no OTLP encoder", () => {
    const { code: js, builtins } = built.get(`${bundler}/wrap`) as Bundle;
    expect(js).toContain(BROWSER_ENTRY);
    expect(builtins).toEqual([]);
    expect(present(js, WRAP)).toEqual(WRAP);
    expect(present(js, OTLP)).toEqual([]);
  });

  for (const app of Object.keys(APPS) as App[]) {
    it(`runs ${APPS[app]} in Chromium and delivers each of its predictions exactly once, sent by the browser entry`, async () => {
      const collector = await startTestCollector();
      const context = await browser.newContext();
      try {
        const page = await context.newPage();
        await page.goto(`${urls.get(`${bundler}/${app}`)}/index.html?endpoint=${encodeURIComponent(collector.url)}`);
        await page.waitForFunction(() => (window as unknown as { predictionIds?: string[] }).predictionIds !== undefined);
        const ids = await page.evaluate(() => (window as unknown as { predictionIds: string[] }).predictionIds);
        expect(ids).toHaveLength(PREDICTIONS[app]);
        // The 1 s timer sends them while the page stays open.
        expect(await eventually(() => storedIds(collector).length >= ids.length)).toBe(true);
        expect(storedIds(collector).sort()).toEqual([...ids].sort());
        expect(collector.store.duplicates()).toBe(0);
        expect(collector.requests.map((r) => r.headers["x-aither-sdk"])).toEqual(collector.requests.map(() => expect.stringMatching(/\(browser\)$/)));
      } finally {
        await context.close();
        await collector.close();
      }
    });
  }
});
