// `npm run load:page [-- COUNT]`: the collector page at scale. Ingests COUNT predictions
// (default 1,000,000; a tenth of them labelled) into the built CLI's file store over HTTP,
// restarts the collector on that file, opens the page in headless Chromium and prints: ingest
// rate, reload time, the page's first load, and the collector's heap and RSS. The last line is
// the same numbers as JSON (test/browser/collector-page-load.test.ts reads it).
import { spawn } from "node:child_process";
import { mkdtempSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { chromium } from "playwright-core";

const count = Number(process.argv[2] ?? 1_000_000);
const BATCH = 1000;
const IN_FLIGHT = 4;
const MODELS = [
  ["churn-classifier", "2.1.0", "production"],
  ["churn-classifier", "2.2.0-rc1", "staging"],
  ["price-regressor", "0.9.3", "production"],
];
const dir = mkdtempSync(join(tmpdir(), "aither-page-load-"));
const file = join(dir, "collector.jsonl");
const mb = (bytes) => Math.round(bytes / 1e6);

/** Start the built CLI on the file; resolves once it listens, with its URL. */
function startCli() {
  const started = performance.now();
  const child = spawn(process.execPath, ["dist/collector/cli.js", "collector", "--port", "0", "--quiet", "--data", file], {
    stdio: ["ignore", "pipe", "inherit"],
  });
  let out = "";
  return new Promise((resolve, reject) => {
    child.stdout.on("data", (chunk) => {
      out += chunk;
      const match = out.match(/listening on (\S+)/);
      if (match) resolve({ child, url: match[1], startMs: performance.now() - started });
    });
    child.on("exit", (code) => reject(new Error(`collector exited with ${code} before listening: ${out}`)));
  });
}

function stop(child) {
  return new Promise((resolve) => {
    child.once("exit", resolve);
    child.kill("SIGTERM");
  });
}

function predictionBatch(start, size) {
  const events = [];
  for (let n = start; n < start + size; n++) {
    const [model, version, environment] = MODELS[n % MODELS.length];
    const prediction = model === "price-regressor" ? 100 + (n % 97) : n % 5 === 0 ? "churn" : "stay";
    events.push(
      `{"id":"p-${n}","model_id":"${model}","model_version":"${version}","environment":"${environment}","prediction":${JSON.stringify(prediction)},` +
        `"latency_ms":${(2 + (n % 400) / 10).toFixed(1)},"features":{"tenure":${n % 72},"monthly_charges":${(20 + (n % 100)).toFixed(2)},"plan":"monthly","calls":${n % 7},"region":"eu-${n % 4}"},` +
        `"metadata":{"user_id":"u_${n}"},"timestamp":"${new Date().toISOString()}"}`,
    );
  }
  return `{"batch_id":"b-${start}","sent_at":"${new Date().toISOString()}","predictions":[${events.join(",")}]}`;
}

function labelBatch(start, size) {
  const labels = [];
  for (let n = start; n < start + size; n += 10) {
    const label = MODELS[n % MODELS.length][0] === "price-regressor" ? 100 + (n % 89) : n % 3 === 0 ? "churn" : "stay";
    labels.push(`{"id":"l-${n}","prediction_id":"p-${n}","label":${JSON.stringify(label)}}`);
  }
  return `{"batch_id":"lb-${start}","sent_at":"${new Date().toISOString()}","labels":[${labels.join(",")}]}`;
}

async function post(url, path, body) {
  const res = await fetch(`${url}${path}`, { method: "POST", headers: { "content-type": "application/json" }, body });
  if (!res.ok) throw new Error(`${path} answered ${res.status}: ${await res.text()}`);
  await res.arrayBuffer();
}

async function stats(url) {
  return (await fetch(`${url}/v1/stats`)).json();
}

try {
  const first = await startCli();
  const ingestStart = performance.now();
  let next = 0;
  const worker = async () => {
    while (next < count) {
      const start = next;
      const size = Math.min(BATCH, count - start);
      next += size;
      await post(first.url, "/v1/predictions/batch", predictionBatch(start, size));
      await post(first.url, "/v1/labels/batch", labelBatch(start, size));
    }
  };
  await Promise.all(Array.from({ length: IN_FLIGHT }, worker));
  const ingestMs = performance.now() - ingestStart;
  const live = await stats(first.url);
  await stop(first.child);

  const second = await startCli();
  const reloaded = await stats(second.url);
  const browser = await chromium.launch({
    executablePath: process.env.CHROMIUM_PATH || "/usr/bin/chromium",
    args: ["--headless", "--no-sandbox", "--disable-gpu"],
  });
  const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
  // The first navigation of a fresh browser also pays for Chromium's own start-up (renderer
  // process, caches): measured on its own, then a second open on a new tab.
  const open = async (tab) => {
    const loadStart = performance.now();
    await tab.goto(`${second.url}/`);
    await tab.waitForSelector("body[data-loaded]");
    return performance.now() - loadStart;
  };
  const coldMs = await open(page);
  await page.close();
  const tab = await browser.newPage({ viewport: { width: 1280, height: 900 } });
  const pageMs = await open(tab);
  const apiStart = performance.now();
  await (await fetch(`${second.url}/v1/page/overview`)).json();
  const overviewMs = performance.now() - apiStart;
  const shown = await tab.locator('[data-total="predictions"] dd').textContent();
  const rows = await tab.locator("#latest tbody tr").count();

  // 5,000 predictions a second for 5 s into the open page: the longest gap between two frames
  // (the page's main thread blocked) and whether the table kept up.
  await tab.evaluate(() => {
    const state = { maxGap: 0, last: performance.now(), on: true };
    Object.assign(window, { frames: state });
    const tick = (now) => {
      state.maxGap = Math.max(state.maxGap, now - state.last);
      state.last = now;
      if (state.on) requestAnimationFrame(tick);
    };
    requestAnimationFrame(tick);
  });
  const cdp = await tab.context().newCDPSession(tab);
  await cdp.send("Performance.enable");
  // Wall time the renderer's main thread spent in tasks (script, style, layout, paint).
  const busy = async () => (await cdp.send("Performance.getMetrics")).metrics.find((m) => m.name === "TaskDuration").value;
  const busyBefore = await busy();
  const burstStart = performance.now();
  for (let i = 0; i < 50; i++) {
    await post(second.url, "/v1/predictions/batch", predictionBatch(count + i * 500, 500));
    const due = burstStart + (i + 1) * 100;
    if (performance.now() < due) await new Promise((resolve) => setTimeout(resolve, due - performance.now()));
  }
  const burstSeconds = (performance.now() - burstStart) / 1000;
  const lastId = `p-${count + 50 * 500 - 1}`;
  await tab.waitForSelector(`#latest tbody tr[data-id="${lastId}"]`, { timeout: 10_000 });
  const rendererBusy = (await busy()) - busyBefore;
  const maxFrameGapMs = await tab.evaluate(() => {
    window.frames.on = false;
    return Math.round(window.frames.maxGap);
  });
  await browser.close();
  const afterPage = await stats(second.url);
  await stop(second.child);

  const result = {
    predictions: count,
    labels: live.labels,
    fileMB: mb(statSync(file).size),
    ingestSeconds: Number((ingestMs / 1000).toFixed(1)),
    ingestPerSecond: Math.round(count / (ingestMs / 1000)),
    liveHeapMB: mb(live.memory.heap_used_bytes),
    liveRssMB: mb(live.memory.rss_bytes),
    reloadSeconds: Number((second.startMs / 1000).toFixed(1)),
    reloadedPredictions: reloaded.predictions,
    reloadedHeapMB: mb(afterPage.memory.heap_used_bytes),
    reloadedRssMB: mb(afterPage.memory.rss_bytes),
    pageFirstLoadMs: Math.round(pageMs),
    pageColdBrowserMs: Math.round(coldMs),
    overviewRouteMs: Math.round(overviewMs),
    pageShows: shown,
    pageRows: rows,
    burstPerSecond: Math.round(25_000 / burstSeconds),
    burstMaxFrameGapMs: maxFrameGapMs,
    burstRendererBusyShare: Number((rendererBusy / burstSeconds).toFixed(2)),
  };
  console.log(`collector page at ${count.toLocaleString("en-US")} predictions (${result.labels.toLocaleString("en-US")} labels, file ${result.fileMB} MB):`);
  console.log(
    `  ingest over HTTP: ${result.ingestSeconds} s, ${result.ingestPerSecond.toLocaleString("en-US")} predictions/s (batches of ${BATCH}, ${IN_FLIGHT} in flight)`,
  );
  console.log(`  collector after ingest: heap ${result.liveHeapMB} MB, RSS ${result.liveRssMB} MB`);
  console.log(
    `  restart on the file: listening after ${result.reloadSeconds} s (aggregates rebuilt once), ${result.reloadedPredictions.toLocaleString("en-US")} predictions`,
  );
  console.log(
    `  page first load (navigation to first render): ${result.pageFirstLoadMs} ms (${result.pageColdBrowserMs} ms as a fresh browser's first tab); it shows ${shown} predictions, ${rows} rows`,
  );
  console.log(`  GET /v1/page/overview: ${result.overviewRouteMs} ms`);
  console.log(
    `  live at ${result.burstPerSecond.toLocaleString("en-US")} predictions/s for 5 s: the newest row reached the table; the page's main thread was busy ${Math.round(result.burstRendererBusyShare * 100)}% of the time, longest frame gap ${maxFrameGapMs} ms`,
  );
  console.log(`  collector after reload and page: heap ${result.reloadedHeapMB} MB, RSS ${result.reloadedRssMB} MB`);
  console.log(JSON.stringify(result));
} finally {
  rmSync(dir, { recursive: true, force: true });
}
