import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import { afterEach } from "vitest";
import { type Collector, type CollectorOptions, type StoredEvent, startCollector } from "../../collector/index.ts";

/** A fresh temp folder for one test. */
export function tempDir(): string {
  return mkdtempSync(join(tmpdir(), "aither-collector-"));
}

/** A valid wire prediction with the given id. */
export function prediction(id: string, modelId = "churn-v2"): StoredEvent {
  return { id, model_id: modelId, prediction: 0.73, features: { tenure: 24 }, timestamp: new Date().toISOString() };
}

/** A valid wire label with the given id. */
export function label(id: string, predictionId: string): StoredEvent {
  return { id, prediction_id: predictionId, label: 1, timestamp: new Date().toISOString() };
}

/** A prediction batch body as the SDK sends it. */
export function predictionBatch(events: unknown[], extra: Record<string, unknown> = {}): Record<string, unknown> {
  return { batch_id: `b-${Math.random()}`, sent_at: new Date().toISOString(), ...extra, predictions: events };
}

/** POST a JSON body (optionally gzipped) to a batch route. */
export function post(url: string, body: unknown, options: { gzip?: boolean; headers?: Record<string, string>; raw?: string } = {}): Promise<Response> {
  const text = options.raw ?? JSON.stringify(body);
  const payload: BodyInit = options.gzip ? new Uint8Array(gzipSync(text)) : text;
  const headers: Record<string, string> = { "content-type": "application/json", ...options.headers };
  if (options.gzip) headers["content-encoding"] = "gzip";
  return fetch(url, { method: "POST", headers, body: payload });
}

/** `start(options)`: a collector on a free loopback port, closed after the test. One per test. */
export function useCollector(): (options?: CollectorOptions) => Promise<Collector> {
  let collector: Collector | undefined;
  afterEach(async () => {
    await collector?.close();
    collector = undefined;
  });
  return async (options = {}) => {
    collector = await startCollector({ port: 0, ...options });
    return collector;
  };
}
