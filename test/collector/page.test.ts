import { join } from "node:path";
import { describe, expect, it } from "vitest";
import type { OverviewView } from "../../collector/index.ts";
import { label, post, prediction, predictionBatch, tempDir, useCollector } from "./helpers.ts";

const start = useCollector();

async function overview(url: string, headers: Record<string, string> = {}): Promise<OverviewView> {
  const res = await fetch(`${url}/v1/page/overview`, { headers });
  expect(res.status).toBe(200);
  return (await res.json()) as OverviewView;
}

/** Read server-sent messages from the page's live stream. */
async function openStream(url: string): Promise<{ next(): Promise<{ rows: Array<{ id: string; label: string | null }>; initial: boolean }>; close(): void }> {
  const controller = new AbortController();
  const res = await fetch(`${url}/v1/page/live`, { signal: controller.signal });
  expect(res.headers.get("content-type")).toBe("text/event-stream");
  const reader = (res.body as ReadableStream<Uint8Array>).getReader();
  const decoder = new TextDecoder();
  let buffer = "";
  return {
    async next() {
      while (!buffer.includes("\n\n")) {
        const { value, done } = await reader.read();
        if (done) throw new Error("stream ended");
        buffer += decoder.decode(value, { stream: true });
      }
      const end = buffer.indexOf("\n\n");
      const message = buffer.slice(0, end);
      buffer = buffer.slice(end + 2);
      return JSON.parse(message.replace(/^data: /, ""));
    },
    close: () => controller.abort(),
  };
}

describe("the collector's page routes", () => {
  it("rebuilds the same aggregates from the file after a restart", async () => {
    const file = join(tempDir(), "c.jsonl");
    let c = await start({ dataFile: file });
    const events = Array.from({ length: 40 }, (_, i) => ({ ...prediction(`p${i}`, i % 2 ? "a" : "b"), latency_ms: i, prediction: i % 3 ? "x" : "y" }));
    await post(`${c.url}/v1/predictions/batch`, predictionBatch(events, { dropped: { queue_full: 2 } }));
    await post(`${c.url}/v1/labels/batch`, { batch_id: "l", labels: events.slice(0, 10).map((e, i) => label(`l${i}`, e.id)) });
    await post(`${c.url}/v1/predictions/batch`, predictionBatch(events.slice(0, 3)));
    const before = await overview(c.url);
    await c.close();
    c = await start({ dataFile: file });
    const after = await overview(c.url);
    // Rates, duplicates and client drops are of this run only; every figure read from events is the same.
    const figures = (v: OverviewView) => v.groups.map(({ rate, duplicates, ...g }) => g);
    expect(figures(after)).toEqual(figures(before));
    expect(after.predictions).toBe(40);
    expect(after.groups.map((g) => [g.model, g.predictions, g.labels.labelled])).toEqual([
      ["a", 20, 5],
      ["b", 20, 5],
    ]);
    expect(before.duplicates.predictions).toBe(3);
    expect(before.dropped).toEqual({ queue_full: 2 });
  });

  it("joins a label that arrived before its prediction once the prediction comes", async () => {
    const c = await start();
    await post(`${c.url}/v1/labels/batch`, { batch_id: "l", labels: [label("l1", "late")] });
    expect((await overview(c.url)).unmatchedLabels).toBe(1);
    await post(`${c.url}/v1/predictions/batch`, predictionBatch([{ ...prediction("late"), prediction: 1 }]));
    const view = await overview(c.url);
    expect(view.unmatchedLabels).toBe(0);
    expect(view.groups[0]?.labels).toMatchObject({ labelled: 1, coverage: 1, mae: { n: 1, value: 0 } });
  });

  it("serves the page to anyone and its data only with the key, when the collector has keys", async () => {
    const c = await start({ apiKeys: ["k"] });
    const page = await fetch(`${c.url}/`);
    expect(page.status).toBe(200);
    expect(page.headers.get("content-type")).toBe("text/html; charset=utf-8");
    expect(page.headers.get("content-security-policy")).toContain("default-src 'self'");
    expect(await page.text()).toContain('<script type="module" src="/page/app.js">');
    expect((await fetch(`${c.url}/page/app.js`)).status).toBe(200);
    expect((await fetch(`${c.url}/page/../package.json`)).status).toBe(404);
    for (const path of ["/v1/page/overview", "/v1/page/live", "/v1/page/export", "/v1/page/event?id=x"]) {
      expect((await fetch(`${c.url}${path}`)).status, path).toBe(401);
    }
    await overview(c.url, { "x-api-key": "k" });
  });

  it("streams the stored rows first, then each new prediction with its label, and ends the stream on close", async () => {
    const c = await start();
    await post(`${c.url}/v1/predictions/batch`, predictionBatch([prediction("old")]));
    const stream = await openStream(c.url);
    const first = await stream.next();
    expect(first).toMatchObject({ initial: true, rows: [{ id: "old" }] });
    await post(`${c.url}/v1/labels/batch`, { batch_id: "l", labels: [label("l-new", "new")] });
    await post(`${c.url}/v1/predictions/batch`, predictionBatch([prediction("new")]));
    let message = await stream.next();
    while (message.rows.length === 0) message = await stream.next();
    expect(message).toMatchObject({ initial: false, rows: [{ id: "new", label: "1" }] });
    const closing = c.close();
    await expect(stream.next()).rejects.toThrow("stream ended");
    await closing;
  });

  it("exports the filtered predictions as CSV, quoting text and defusing spreadsheet formulas", async () => {
    const c = await start();
    const events = [
      { ...prediction("a1", "a"), timestamp: "2026-12-01T10:00:00.000Z", prediction: 'say "hi", ok', features: { f: "=1+1", g: [1, 2] } },
      { ...prediction("b1", "b"), prediction: 2 },
    ];
    await post(`${c.url}/v1/predictions/batch`, predictionBatch(events));
    const res = await fetch(`${c.url}/v1/page/export?format=csv&model=a`);
    expect(res.headers.get("content-disposition")).toBe('attachment; filename="aither-predictions.csv"');
    const [header, row, ...rest] = (await res.text()).split("\r\n");
    expect(header).toBe("id,timestamp,model_id,model_version,environment,latency_ms,prediction,label,features.f,features.g");
    expect(row).toBe(`a1,2026-12-01T10:00:00.000Z,a,,,,"say ""hi"", ok",,'=1+1,"[1,2]"`);
    expect(rest).toEqual([""]);
    expect((await fetch(`${c.url}/v1/page/export?format=xml`)).status).toBe(400);
  });
});
