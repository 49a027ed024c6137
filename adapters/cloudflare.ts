/**
 * The Cloudflare Workers (workerd) entry of aither. Workers have no background: timers stop
 * once the response is returned, and I/O started by one request cannot be used by another.
 * So this entry has no timer; {@link withAither} wraps your handlers and ends every
 * invocation with `ctx.waitUntil(client.flush())`, and each flush sends with requests of its
 * own. See the README section "Cloudflare Workers".
 *
 * @example
 * import * as aither from "aither"; // the `workerd` condition picks this entry
 *
 * export default aither.withAither({
 *   async fetch(request, env, ctx) {
 *     aither.logPrediction({ modelId: "churn-v2", prediction: 0.73 });
 *     return new Response("ok"); // sent now; the prediction follows through ctx.waitUntil
 *   },
 * });
 *
 * @module
 */
import { AitherClient as CoreClient, createDisabledClient } from "../src/client.ts";
import { type AitherEnv, ENV_VARIABLE_OF } from "../src/env.ts";
import { messageOf } from "../src/errors.ts";
import { createGlobalApi, type GlobalApi, type WrapOptions, wrapModel, type GlobalControl } from "../src/global.ts";
import { type AitherOptions, resolveOptions } from "../src/options.ts";
import type { RuntimeAdapter } from "../src/runtime.ts";

import { createIsolateAdapter } from "./isolate.ts";

export * from "../src/public.ts";

/** Create the adapter for workerd: no timer, CompressionStream gzip, isolated flushes. */
export function createWorkerdAdapter(): RuntimeAdapter {
  return createIsolateAdapter("workerd");
}

/** {@link CoreClient} wired to the workerd adapter. */
export class AitherClient extends CoreClient {
  /** @throws {AitherValidationError} naming the first bad option. */
  constructor(options?: AitherOptions) {
    super(options, createWorkerdAdapter());
  }
}

// Once withAither has made the isolate's client, the global client is the isolate's client:
// init() inside a handler replaces it for this invocation's end and the invocations after.
let configured = false;
// Clients init() replaced while withAither is in use. Each is closed by the next invocation to
// end (the one that called init(), unless another ends first), in that invocation's own context
// and under its ctx.waitUntil: workerd cancels I/O that outlives its request, and a request
// must not await a promise another request made (so each is closed once, by one invocation).
const retired = new Set<CoreClient>();

const api: GlobalControl = createGlobalApi(() => createWorkerdAdapter(), {
  retire(previous) {
    // A closed client has nothing left to close; its close() promise belongs to the request
    // that called it, and awaiting it from another is what workerd forbids.
    if (previous.closed) return;
    if (configured) retired.add(previous);
    else void previous.close();
  },
});
/**
 * Create (or replace) the global client. Inside {@link withAither} you do not need it; called
 * there, the new client is the one the invocation flushes at its end (and the next invocations
 * use), and the one it replaces is closed under that invocation's `ctx.waitUntil`.
 */
export const init: GlobalApi["init"] = api.init;
/** The global client: inside a handler wrapped by {@link withAither}, the isolate's client. */
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

/** The part of a Worker's `ExecutionContext` that aither uses (declared here, no workers-types). */
export interface WorkerContext {
  waitUntil(promise: Promise<unknown>): void;
}

/** Client options for {@link withAither}, or a function of the Worker's `env` that returns them. */
export type WorkerOptions<Env> = AitherOptions | ((env: Env) => AitherOptions | undefined);

/** A handler of an ES-module Worker: `(event, env, ctx)` for fetch, scheduled and queue alike. */
export type WorkerHandlerFunction<Env> = (event: never, env: Env, ctx: never) => unknown;

/** The ES-module Worker shape that {@link withAither} accepts; other properties pass through. */
export interface WorkerHandlers<Env> {
  fetch?: WorkerHandlerFunction<Env>;
  scheduled?: WorkerHandlerFunction<Env>;
  queue?: WorkerHandlerFunction<Env>;
}

type EnvOf<F> = F extends (event: never, env: infer E, ctx: never) => unknown ? E : never;
type Member<H, K extends string> = H extends { [P in K]?: infer F } ? EnvOf<NonNullable<F>> : never;

/** The `env` type a handler object declares (from its fetch, scheduled or queue handler). */
export type HandlerEnv<H> = [Member<H, "fetch">] extends [never]
  ? [Member<H, "scheduled">] extends [never]
    ? Member<H, "queue">
    : Member<H, "scheduled">
  : Member<H, "fetch">;

const WRAPPED = ["fetch", "scheduled", "queue"] as const;

/**
 * Wrap an ES-module Worker so its `fetch`, `scheduled` and `queue` handlers log through one
 * client per isolate. Inside a wrapped handler the module-level functions and `getClient()`
 * use that client. Every invocation ends with `ctx.waitUntil(client.flush())`, also when the
 * handler throws (the error is rethrown unchanged), and work the handler hands to
 * `ctx.waitUntil` is followed by a flush of its own.
 *
 * `apiKey` and `endpoint` default to `env.AITHER_API_KEY` and `env.AITHER_ENDPOINT`. The
 * options are read on the isolate's first invocation. There is no background timer, so
 * `flushInterval` and `enableBackground` do not apply: events are sent when the invocation ends.
 * Configuration is not allowed to fail your requests: a bad `env.AITHER_ENDPOINT`, or an options
 * function that throws or returns a bad option, is reported once per isolate (`console.warn`,
 * `[aither]`) and leaves a disabled client (calls return ids, nothing is sent).
 * @throws {AitherValidationError} at once, naming the option, if `options` is an object with a bad option.
 * @example
 * export default withAither(
 *   { async fetch(request, env, ctx) { logPrediction({ modelId: "m", prediction: 1 }); return new Response("ok"); } },
 *   (env) => ({ environment: env.ENVIRONMENT }),
 * );
 */
export function withAither<H extends WorkerHandlers<Env>, Env = HandlerEnv<H>>(handler: H, options?: WorkerOptions<Env>): H {
  // Options written in code are checked now, where misuse belongs; only what comes from env
  // (or a function of it) waits for the first invocation.
  if (options !== undefined && typeof options !== "function") resolveOptions(options, {});
  const wrapped: Record<string, unknown> = { ...(handler as object) };
  for (const name of WRAPPED) {
    const original = handler[name] as ((event: unknown, env: Env, ctx: WorkerContext) => unknown) | undefined;
    if (typeof original !== "function") continue;
    wrapped[name] = async function aitherHandler(event: unknown, env: Env, ctx: WorkerContext): Promise<unknown> {
      const client = clientFor(env, options);
      try {
        return await original.call(handler, event, env, trackWaitUntil(ctx, client));
      } finally {
        ctx.waitUntil(settle(client));
      }
    };
  }
  return wrapped as H;
}

/** The isolate's client: the global one once withAither made it (init() may have replaced it since). */
function clientFor<Env>(env: Env, options: WorkerOptions<Env> | undefined): CoreClient {
  const current = api.peek();
  if (configured && current !== undefined && !current.closed) return current;
  configured = true;
  // Installed as the global client, so logPrediction() and getClient() use it.
  return api.install(configure(env, options));
}

/** Build the isolate's client from the options and env; what is bad there is reported, not thrown. */
function configure<Env>(env: Env, options: WorkerOptions<Env> | undefined): CoreClient {
  const disabled = (problem: string): CoreClient =>
    createDisabledClient(createWorkerdAdapter(), `withAither: ${problem}; aither is disabled in this isolate: predictions get ids but nothing is sent`);
  let given: AitherOptions;
  try {
    given = (typeof options === "function" ? options(env) : options) ?? {};
  } catch (error) {
    return disabled(`the options function threw (${messageOf(error)})`);
  }
  const vars = (env ?? {}) as AitherEnv;
  try {
    return new CoreClient(
      {
        ...given,
        apiKey: given.apiKey ?? (vars.AITHER_API_KEY || undefined),
        endpoint: given.endpoint ?? (vars.AITHER_ENDPOINT || undefined),
        // A send started mid-handler would belong to that request alone and could be cut off
        // when it ends; everything goes out in the flush that ends the invocation instead.
        enableBackground: true,
      },
      createWorkerdAdapter(),
    );
  } catch (error) {
    // The option's name is in the message; say where a value the options did not give came from.
    const field = (error as { field?: unknown }).field;
    const variable = typeof field === "string" ? ENV_VARIABLE_OF[field] : undefined;
    const source = variable && given?.[field as "endpoint" | "apiKey"] === undefined ? `env.${variable}` : "the options";
    return disabled(`${source}: ${messageOf(error)}`);
  }
}

/**
 * The end of an invocation (or of work it handed to ctx.waitUntil): flush its client and the
 * global one (init() may have replaced it), and close the clients init() retired. Every request
 * and promise is made here, in the invocation's own context, and awaited by it alone.
 */
function settle(client: CoreClient): Promise<unknown> {
  const closing = [...retired];
  retired.clear();
  const work: Promise<unknown>[] = closing.map((old) => old.close());
  // close() flushes: a client closed here needs no flush of its own.
  for (const c of new Set([client, api.peek()])) if (c !== undefined && !closing.includes(c)) work.push(c.flush());
  return Promise.all(work);
}

/**
 * The handler's ctx with a `waitUntil` that also flushes once the registered work settles:
 * predictions logged there would otherwise wait for the isolate's next invocation.
 */
function trackWaitUntil<C extends WorkerContext>(ctx: C, client: CoreClient): C {
  return new Proxy(ctx, {
    get(target, property) {
      if (property === "waitUntil") {
        return (promise: Promise<unknown>): void => {
          target.waitUntil(promise);
          target.waitUntil(Promise.resolve(promise).then(flushAfter, flushAfter));
        };
      }
      const value: unknown = Reflect.get(target, property, target);
      const own = Object.getOwnPropertyDescriptor(target, property);
      // Native methods check `this`; a frozen own property must come back as it is (Proxy invariant).
      if (typeof value !== "function" || (own && !own.configurable && !own.writable)) return value;
      return (value as (...args: unknown[]) => unknown).bind(target);
    },
  });

  function flushAfter(): Promise<unknown> {
    return settle(client);
  }
}
