/**
 * The Node and Bun entry of aither: gzip through node:zlib (CompressionStream leaks in Node),
 * an unref'd interval timer that never keeps the process alive.
 *
 * @example
 * import * as aither from "aither";
 * aither.init({ apiKey: process.env.AITHER_API_KEY });
 * aither.logPrediction({ modelId: "churn-classifier-v2", prediction: 0.73 });
 *
 * @module
 */
import { gzip as zlibGzip, constants } from "node:zlib";
import { AitherClient as CoreClient } from "../src/client.js";
import { createGlobalApi, type GlobalApi } from "../src/global.js";
import type { AitherOptions } from "../src/options.js";
import type { RuntimeAdapter } from "../src/runtime.js";

export * from "../src/public.js";

/** Create the adapter for Node or Bun. */
export function createNodeAdapter(): RuntimeAdapter {
  return {
    name: typeof (globalThis as { Bun?: unknown }).Bun !== "undefined" ? "bun" : "node",
    startTimer(tick, intervalMs) {
      const timer = setInterval(tick, intervalMs);
      timer.unref();
      return () => clearInterval(timer);
    },
    sleepUnref(ms) {
      return new Promise((resolve) => {
        setTimeout(resolve, ms).unref();
      });
    },
    attach() {
      return () => {};
    },
    // Level 1: a third of level 6's CPU for a few percent more bytes on JSON batches.
    gzip: (data) =>
      new Promise((resolve, reject) => {
        zlibGzip(data, { level: constants.Z_BEST_SPEED }, (error, out) => (error ? reject(error) : resolve(out)));
      }),
  };
}

/** {@link CoreClient} wired to the Node/Bun adapter. */
export class AitherClient extends CoreClient {
  /** @throws {AitherValidationError} naming the first bad option. */
  constructor(options?: AitherOptions) {
    super(options, createNodeAdapter());
  }
}

const api: GlobalApi = createGlobalApi(() => createNodeAdapter());
/** Create (or replace) the global client. */
export const init: GlobalApi["init"] = api.init;
/** The global client, created from the environment if `init` was not called. */
export const getClient: GlobalApi["getClient"] = api.getClient;
/** Queue a prediction on the global client; returns its id at once. */
export const logPrediction: GlobalApi["logPrediction"] = api.logPrediction;
/** Queue a label (ground truth) on the global client. */
export const logLabel: GlobalApi["logLabel"] = api.logLabel;
/** Send what the global client has queued. Never rejects. */
export const flush: GlobalApi["flush"] = api.flush;
/** Flush and stop the global client. */
export const close: GlobalApi["close"] = api.close;
/** Counters of the global client. */
export const stats: GlobalApi["stats"] = api.stats;
