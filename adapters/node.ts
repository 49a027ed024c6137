/**
 * The Node and Bun entry of aither: gzip through node:zlib (CompressionStream leaks in Node),
 * an unref'd interval timer that never keeps the process alive, one bounded flush on
 * `beforeExit` when the process ends by itself, a warning on `exit` if events remain, and with
 * `handleSignals: true` a flush on SIGTERM/SIGINT before the signal ends the process.
 * `process.exit()` skips the flush: `await aither.close()` before calling it.
 *
 * @example
 * import * as aither from "aither";
 * aither.init({ apiKey: process.env.AITHER_API_KEY });
 * aither.logPrediction({ modelId: "churn-classifier-v2", prediction: 0.73 });
 *
 * @module
 */
import { constants, gzipSync } from "node:zlib";
import { AitherClient as CoreClient } from "../src/client.ts";
import { createGlobalApi, type GlobalApi, type WrapOptions, wrapModel } from "../src/global.ts";
import type { AitherOptions } from "../src/options.ts";
import type { RuntimeAdapter } from "../src/runtime.ts";
import { ofetchTransport } from "../src/transport-ofetch.ts";
import { attachExitHooks } from "./node-exit.ts";
import { nodeHttpTransport } from "./node-http.ts";
import { createWithFlush, type WithFlush } from "./serverless.ts";
import { createOtlpFormat } from "../src/otlp.ts";

export * from "../src/public.ts";
export type { FlushHandlerOptions, FlushingHandler, WithFlush } from "./serverless.ts";

/** Options of the Node and Bun entry: {@link AitherOptions} plus signal handling. */
export interface NodeOptions extends AitherOptions {
  /**
   * On SIGTERM and SIGINT, flush (up to `shutdownTimeout`), then let the signal end the process
   * with its usual status (143, 130). If the app has its own listener for the signal, only flush:
   * the app's handler decides when to exit.
   * @default false
   */
  handleSignals?: boolean;
}

const isBun = typeof (globalThis as { Bun?: unknown }).Bun !== "undefined";

/** Create the adapter for Node or Bun. */
export function createNodeAdapter(options?: Pick<NodeOptions, "handleSignals">): RuntimeAdapter {
  const handleSignals = options?.handleSignals === true;
  return {
    name: isBun ? "bun" : "node",
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
    attach(host) {
      return attachExitHooks(host, handleSignals);
    },
    // Level 1: a third of level 6's CPU for a few percent more bytes on JSON batches. Sync:
    // a 30 KB batch takes ~0.2 ms, while the async stream API spent more CPU on its own
    // chunking and callbacks than on compressing; a 512 KB body (maxBatchBytes) stays ~3 ms.
    gzip: async (data) => gzipSync(data, { level: constants.Z_BEST_SPEED }),
    // Bun implements node:http over its own fetch, which is fast already.
    transport: isBun ? ofetchTransport : nodeHttpTransport,
    otlp: createOtlpFormat,
  };
}

/** {@link CoreClient} wired to the Node/Bun adapter. */
export class AitherClient extends CoreClient {
  /** @throws {AitherValidationError} naming the first bad option. */
  constructor(options?: NodeOptions) {
    super(options, createNodeAdapter(options));
  }
}

const api: GlobalApi = createGlobalApi((options) => createNodeAdapter(options as NodeOptions | undefined));
/** Create (or replace) the global client; a previous one is closed (flushed) in the background. */
export const init: (options?: NodeOptions) => CoreClient = api.init;
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
/** Wrap a model (function, tfjs, onnxruntime, transformers.js, Workers AI): each call logs a prediction on `options.client`, else the global client. */
export function wrap<T extends object>(target: T, options?: WrapOptions<T>): T {
  return wrapModel(target, options, api.getClient);
}
/**
 * Wrap a serverless function handler (AWS Lambda, Vercel, Netlify, Google Cloud Functions) so
 * it flushes, for at most `timeoutMs` (default 2000), before the platform freezes the process:
 * before the returned Promise settles, before a Lambda callback is called, or before
 * `res.end()` finishes a Node response. The handler's value or error comes back unchanged; the
 * flush never throws. See the README section "Serverless functions".
 * @throws {AitherValidationError} if `handler` is not a function or `timeoutMs` is not a number >= 0.
 * @example
 * export const handler = aither.withFlush(async (event, context) => {
 *   aither.logPrediction({ modelId: "churn-v2", prediction: 0.73 });
 *   return { statusCode: 200, body: "ok" }; // returned once the prediction is delivered
 * });
 */
export const withFlush: WithFlush = createWithFlush(api.flush);
