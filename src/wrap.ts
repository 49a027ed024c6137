import type { AitherClient } from "./client.ts";
import { AitherError, invalid } from "./errors.ts";
import { MAX_MODEL_ID } from "./events.ts";
import { kindOf, type ModelKind } from "./model-kinds.ts";
import type { WrapHost } from "./wrap-host.ts";

/** Arguments of a wrapped call: the function's parameters, or `unknown[]` for a model object. */
export type WrapArgs<T> = T extends (...args: infer A) => unknown ? A : unknown[];

/** Result of a wrapped call (awaited): the function's, or `unknown` for a model object. */
export type WrapResult<T> = T extends (...args: never[]) => infer R ? Awaited<R> : unknown;

/** Options of `wrap()`. See the README section "Wrap your model". */
export interface WrapOptions<T = unknown> {
  /** The model's name, 1 to 256 characters. Required, except for the Workers AI binding (its model name). */
  modelId?: string;
  /** Version of the model. */
  modelVersion?: string;
  /** Deployment environment. @default the client's `environment` option */
  environment?: string;
  /** What to log as `features`, from the call's arguments. @default the input (first argument; all arguments of a plain function that takes several) */
  features?: (...args: WrapArgs<T>) => unknown;
  /** What to log as `prediction`, from the (awaited) result. @default the result */
  prediction?: (result: WrapResult<T>) => unknown;
  /** Plain object of extra context, or a function of the call's arguments that returns one. */
  metadata?: Record<string, unknown> | ((...args: WrapArgs<T>) => Record<string, unknown> | undefined);
  /** Share of calls logged, 0..1 (on top of the client's `sampleRate`). @default 1 */
  sampleRate?: number;
  /** Called with the id of each logged prediction and the call's result, for `logLabel` later. */
  onLogged?: (id: string, result: WrapResult<T>) => void;
  /** The client to log through. @default the global client current at each call */
  client?: AitherClient;
}

type Options = WrapOptions<(...args: unknown[]) => unknown>;
type Fn = (...args: unknown[]) => unknown;
// The type each option must have (metadata: an object or a function of the arguments).
const TYPES: Record<string, string> = {
  modelId: "string",
  modelVersion: "string",
  environment: "string",
  features: "function",
  prediction: "function",
  onLogged: "function",
  metadata: "object function",
  sampleRate: "number",
  client: "object",
};

// Result object -> id of the prediction logged for it. Weak: results are garbage-collected as usual.
const ids = new WeakMap<object, string>();

/** The id of the prediction logged for a wrapped call's result (an object: tensor, array, output map), if any. */
export function predictionIdOf(result: unknown): string | undefined {
  return ids.get(result as object); // undefined for a primitive: WeakMap.get does not throw
}

/**
 * Wrap a model so that every call logs one prediction. The wrapper is a Proxy: it has the
 * target's properties, sync calls stay sync, a Promise result is returned as it is and logged
 * when it resolves, errors are thrown unchanged and nothing is logged for them.
 * @throws {AitherValidationError} if the target is not a kind `wrap` knows or an option is bad.
 */
export function createWrapper<T extends object>(target: T, options: WrapOptions<T> | undefined, host: () => WrapHost): T {
  const kind = kindOf(target);
  if (!kind) invalid("target", "must be a function or a model object with predict() or run()");
  const o = checkOptions(options as Options | undefined, kind);
  const call = (fn: Fn, self: unknown, args: unknown[]): unknown => {
    if (o.sampleRate !== undefined && Math.random() >= o.sampleRate) {
      const result = Reflect.apply(fn, self, args);
      try {
        host().sampled();
      } catch {
        // a client that cannot be created reports it on the next logged call
      }
      return result;
    }
    const start = performance.now();
    const result = Reflect.apply(fn, self, args); // a throw passes through: nothing to log
    if (!isPromise(result)) {
      record(o, host, readInputs(o, kind, args), result, performance.now() - start);
      return result;
    }
    // The caller gets the very promise the target returned. Its inputs are read now: the caller
    // may reuse or dispose them (a tfjs tensor, a buffer) before the promise settles.
    const inputs = captureInputs(o, kind, host, args);
    if (inputs) result.then((value) => record(o, host, inputs, value, performance.now() - start), noop);
    return result;
  };
  // Methods run with the original object as `this`: native bindings and classes with private
  // fields reject a Proxy, and a model calling its own methods inside must not log twice.
  const cache = new Map<PropertyKey, [unknown, unknown]>();
  const handler: ProxyHandler<T> = {
    get(t, key) {
      const value: unknown = Reflect.get(t, key);
      if (typeof value !== "function" || key === "constructor") return value;
      // call/apply/bind of a callable must keep the wrapper as `this`, or the call is not logged.
      if (typeof t === "function" && value === Reflect.get(Function.prototype, key)) return value;
      const own = Object.getOwnPropertyDescriptor(t, key);
      if (own && !own.configurable && !own.writable) return value; // Proxy invariant
      const hit = cache.get(key);
      if (hit?.[0] === value) return hit[1];
      const logs = typeof key === "string" && kind.methods.includes(key);
      const method = logs ? (...args: unknown[]) => call(value as Fn, t, args) : (value as Fn).bind(t);
      cache.set(key, [value, method]);
      return method;
    },
    set: (t, key, value) => Reflect.set(t, key, value),
  };
  // A callable (function, transformers.js pipeline) logs its calls; its methods run on the original too.
  if (kind.methods.length === 0) handler.apply = (fn, self, args) => call(fn as unknown as Fn, self, args);
  return new Proxy(target, handler);
}

const noop = (): void => {};

/** A native Promise, of this realm or another (a subclass too). Another thenable is not awaited: that could start it. */
function isPromise(value: unknown): value is Promise<unknown> {
  return Object.prototype.toString.call(value) === "[object Promise]" && typeof (value as Promise<unknown>).then === "function";
}

/** What a call logs besides its result and latency. */
interface CallInputs {
  modelId: string;
  features: unknown;
  metadata: unknown;
}

function readInputs(o: Options, kind: ModelKind, args: unknown[]): CallInputs | AitherError {
  try {
    const meta = o.metadata;
    return {
      // Workers AI: run(model, inputs) names the model; an explicit modelId wins.
      modelId: o.modelId ?? (typeof args[0] === "string" ? args[0] : kind.name),
      features: o.features ? o.features(...args) : kind.input >= 0 ? args[kind.input] : args.length > 1 ? args : args[0],
      metadata: typeof meta === "function" ? meta(...args) : meta,
    };
  } catch (error) {
    return failure(error);
  }
}

/** The inputs of an async call as normalised copies, taken before the caller gets control back. */
function captureInputs(o: Options, kind: ModelKind, host: () => WrapHost, args: unknown[]): CallInputs | AitherError {
  const inputs = readInputs(o, kind, args);
  if (inputs instanceof AitherError) return inputs;
  try {
    const h = host();
    return { modelId: inputs.modelId, features: h.capture(inputs.features), metadata: h.capture(inputs.metadata) };
  } catch (error) {
    return failure(error);
  }
}

/** Log one call. Never throws: a failing callback or option is reported through onError. */
function record(o: Options, host: () => WrapHost, inputs: CallInputs | AitherError, result: unknown, latencyMs: number): void {
  let h: WrapHost | undefined;
  try {
    h = host();
    if (inputs instanceof AitherError) throw inputs;
    const id = h.log({
      modelId: inputs.modelId,
      // A stream, an iterator or a Response cannot be read without taking it from the caller.
      prediction: (o.prediction ? o.prediction(result) : unreadable(result) ? null : result) ?? null,
      features: inputs.features,
      metadata: inputs.metadata as Record<string, unknown> | undefined,
      modelVersion: o.modelVersion,
      environment: o.environment,
      latencyMs,
    });
    if (id === undefined) return; // not queued: there is no prediction to point a label at
    if (Object(result) === result) ids.set(result as object, id); // objects and functions only
    o.onLogged?.(id, result);
  } catch (error) {
    const e = error instanceof AitherError ? error : failure(error);
    // No client (bad AITHER_* settings): the console is the only place left to say so.
    if (h) h.report(e);
    else console.warn(`[aither] ${e.message}`);
  }
}

function failure(error: unknown): AitherError {
  return new AitherError("callback", `wrap: could not log a call: ${(error as Error)?.message ?? error}`, { cause: error });
}

/** A result that reading would consume or that holds no value yet: a stream, an iterator, a thenable, a Response. */
function unreadable(result: unknown): boolean {
  if (typeof result !== "object" || result === null) return false;
  const r = result as Record<string, unknown>;
  return (
    typeof r.getReader === "function" ||
    typeof r.next === "function" ||
    typeof r.then === "function" || // a thenable that is not a Promise: awaiting it could start it
    (typeof r.arrayBuffer === "function" && "headers" in r)
  );
}

function checkOptions(options: Options | undefined, kind: ModelKind): Options {
  const o = (options ?? {}) as Record<string, unknown>;
  if (typeof o !== "object" || o === null) invalid("options", "must be an object");
  for (const key in o) {
    const v = o[key];
    if (!TYPES[key]) invalid(key, "is not a known wrap option");
    if (v !== undefined && (v === null || !TYPES[key].includes(typeof v)))
      invalid(key, `must be a ${TYPES[key].replace(" ", " or ")}, got ${v === null ? "null" : typeof v}`);
  }
  if (o.modelId === "" || (o.modelId === undefined && kind.name !== "workers-ai")) invalid("modelId", "is required: the model's name");
  if (typeof o.modelId === "string" && o.modelId.length > MAX_MODEL_ID)
    invalid("modelId", `must be at most ${MAX_MODEL_ID} characters, got ${o.modelId.length}`);
  const rate = o.sampleRate as number | undefined;
  if (!(rate === undefined || (rate >= 0 && rate <= 1))) invalid("sampleRate", `must be a number from 0 to 1, got ${rate}`);
  return o as Options;
}
