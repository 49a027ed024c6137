import { ENV_VARIABLE_OF } from "./env.ts";
import { AitherClient, createDisabledClient, type FlushOptions, wrapHostOf } from "./client.ts";
import { AitherValidationError, invalid } from "./errors.ts";
import type { LabelInput, PredictionInput } from "./events.ts";
import type { AitherOptions } from "./options.ts";
import type { RuntimeAdapter } from "./runtime.ts";
import type { AitherStats, FlushResult } from "./types.ts";
import { createWrapper, type WrapOptions } from "./wrap.ts";

export type { WrapOptions };

/** The module-level functions, bound to one global client made with a runtime's adapter. */
export interface GlobalApi {
  /** Create (or replace) the global client; a previous one is closed (flushed) in the background. */
  init(options?: AitherOptions): AitherClient;
  /**
   * The global client, created from the environment if `init` was not called. A bad variable
   * (AITHER_ENDPOINT) is reported once and leaves a disabled client: calls return ids, nothing is sent.
   */
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
}

const EMPTY: FlushResult = Object.freeze({ ok: true, sent: 0, dropped: 0, pending: 0 });

/** How an entry changes what the module-level functions do (the Workers entry uses it). */
export interface GlobalHooks {
  /** What becomes of a global client that `init` replaced. @default close it (flush) in the background */
  retire?(previous: AitherClient): void;
}

/** The module-level API and what an entry needs besides it; the entries export only the GlobalApi part. */
export interface GlobalControl extends GlobalApi {
  /** The global client, if there is one yet (none is created). */
  peek(): AitherClient | undefined;
  /** Make `client` the global client; the one it replaces is retired as `init` does it. */
  install(client: AitherClient): AitherClient;
}

/** Build the module-level API over one client per entry, created with `makeAdapter(options)`. */
export function createGlobalApi(makeAdapter: (options?: AitherOptions) => RuntimeAdapter, hooks: GlobalHooks = {}): GlobalControl {
  let current: AitherClient | undefined;
  // Closing flushes the old client's queue; its errors go to its own onError.
  const retire = hooks.retire ?? ((previous: AitherClient) => void previous.close());
  const install = (client: AitherClient): AitherClient => {
    const previous = current;
    current = client;
    if (previous && previous !== client) retire(previous);
    return client;
  };
  const getClient = (): AitherClient => {
    current ??= fromEnvironment(makeAdapter);
    return current;
  };
  return {
    // Explicit options are code: a bad one throws here, naming it.
    init: (options) => install(new AitherClient(options, makeAdapter(options))),
    getClient,
    peek: () => current,
    install,
    logPrediction: (input) => getClient().logPrediction(input),
    logLabel: (input) => getClient().logLabel(input),
    flush: (options) => (current ? current.flush(options) : Promise.resolve({ ...EMPTY })),
    // The closed client stays current: a new one made from the environment would drop the
    // options given to init() without a word.
    close: (options) => (current ? current.close(options) : Promise.resolve({ ...EMPTY })),
    stats: () => getClient().stats(),
  };
}

/**
 * What each entry's `wrap()` does: log every call through `options.client`, else through the
 * global client current at call time (so `init` may come later; inside `withAither`, the
 * isolate's client). Kept out of the API object and the client class so that an app that
 * never wraps ships none of wrap's code: each entry exports `wrap` as a function declaration.
 */
export function wrapModel<T extends object>(target: T, options: WrapOptions<T> | undefined, getClient: () => AitherClient): T {
  const client = options?.client;
  if (client !== undefined && !(client instanceof AitherClient)) invalid("client", "must be an AitherClient");
  return createWrapper(target, options, client ? () => wrapHostOf(client) : () => wrapHostOf(getClient()));
}

/**
 * The lazy global client, made from the environment alone. The code passed nothing, so a bad
 * variable is configuration, not misuse: it must not make every `logPrediction` throw into the
 * host. It is reported once and leaves a disabled client (calls return ids, nothing is sent).
 */
function fromEnvironment(makeAdapter: (options?: AitherOptions) => RuntimeAdapter): AitherClient {
  const adapter = makeAdapter();
  try {
    return new AitherClient(undefined, adapter);
  } catch (error) {
    if (!(error instanceof AitherValidationError)) throw error;
    const name = ENV_VARIABLE_OF[error.field] ?? error.field;
    return createDisabledClient(adapter, `${name} is not usable (${error.message}); aither is disabled: predictions get ids but nothing is sent`);
  }
}
