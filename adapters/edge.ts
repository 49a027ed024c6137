/**
 * The edge entry of aither, for Vercel Edge Functions, Next.js routes with `runtime = "edge"`
 * and other `edge-light` hosts (picked by that export condition, or import `aither/edge`).
 * An edge isolate has no background and no page: nothing runs once a request's work is done, so
 * this entry has no timer and no listeners, and it uses no Node API. Predictions wait in the queue
 * until a flush that the request keeps alive: {@link withAither} ends each invocation with
 * `ctx.waitUntil(flush())`; in Next.js write `after(() => aither.flush())`. Each flush sends with
 * requests of its own, never waiting on another request's I/O. See the README section "Edge".
 *
 * @example
 * import * as aither from "aither/edge"; // bare "aither" picks it too (edge-light), but not for TypeScript
 *
 * export default aither.withAither(async (request, ctx) => {
 *   aither.logPrediction({ modelId: "churn-v2", prediction: 0.73 });
 *   return new Response("ok"); // sent now; the prediction follows through ctx.waitUntil
 * });
 *
 * @module
 */
import { AitherClient as CoreClient } from "../src/client.ts";
import { AitherValidationError } from "../src/errors.ts";
import { createGlobalApi, type GlobalApi, type GlobalControl, type WrapOptions, wrapModel } from "../src/global.ts";
import { type AitherOptions, resolveOptions } from "../src/options.ts";
import type { RuntimeAdapter } from "../src/runtime.ts";

import { createIsolateAdapter } from "./isolate.ts";

export * from "../src/public.ts";

/** Create the adapter for edge isolates: no timer, no hooks, CompressionStream gzip, isolated flushes. */
export function createEdgeAdapter(): RuntimeAdapter {
  return createIsolateAdapter("edge");
}

/** {@link CoreClient} wired to the edge adapter. */
export class AitherClient extends CoreClient {
  /** @throws {AitherValidationError} naming the first bad option. */
  constructor(options?: AitherOptions) {
    super(options, createEdgeAdapter());
  }
}

const api: GlobalControl = createGlobalApi(() => createEdgeAdapter());
/** Create (or replace) the global client. */
export const init: GlobalApi["init"] = api.init;
/** The global client, created from the environment (`AITHER_API_KEY`, `AITHER_ENDPOINT`) if `init` was not called. */
export const getClient: GlobalApi["getClient"] = api.getClient;
/** Queue a prediction on the global client; returns its id at once. Sent by the next flush. */
export const logPrediction: GlobalApi["logPrediction"] = api.logPrediction;
/** Queue a label (ground truth) on the global client. */
export const logLabel: GlobalApi["logLabel"] = api.logLabel;
/** Send what the global client has queued. Never rejects. Hand it to `waitUntil` or `after()`. */
export const flush: GlobalApi["flush"] = api.flush;
/** Flush and stop the global client. */
export const close: GlobalApi["close"] = api.close;
/** Counters of the global client. */
export const stats: GlobalApi["stats"] = api.stats;
/** Wrap a model (function, tfjs, onnxruntime, transformers.js): each call logs a prediction on `options.client`, else the global client. */
export function wrap<T extends object>(target: T, options?: WrapOptions<T>): T {
  return wrapModel(target, options, api.getClient);
}

/** What aither needs of a request's context: Vercel's `RequestContext`, a `FetchEvent`, Workers' `ctx`. */
export interface EdgeContext {
  waitUntil(promise: Promise<unknown>): void;
}

/** An edge handler: `(request, ctx) => Response`, as Vercel Edge Functions export it. */
export type EdgeHandler<C extends EdgeContext = EdgeContext> = (request: Request, ctx: C) => Response | Promise<Response>;

/**
 * Wrap an edge handler so every invocation ends with `ctx.waitUntil(flush())`, also when the
 * handler throws (the error is rethrown unchanged): the response is not held back, and the
 * request stays alive until its predictions are delivered. Inside it the module-level functions
 * use the global client; `options`, if given, make that client at the first invocation (else
 * it comes from `AITHER_API_KEY` and `AITHER_ENDPOINT`).
 * @throws {AitherValidationError} at once, naming the option, if `options` has a bad option; and
 * when called without a `ctx` that has `waitUntil` (a Next.js route handler gets none: use `after()`).
 * @example
 * // A FetchEvent is a context too:
 * const handler = withAither(async (request) => new Response("ok"));
 * addEventListener("fetch", (event) => event.respondWith(handler(event.request, event)));
 */
export function withAither<C extends EdgeContext>(handler: EdgeHandler<C>, options?: AitherOptions): (request: Request, ctx: C) => Promise<Response> {
  // Options written in code are checked now, where misuse belongs.
  if (options !== undefined) resolveOptions(options, {});
  let configured = options === undefined;
  return async function aitherHandler(request: Request, ctx: C): Promise<Response> {
    if (typeof ctx?.waitUntil !== "function") {
      throw new AitherValidationError(
        "ctx",
        "ctx must have a waitUntil method (Vercel's RequestContext or a FetchEvent); in a Next.js route handler call after(() => aither.flush()) instead of withAither",
      );
    }
    if (!configured) {
      configured = true;
      api.init(options);
    }
    try {
      return await handler(request, ctx);
    } finally {
      // flush() covers what was queued before the call, by this request or another one.
      ctx.waitUntil(api.flush());
    }
  };
}
