/**
 * The Deno entry of aither: an interval timer made non-blocking with `Deno.unrefTimer`, gzip
 * through CompressionStream, and one bounded flush on `beforeunload` when the program ends by
 * itself, with a warning on `unload` if events remain. `Deno.exit()` and signals skip the flush:
 * `await aither.close()` before calling them.
 *
 * @example
 * import * as aither from "aither";
 * aither.init({ apiKey: Deno.env.get("AITHER_API_KEY") });
 * aither.logPrediction({ modelId: "churn-classifier-v2", prediction: 0.73 });
 *
 * @module
 */
import { AitherClient as CoreClient } from "../src/client.ts";
import { streamGzip } from "../src/compress.ts";
import { createExitFlush } from "../src/exit-flush.ts";
import { createGlobalApi, type GlobalApi, type WrapOptions, wrapModel } from "../src/global.ts";
import type { AitherOptions } from "../src/options.ts";
import type { AdapterHost, RuntimeAdapter } from "../src/runtime.ts";
import { ofetchTransport } from "../src/transport-ofetch.ts";
import { createOtlpFormat } from "../src/otlp.ts";

export * from "../src/public.ts";

// Structural: no Deno types package. Deno 2.9.6 only unrefs when given the timer object that
// setInterval returned; `Deno.unrefTimer(Number(t))` leaves it ref'd, so the program
// would not end.
type DenoGlobal = { unrefTimer(timer: unknown): void };
type Unrefable = { unref?: () => void };

function unref(timer: unknown): void {
  const deno = (globalThis as { Deno?: DenoGlobal }).Deno;
  if (deno) deno.unrefTimer(timer);
  else (timer as Unrefable).unref?.();
}

/** Create the adapter for Deno. */
export function createDenoAdapter(): RuntimeAdapter {
  return {
    name: "deno",
    startTimer(tick, intervalMs) {
      const timer = setInterval(tick, intervalMs);
      unref(timer);
      return () => clearInterval(timer);
    },
    sleepUnref(ms) {
      return new Promise((resolve) => unref(setTimeout(resolve, ms)));
    },
    attach: attachUnloadHooks,
    // CompressionStream does not leak in Deno (JS heap flat over 20k gzips; RSS levels off), so
    // the entry needs no node: module and runs on Deno Deploy as is.
    gzip: streamGzip(),
    transport: ofetchTransport,
    otlp: createOtlpFormat,
  };
}

function attachUnloadHooks(host: AdapterHost): () => void {
  const exit = createExitFlush(host);
  // Deno fires beforeunload when the event loop empties. A fetch started in the handler does not
  // keep the program alive unless the event is cancelled; then it fires again once the flush's
  // I/O is done, and this time finds nothing new and lets the program end.
  const onBeforeUnload = (event: Event): void => {
    if (exit.flushBeforeExit()) event.preventDefault();
  };
  // unload fires last, also on Deno.exit() (where beforeunload does not); no request can start.
  const onUnload = (): void => exit.warnAtExit("Deno.exit()");
  globalThis.addEventListener("beforeunload", onBeforeUnload);
  globalThis.addEventListener("unload", onUnload);
  return () => {
    globalThis.removeEventListener("beforeunload", onBeforeUnload);
    globalThis.removeEventListener("unload", onUnload);
  };
}

/** {@link CoreClient} wired to the Deno adapter. */
export class AitherClient extends CoreClient {
  /** @throws {AitherValidationError} naming the first bad option. */
  constructor(options?: AitherOptions) {
    super(options, createDenoAdapter());
  }
}

const api: GlobalApi = createGlobalApi(() => createDenoAdapter());
/** Create (or replace) the global client; a previous one is closed (flushed) in the background. */
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
