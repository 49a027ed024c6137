import { AitherClient, type FlushOptions, wrapHostOf } from "./client.ts";
import type { LabelInput, PredictionInput } from "./events.ts";
import type { AitherOptions } from "./options.ts";
import type { RuntimeAdapter } from "./runtime.ts";
import type { AitherStats, FlushResult } from "./types.ts";
import { createWrapper, predictionIdOf, type WrapOptions } from "./wrap.ts";

/** The module-level functions, bound to one global client made with a runtime's adapter. */
export interface GlobalApi {
  /** Create (or replace) the global client; a previous one is closed (flushed) in the background. */
  init(options?: AitherOptions): AitherClient;
  /** The global client, created from the environment if `init` was not called. */
  getClient(): AitherClient;
  /** Queue a prediction on the global client; returns its id at once. */
  logPrediction(input: PredictionInput): string;
  /** Queue a label on the global client; returns the label event's id. */
  logLabel(input: LabelInput): string;
  /** Flush the global client. Never rejects. */
  flush(options?: FlushOptions): Promise<FlushResult>;
  /**
   * Close the global client (flush, then stop). Logging afterwards drops with reason `closed`
   * and a warning, until `init` makes a new client; a serverless handler should `flush()` instead.
   */
  close(options?: FlushOptions): Promise<FlushResult>;
  /** Counters of the global client. */
  stats(): AitherStats;
  /**
   * Wrap a model so every call logs a prediction on the global client (the one current at call
   * time, so `init` may come later; inside `withAither`, the isolate's client).
   */
  wrap<T extends object>(target: T, options?: WrapOptions<T>): T;
  /** The id of the prediction logged for a wrapped call's object result, for `logLabel`. */
  predictionIdOf(result: unknown): string | undefined;
}

const EMPTY: FlushResult = Object.freeze({ ok: true, sent: 0, dropped: 0, pending: 0 });

/** Build the module-level API over one client per entry, created with `makeAdapter(options)`. */
export function createGlobalApi(makeAdapter: (options?: AitherOptions) => RuntimeAdapter): GlobalApi {
  let current: AitherClient | undefined;
  const getClient = (): AitherClient => {
    current ??= new AitherClient(undefined, makeAdapter());
    return current;
  };
  return {
    init(options) {
      const previous = current;
      current = new AitherClient(options, makeAdapter(options));
      // Closing flushes the old client's queue; its errors go to its own onError.
      if (previous) void previous.close();
      return current;
    },
    getClient,
    logPrediction: (input) => getClient().logPrediction(input),
    logLabel: (input) => getClient().logLabel(input),
    flush: (options) => (current ? current.flush(options) : Promise.resolve({ ...EMPTY })),
    // The closed client stays current: a new one made from the environment would drop the
    // options given to init() without a word.
    close: (options) => (current ? current.close(options) : Promise.resolve({ ...EMPTY })),
    stats: () => getClient().stats(),
    wrap: (target, options) => createWrapper(target, options, () => wrapHostOf(getClient())),
    predictionIdOf,
  };
}
