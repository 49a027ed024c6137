import { ServerResponse } from "node:http";
import type { AitherClient, FlushOptions } from "../src/client.ts";
import { invalid } from "../src/errors.ts";
import type { FlushResult } from "../src/types.ts";

/** Options of {@link withFlush}. */
export interface FlushHandlerOptions {
  /**
   * The longest the flush may hold the invocation, in ms. On AWS Lambda it is also kept 500 ms
   * short of `context.getRemainingTimeInMillis()`, so the flush never makes the function time out.
   * @default 2000
   */
  timeoutMs?: number;
  /** The client to flush. @default the global client (the one `init()` made) */
  client?: AitherClient;
}

/** A handler wrapped by {@link withFlush}: same `this` and arguments; a plain return value comes back in a Promise. */
export type FlushingHandler<F extends (...args: never[]) => unknown> = (
  this: ThisParameterType<F>,
  ...args: Parameters<F>
) => ReturnType<F> | Promise<Awaited<ReturnType<F>>>;

/** The signature of {@link withFlush}. */
export type WithFlush = <F extends (...args: never[]) => unknown>(handler: F, options?: FlushHandlerOptions) => FlushingHandler<F>;

/** Under Lambda's own default timeout (3 s): a slow collector must not make the function fail. */
const DEFAULT_HANDLER_FLUSH_MS = 2000;
/** Left to the Lambda runtime after the flush, to return the result before the function's timeout. */
const LAMBDA_RESERVE_MS = 500;
// A response already held by an outer withFlush (or an earlier call with the same `res`).
const HELD = Symbol.for("aither.heldEnd");

type Callback = (this: unknown, ...args: unknown[]) => unknown;

/**
 * Build `withFlush` over an entry's global flush. Serverless platforms freeze the process as
 * soon as the invocation is over, so the wrapper delivers the predictions before that moment:
 * - a Node response among the arguments (`(req, res)` of Vercel Node functions, Google Cloud
 *   Functions HTTP functions, Next.js API routes): `res.end()` is held until the flush is done,
 *   since these platforms end the invocation when the response is finished (Cloud Functions:
 *   "a function invocation finishes once the function returns or otherwise signals completion");
 * - a callback as third argument and no Promise returned (callback-style Lambda, Cloud Functions
 *   background functions): the callback is called after the flush;
 * - otherwise (async Lambda, Netlify and Vercel web handlers, CloudEvent functions): the
 *   returned Promise settles after the flush, with the handler's value or error.
 */
export function createWithFlush(flushGlobal: (options?: FlushOptions) => Promise<FlushResult>): WithFlush {
  return function withFlush<F extends (...args: never[]) => unknown>(handler: F, options: FlushHandlerOptions = {}): FlushingHandler<F> {
    if (typeof handler !== "function") invalid("handler", `must be a function, got ${handler === null ? "null" : typeof handler}`);
    const timeoutMs = options.timeoutMs ?? DEFAULT_HANDLER_FLUSH_MS;
    if (!(typeof timeoutMs === "number" && timeoutMs >= 0)) invalid("timeoutMs", `must be a non-negative number of milliseconds, got ${String(timeoutMs)}`);
    const { client } = options;
    const flush = client ? (o: FlushOptions) => client.flush(o) : flushGlobal;

    return function aitherFlushingHandler(this: ThisParameterType<F>, ...args: Parameters<F>) {
      const flushNow = (): Promise<unknown> => safely(() => flush({ timeoutMs: boundOf(timeoutMs, args[1]) }));
      const res = (args as unknown[]).find((a): a is ServerResponse => a instanceof ServerResponse);
      if (res) {
        holdEnd(res, flushNow);
        return handler.apply(this, args) as ReturnType<F>;
      }
      const callback = args[2] as unknown;
      if (typeof callback === "function") args[2] = afterFlush(callback as Callback, flushNow) as never;
      let result: unknown;
      try {
        result = handler.apply(this, args);
      } catch (error) {
        if (typeof callback === "function") throw error; // the platform reports it at once, as without the wrapper
        return flushNow().then(() => Promise.reject(error));
      }
      if (typeof callback === "function" && !isThenable(result)) return result as ReturnType<F>;
      return Promise.resolve(result).then(
        (value) => flushNow().then(() => value),
        (error: unknown) => flushNow().then(() => Promise.reject(error)),
      ) as Promise<Awaited<ReturnType<F>>>;
    };
  };
}

/** The flush bound of one invocation: `timeoutMs`, cut to what a Lambda context has left. */
function boundOf(timeoutMs: number, context: unknown): number {
  const remaining = (context as { getRemainingTimeInMillis?: unknown } | null | undefined)?.getRemainingTimeInMillis;
  if (typeof remaining !== "function") return timeoutMs;
  const left = Number(remaining.call(context)) - LAMBDA_RESERVE_MS;
  return Number.isFinite(left) ? Math.max(0, Math.min(timeoutMs, left)) : timeoutMs;
}

/** Hold `res.end()` until the flush is done; later calls wait behind the first, in order. */
function holdEnd(res: ServerResponse, flushNow: () => Promise<unknown>): void {
  // Nested wrappers (each with its own client) share one hold: the response ends after all flushes.
  const held = res as ServerResponse & { [HELD]?: (() => Promise<unknown>)[] };
  const flushes = held[HELD];
  if (flushes) {
    flushes.push(flushNow);
    return;
  }
  const all = [flushNow];
  held[HELD] = all;
  const end = res.end as Callback;
  let flushed: Promise<unknown> | undefined;
  res.end = function heldEnd(this: unknown, ...args: unknown[]) {
    flushed ??= Promise.all(all.map((f) => f()));
    void flushed.then(() => runAsTask(end, this, args));
    return this;
  } as ServerResponse["end"];
}

/** `callback`, called only once the flush is done. */
function afterFlush(callback: Callback, flushNow: () => Promise<unknown>): Callback {
  return function flushedCallback(this: unknown, ...args: unknown[]) {
    void flushNow().then(() => runAsTask(callback, this, args));
  };
}

// User code we deferred runs as a task of its own: what it throws surfaces as it would from any
// callback (an uncaught exception), never as a rejection of a promise nobody holds.
function runAsTask(fn: Callback, self: unknown, args: unknown[]): void {
  queueMicrotask(() => {
    fn.apply(self, args);
  });
}

// flush() never rejects; the guard keeps the wrapper's promise to the handler even for a client
// passed in whose flush was replaced by one that throws.
function safely(flush: () => Promise<unknown>): Promise<unknown> {
  try {
    return Promise.resolve(flush()).catch(() => undefined);
  } catch {
    return Promise.resolve(undefined);
  }
}

function isThenable(value: unknown): value is PromiseLike<unknown> {
  return (typeof value === "object" || typeof value === "function") && value !== null && typeof (value as { then?: unknown }).then === "function";
}
