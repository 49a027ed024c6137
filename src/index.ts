/**
 * aither: log ML model predictions to the Aither platform from any JavaScript runtime.
 * `logPrediction()` returns at once; events are queued, batched, sent in the background and
 * retried. This is the portable entry (plain timer, CompressionStream gzip); Node, Bun, Deno,
 * browsers and Workers get their own entry through package.json conditions.
 *
 * @example
 * import * as aither from "aither";
 * aither.init({ apiKey: "ak_..." });
 * const id = aither.logPrediction({ modelId: "churn-classifier-v2", prediction: 0.73 });
 * aither.logLabel({ predictionId: id, label: 1 });
 * await aither.flush();
 *
 * @module
 */
import { AitherClient as CoreClient } from "./client.ts";
import { createGlobalApi, type GlobalApi, type WrapOptions, wrapModel } from "./global.ts";
import type { AitherOptions } from "./options.ts";
import { createPortableAdapter } from "./portable-adapter.ts";

export * from "./public.ts";

/** {@link CoreClient} with the portable adapter: plain timer, CompressionStream gzip, no hooks. */
export class AitherClient extends CoreClient {
  /** @throws {AitherValidationError} naming the first bad option. */
  constructor(options?: AitherOptions) {
    super(options, createPortableAdapter());
  }
}

const api: GlobalApi = createGlobalApi(() => createPortableAdapter());
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
/** Wrap a model (function, tfjs, onnxruntime, transformers.js, Workers AI): each call logs a prediction on `options.client`, else the global client. */
export function wrap<T extends object>(target: T, options?: WrapOptions<T>): T {
  return wrapModel(target, options, api.getClient);
}
