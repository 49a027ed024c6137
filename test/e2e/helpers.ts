import { afterEach } from "vitest";
import type { Collector, CollectorOptions } from "../../collector/index.ts";
// The Node entry: what Node users get (node:http transport, zlib gzip, exit hooks).
import { AitherClient } from "../../adapters/node.ts";
import type { AitherError } from "../../src/errors.ts";
import type { AitherOptions } from "../../src/options.ts";
import type { DropReason, WireEvent } from "../../src/types.ts";
import { startTestCollector } from "../helpers/collector.ts";

/** A client on the collector that records its errors and drops; `open` collects what to close. */
export type RecordingClient = AitherClient & { errors: AitherError[]; drops: [WireEvent[], DropReason, number][] };

export function recordingClient(c: Collector, options: AitherOptions, open: { close(): Promise<unknown> }[]): RecordingClient {
  const errors: AitherError[] = [];
  const drops: [WireEvent[], DropReason, number][] = [];
  const made = new AitherClient({
    endpoint: c.url,
    apiKey: "ak_test",
    flushInterval: 60_000,
    onError: (e) => errors.push(e),
    onDrop: (events, reason, count) => drops.push([events, reason, count]),
    ...options,
  });
  open.push(made);
  return Object.assign(made, { errors, drops });
}

/** Log `n` predictions shaped like the quick start's; returns their ids. */
export function logMany(c: AitherClient, n: number, modelId = "churn-classifier-v2"): string[] {
  return Array.from({ length: n }, (_, i) =>
    c.logPrediction({ modelId, prediction: i / n, features: { tenure: i, monthly_charges: 65.5 }, metadata: { user_id: `u_${i}` } }),
  );
}

type Closable = { close(options?: { timeoutMs: number }): Promise<unknown> };

/** What a test file needs: collectors and recording clients, all closed after each test. */
export interface TestBed {
  collector(options?: CollectorOptions): Promise<Collector>;
  client(c: Collector, options?: AitherOptions): RecordingClient;
  /** Close this after the test too (a client made by hand). */
  track(x: Closable): void;
}

/** Register the after-each cleanup: clients first (they flush into the collector), newest first. */
export function useTestBed(defaults: AitherOptions = {}): TestBed {
  const open: Closable[] = [];
  afterEach(async () => {
    for (const x of open.splice(0).reverse()) await x.close({ timeoutMs: 500 });
  });
  return {
    async collector(options = {}) {
      const c = await startTestCollector(options);
      open.push(c);
      return c;
    },
    client: (c, options = {}) => recordingClient(c, { ...defaults, ...options }, open),
    track: (x) => {
      open.push(x);
    },
  };
}
