import { mkdirSync, readFileSync } from "node:fs";
import type { Browser, BrowserContext, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { AitherClient } from "../../adapters/node.ts";
import { type Collector, startCollector } from "../../collector/index.ts";
import { ARTIFACTS, launchChromium } from "./page-chromium.ts";

// The page updates every 250 ms; on a loaded machine a render can take seconds.
const LIVE = { timeout: 10_000 };

// The collector's page in real Chromium while a real client logs two models: what the page
// shows must equal what was sent. The tests run in order on one open page.
const KEY = "page-test-key";
let collector: Collector;
let client: AitherClient;
let browser: Browser;
let context: BrowserContext;
let page: Page;

interface Sent {
  ids: string[];
  latencies: number[];
  predictions: unknown[];
  labels: Map<string, unknown>;
}
const churn: Sent = { ids: [], latencies: [], predictions: [], labels: new Map() };
const price: Sent = { ids: [], latencies: [], predictions: [], labels: new Map() };

function logChurn(i: number): string {
  const prediction = i % 3 === 0 ? "churn" : "stay";
  const latencyMs = 1 + i * 1.5;
  const id = client.logPrediction({
    modelId: "churn-classifier",
    modelVersion: "2.1.0",
    environment: "production",
    prediction,
    latencyMs,
    features: { tenure: i, plan: "monthly" },
  });
  churn.ids.push(id);
  churn.latencies.push(latencyMs);
  churn.predictions.push(prediction);
  return id;
}

// The page's own number formats (collector/page/static/dom.js).
const num = (n: number) => (Number.isInteger(n) ? n.toLocaleString("en-US") : Number(n.toPrecision(3)).toString());
const percent = (share: number) => `${Number((share * 100).toPrecision(3))}%`;
/** Nearest-rank quantile, as the collector defines p50. */
const quantile = (values: number[], q: number) => [...values].sort((a, b) => a - b)[Math.max(1, Math.ceil(q * values.length)) - 1] as number;

const card = (model: string) => page.locator(`article.group[data-model="${model}"]`);
const figure = (model: string, name: string) => card(model).locator(`[data-figure="${name}"]`);
const rowIds = () => page.locator("#latest tbody tr").evaluateAll((rows) => rows.map((r) => r.getAttribute("data-id")));

beforeAll(async () => {
  collector = await startCollector({ port: 0, apiKeys: [KEY] });
  client = new AitherClient({ endpoint: collector.url, apiKey: KEY, flushInterval: 60_000, onError: () => {} });
  for (let i = 0; i < 30; i++) {
    const id = logChurn(i);
    if (i < 20) {
      const label = i % 4 === 0 ? "churn" : "stay";
      client.logLabel({ predictionId: id, label });
      churn.labels.set(id, label);
    }
  }
  for (let i = 0; i < 20; i++) {
    const latencyMs = 10 + 2 * i;
    const id = client.logPrediction({
      modelId: "price-regressor",
      modelVersion: "0.9.3",
      environment: "staging",
      prediction: 100 + i,
      latencyMs,
      // 784 values: more than the 5 x 10 sample, so the SDK sends a _tensor summary.
      features: { rooms: 3, embedding: new Float32Array(784).fill(0.25) },
      metadata: { order: `ord-${i}` },
    });
    price.ids.push(id);
    price.latencies.push(latencyMs);
    price.predictions.push(100 + i);
    if (i < 10) {
      const label = 100 + i + (i % 2 ? 3 : -1);
      client.logLabel({ predictionId: id, label });
      price.labels.set(id, label);
    }
  }
  expect(await client.flush()).toMatchObject({ ok: true, sent: 80 });
  browser = await launchChromium();
  context = await browser.newContext({ viewport: { width: 1280, height: 900 }, acceptDownloads: true });
  page = await context.newPage();
});

afterAll(async () => {
  await browser?.close();
  await client?.close();
  await collector?.close();
});

describe("the collector's page", () => {
  it("shows per model what the client sent: counts, p50 latency, label coverage, accuracy and mean absolute error", async () => {
    await page.goto(`${collector.pageUrl}?key=${KEY}`);
    await expect.poll(() => figure("churn-classifier", "predictions").textContent(), LIVE).toBe("30");
    expect(new URL(page.url()).searchParams.has("key")).toBe(false); // taken out of the address bar
    expect(await figure("price-regressor", "predictions").textContent()).toBe("20");
    expect(await card("churn-classifier").locator(".tags").textContent()).toBe("v2.1.0 · production");
    for (const [model, sent] of [
      ["churn-classifier", churn],
      ["price-regressor", price],
    ] as const) {
      const p50 = Number.parseFloat((await figure(model, "p50").textContent()) ?? "");
      const exact = quantile(sent.latencies, 0.5);
      // The sketch is within 1% of the exact value; the page shows three digits.
      expect(Math.abs(p50 - exact) / exact).toBeLessThan(0.015);
      expect(await figure(model, "coverage").textContent()).toBe(percent(sent.labels.size / sent.ids.length));
    }
    const matches = [...churn.labels].filter(([id, label]) => churn.predictions[churn.ids.indexOf(id)] === label).length;
    expect(await figure("churn-classifier", "accuracy").textContent()).toBe(percent(matches / churn.labels.size));
    const errors = [...price.labels].map(([id, label]) => Math.abs((price.predictions[price.ids.indexOf(id)] as number) - (label as number)));
    expect(await figure("price-regressor", "mae").textContent()).toBe(num(errors.reduce((a, b) => a + b, 0) / errors.length));
    // Class predictions as bars, number predictions as a histogram.
    expect(await card("churn-classifier").locator('[data-distribution="prediction"] .bar-row[data-class="stay"] .bar-count').textContent()).toBe("20 · 67%");
    expect(await card("price-regressor").locator('[data-distribution="prediction"] svg.histogram rect').count()).toBeGreaterThan(1);
    expect(await rowIds()).toEqual([...churn.ids, ...price.ids].reverse().slice(0, 100));
  });

  it("shows a new batch as it arrives (the stream ticks every 250 ms), without a reload", async () => {
    await page.evaluate(() => Object.assign(window, { sameDocument: true }));
    const added = [30, 31, 32].map(logChurn);
    expect(await client.flush()).toMatchObject({ ok: true, sent: 3 });
    await expect.poll(() => figure("churn-classifier", "predictions").textContent(), LIVE).toBe("33");
    await expect.poll(async () => (await rowIds()).slice(0, 3), LIVE).toEqual([...added].reverse());
    expect(await page.evaluate(() => (window as unknown as { sameDocument?: boolean }).sameDocument)).toBe(true);
    mkdirSync(ARTIFACTS, { recursive: true });
    await page.screenshot({ path: new URL("collector-page.png", ARTIFACTS).pathname });
  });

  it("counts duplicates and the drops clients report, by reason", async () => {
    const body = {
      batch_id: "page-drops",
      sent_at: new Date().toISOString(),
      dropped: { queue_full: 4, too_large: 1 },
      predictions: [{ id: churn.ids[0], model_id: "churn-classifier", model_version: "2.1.0", environment: "production", prediction: "stay" }],
    };
    const res = await fetch(`${collector.url}/v1/predictions/batch`, {
      method: "POST",
      headers: { "content-type": "application/json", "x-api-key": KEY },
      body: JSON.stringify(body),
    });
    expect(await res.json()).toEqual({ accepted: 0, duplicates: 1 });
    await expect.poll(() => page.locator('[data-total="dropped by clients"] dd').textContent(), LIVE).toBe("5 queue_full 4, too_large 1");
    expect(await page.locator('[data-total="duplicates"] dd').textContent()).toBe("1");
    expect(await figure("churn-classifier", "duplicates").textContent()).toBe("1 duplicate");
  });

  it("filters the table by model and by text, and exports what the filter shows as CSV and JSONL", async () => {
    await page.selectOption("#filter-model", "price-regressor");
    await expect.poll(rowIds, LIVE).toEqual([...price.ids].reverse());
    const csv = await downloadText("#export-csv");
    const lines = csv.trim().split("\r\n");
    expect(lines).toHaveLength(21);
    expect(lines[0]).toBe("id,timestamp,model_id,model_version,environment,latency_ms,prediction,label,features.rooms,features.embedding");
    expect(lines[1]?.startsWith(`${price.ids[0]},`)).toBe(true);
    expect(lines[1]).toContain(",0.9.3,staging,10,100,99,3,");
    await page.fill("#filter-text", "ord-7");
    await expect.poll(rowIds, LIVE).toEqual([price.ids[7]]);
    const jsonl = (await downloadText("#export-jsonl"))
      .trim()
      .split("\n")
      .map((line) => JSON.parse(line));
    expect(jsonl.map((e) => e.id)).toEqual([price.ids[7]]);
    expect(jsonl[0].labels.map((l: { label: unknown }) => l.label)).toEqual([price.labels.get(price.ids[7] as string)]);
    await page.fill("#filter-text", "");
    await page.selectOption("#filter-model", "");
    await expect.poll(async () => (await rowIds()).length, LIVE).toBe(53);
  });

  it("opens the full stored event with its labels, a _tensor summary as dtype, shape and sample", async () => {
    await page.click(`#latest tbody tr[data-id="${price.ids[3]}"]`);
    const dialog = page.locator("#event-view");
    await expect.poll(() => dialog.isVisible(), LIVE).toBe(true);
    expect(await dialog.locator('[data-tensor-field="dtype"]').textContent()).toBe("float32");
    expect(await dialog.locator('[data-tensor-field="shape"]').textContent()).toBe("[784]");
    expect(await dialog.locator(".sample-values span").first().textContent()).toBe("0.25");
    expect(await dialog.locator('[data-section="labels"] .label-event code').textContent()).toBe(String(price.labels.get(price.ids[3] as string)));
    expect(await dialog.textContent()).not.toContain('"_tensor"');
    await page.click("#event-close");
    await expect.poll(() => dialog.isVisible(), LIVE).toBe(false);
  });

  it("asks for the API key when opened without one, and loads once it is typed", async () => {
    const fresh = await context.browser()?.newContext();
    const other = await (fresh as BrowserContext).newPage();
    try {
      await other.goto(collector.pageUrl);
      await expect.poll(() => other.locator("#key-form").isVisible(), LIVE).toBe(true);
      expect(await other.locator("#status").textContent()).toBe("API key needed");
      expect(await other.locator("article.group").count()).toBe(0);
      await other.fill("#key-input", KEY);
      await other.click("#key-form button");
      await expect.poll(() => other.locator('article.group[data-model="churn-classifier"] [data-figure="predictions"]').textContent(), LIVE).toBe("33");
      expect(await other.locator("#key-form").isVisible()).toBe(false);
    } finally {
      await fresh?.close();
    }
  });
});

/** Click an export button and read the downloaded file. */
async function downloadText(button: string): Promise<string> {
  const [download] = await Promise.all([page.waitForEvent("download"), page.click(button)]);
  return readFileSync((await download.path()) as string, "utf8");
}
