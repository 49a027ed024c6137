import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { createStore, startCollector } from "../../collector/index.ts";
import { label, post, prediction, predictionBatch, tempDir } from "./helpers.ts";

describe("collector store", () => {
  it("keeps events across a collector restart on the same file", async () => {
    const file = join(tempDir(), "nested", "data.jsonl");
    const first = await startCollector({ port: 0, dataFile: file });
    await post(`${first.url}/v1/predictions/batch`, predictionBatch([prediction("p1"), prediction("p2", "other")]));
    await post(`${first.url}/v1/labels/batch`, { labels: [label("l1", "p1")] });
    await first.close();

    const second = await startCollector({ port: 0, dataFile: file });
    try {
      const read = (await (await fetch(`${second.url}/v1/predictions`)).json()) as { predictions: Array<{ id: string }> };
      expect(read.predictions.map((p) => p.id)).toEqual(["p1", "p2"]);
      expect(second.store.labels().map((l) => l.id)).toEqual(["l1"]);
      expect(second.store.counts()).toEqual({ "churn-v2": 1, other: 1 });
      // Dedup survives the restart too.
      const again = await post(`${second.url}/v1/predictions/batch`, predictionBatch([prediction("p1")]));
      expect(await again.json()).toEqual({ accepted: 0, duplicates: 1 });
    } finally {
      await second.close();
    }
  });

  it("writes one JSONL line per stored event with kind and received_at", async () => {
    const file = join(tempDir(), "data.jsonl");
    const store = createStore({ file });
    store.addPredictions([prediction("a"), prediction("a"), prediction("b")]);
    await store.close();
    const lines = readFileSync(file, "utf8")
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(lines).toHaveLength(2);
    expect(lines[0]).toMatchObject({ kind: "prediction", event: { id: "a", model_id: "churn-v2" } });
    expect(typeof lines[0]?.received_at).toBe("string");
  });

  it("skips a truncated last line on load and keeps appending whole lines after it", async () => {
    const file = join(tempDir(), "data.jsonl");
    const good = JSON.stringify({ kind: "prediction", event: prediction("ok"), received_at: new Date().toISOString() });
    writeFileSync(file, `${good}\n{"kind":"prediction","event":{"id":"tor`);
    const store = createStore({ file });
    expect(store.predictions().map((p) => p.id)).toEqual(["ok"]);
    store.addPredictions([prediction("after")]);
    await store.close();

    const reloaded = createStore({ file });
    expect(reloaded.predictions().map((p) => p.id)).toEqual(["ok", "after"]);
    await reloaded.close();
  });

  it("skips corrupt lines in the middle of the file", async () => {
    const file = join(tempDir(), "data.jsonl");
    const line = (id: string) => JSON.stringify({ kind: "label", event: label(id, "p"), received_at: "x" });
    writeFileSync(file, `${line("l1")}\nnot json\n{"kind":"weird","event":{"id":"z"}}\n${line("l2")}\n`);
    const store = createStore({ file });
    expect(store.labels().map((l) => l.id)).toEqual(["l1", "l2"]);
    await store.close();
  });

  it("dedups per kind: a label may share an id with a prediction", () => {
    const store = createStore();
    expect(store.addPredictions([prediction("same")])).toEqual({ accepted: 1, duplicates: 0 });
    expect(store.addLabels([label("same", "p")])).toEqual({ accepted: 1, duplicates: 0 });
    expect(store.addLabels([label("same", "p")])).toEqual({ accepted: 0, duplicates: 1 });
    expect(store.duplicates()).toBe(1);
  });

  it("has every event on disk when close() resolves after a burst of batches", async () => {
    const file = join(tempDir(), "data.jsonl");
    const store = createStore({ file });
    for (let b = 0; b < 1000; b++) {
      store.addPredictions(Array.from({ length: 100 }, (_, i) => prediction(`b${b}-${i}`)));
    }
    await store.close();
    const lines = readFileSync(file, "utf8").split("\n").filter(Boolean);
    expect(lines).toHaveLength(100_000);
    expect(JSON.parse(lines.at(-1) ?? "{}").event.id).toBe("b999-99");
  });

  it("empties memory and file on reset", async () => {
    const file = join(tempDir(), "data.jsonl");
    const store = createStore({ file });
    store.addPredictions([prediction("a")]);
    store.addClientDropped({ queue_full: 1 });
    await store.reset();
    expect(store.predictions()).toEqual([]);
    expect(store.clientDropped()).toEqual({});
    expect(readFileSync(file, "utf8")).toBe("");
    store.addPredictions([prediction("a")]);
    await store.close();
    expect(readFileSync(file, "utf8").split("\n").filter(Boolean)).toHaveLength(1);
  });
});
