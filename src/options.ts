import type { AitherEnv } from "./env.ts";
import { type AitherError, AitherValidationError } from "./errors.ts";
import type { DropReason, WireEvent } from "./types.ts";

/** The platform's ingest endpoint, used when neither the option nor AITHER_ENDPOINT is set. */
export const DEFAULT_ENDPOINT = "https://aither.computer";

/** A fetch-compatible function (the global `fetch`, undici's, a test double). */
export type FetchLike = (input: string, init?: RequestInit) => Promise<Response>;

/** Options of {@link AitherClient} and `init()`. All are optional; see the README for each. */
export interface AitherOptions {
  /** API key, sent as `X-API-Key`. @default env AITHER_API_KEY */
  apiKey?: string;
  /** Base URL of the ingest server; a trailing slash is ignored. @default env AITHER_ENDPOINT, else "https://aither.computer" */
  endpoint?: string;
  /** Milliseconds between background flushes. Ignored when `enableBackground` is false. @default 1000 */
  flushInterval?: number;
  /** Most events in one request. @default 100 */
  batchSize?: number;
  /** Most serialized bytes in one request body, before compression. @default 524288 */
  maxBatchBytes?: number;
  /** Larger events lose `features`/`metadata` to a marker, then are dropped (`too_large`). @default 262144 */
  maxEventBytes?: number;
  /** Most queued events; when full the oldest is dropped (`queue_full`). @default 10000 */
  maxQueueSize?: number;
  /** Most (estimated) serialized bytes queued; when over, the oldest is dropped (`queue_full`). @default 5242880 */
  maxQueueBytes?: number;
  /** Milliseconds per HTTP request, body included. @default 10000 */
  timeout?: number;
  /** Retries per batch per background flush, for retryable failures. @default 5 */
  maxRetries?: number;
  /** Milliseconds that `close()`, exit hooks and a `flush()` without `timeoutMs` may take. @default 10000 */
  shutdownTimeout?: number;
  /** `"gzip"` compresses bodies of 1 KiB or more where the runtime can. @default "gzip" */
  compression?: "gzip" | "none";
  /**
   * Wire protocol. `"otlp"` sends OTLP/HTTP JSON spans to `{endpoint}/v1/traces`, for any
   * OpenTelemetry Collector (README, "OpenTelemetry (OTLP) export").
   * @default "aither"
   */
  protocol?: "aither" | "otlp";
  /** `service.name` of the OTLP resource; used with `protocol: "otlp"`. @default "aither-js" */
  serviceName?: string;
  /** False: every call sends at once, no queue timer (for debugging). @default true */
  enableBackground?: boolean;
  /** Share of predictions kept, 0..1; the rest are counted in `stats().sampled`. Labels are never sampled. @default 1 */
  sampleRate?: number;
  /** Default `environment` of every prediction. */
  environment?: string;
  /**
   * Tensors, typed arrays and arrays with more than `tensorSampleRows x tensorSampleColumns`
   * elements are logged as a `_tensor` summary keeping this many leading rows.
   * @default 5
   */
  tensorSampleRows?: number;
  /** Leading columns kept in each sampled row of a `_tensor` summary (see `tensorSampleRows`). @default 10 */
  tensorSampleColumns?: number;
  /** Called with each wire event before it is sent; return it (changed or not) or null to drop it (`filtered`). */
  beforeSend?: (event: WireEvent) => WireEvent | null;
  /** Called with every background error. @default a rate-limited `console.warn` prefixed `[aither]` */
  onError?: (error: AitherError) => void;
  /** Called with every batch of dropped events and the reason. */
  onDrop?: (events: WireEvent[], reason: DropReason) => void;
  /** Log every flush and response to the console. @default false */
  debug?: boolean;
  /** Custom fetch implementation. @default globalThis.fetch */
  fetch?: FetchLike;
  /** Extra request headers. */
  headers?: Record<string, string>;
  /** The runtime's keep-alive hook (Vercel, Netlify, Deno Deploy): every send is registered with it. */
  waitUntil?: (promise: Promise<unknown>) => void;
}

/** Options with every default applied and every value checked. */
export interface ResolvedOptions {
  apiKey: string | undefined;
  endpoint: string;
  /** True when the endpoint came from the default (no option, no AITHER_ENDPOINT). */
  defaultEndpoint: boolean;
  flushInterval: number;
  batchSize: number;
  maxBatchBytes: number;
  maxEventBytes: number;
  maxQueueSize: number;
  maxQueueBytes: number;
  timeout: number;
  maxRetries: number;
  shutdownTimeout: number;
  compression: "gzip" | "none";
  protocol: "aither" | "otlp";
  serviceName: string;
  enableBackground: boolean;
  sampleRate: number;
  environment: string | undefined;
  tensorSampleRows: number;
  tensorSampleColumns: number;
  beforeSend: ((event: WireEvent) => WireEvent | null) | undefined;
  onError: ((error: AitherError) => void) | undefined;
  onDrop: ((events: WireEvent[], reason: DropReason) => void) | undefined;
  debug: boolean;
  fetch: FetchLike | undefined;
  headers: Record<string, string>;
  waitUntil: ((promise: Promise<unknown>) => void) | undefined;
}

/** The defaults of SPEC section 2. */
export const DEFAULTS: Readonly<{
  flushInterval: number;
  batchSize: number;
  maxBatchBytes: number;
  maxEventBytes: number;
  maxQueueSize: number;
  maxQueueBytes: number;
  timeout: number;
  maxRetries: number;
  shutdownTimeout: number;
  compression: "gzip";
  protocol: "aither";
  serviceName: string;
  enableBackground: boolean;
  sampleRate: number;
  tensorSampleRows: number;
  tensorSampleColumns: number;
}> = Object.freeze({
  flushInterval: 1000,
  batchSize: 100,
  maxBatchBytes: 524_288,
  maxEventBytes: 262_144,
  maxQueueSize: 10_000,
  maxQueueBytes: 5_242_880,
  timeout: 10_000,
  maxRetries: 5,
  shutdownTimeout: 10_000,
  compression: "gzip",
  protocol: "aither",
  serviceName: "aither-js",
  enableBackground: true,
  sampleRate: 1,
  tensorSampleRows: 5,
  tensorSampleColumns: 10,
});

const KNOWN = new Set<string>([
  "apiKey",
  "endpoint",
  "flushInterval",
  "batchSize",
  "maxBatchBytes",
  "maxEventBytes",
  "maxQueueSize",
  "maxQueueBytes",
  "timeout",
  "maxRetries",
  "shutdownTimeout",
  "compression",
  "protocol",
  "serviceName",
  "enableBackground",
  "sampleRate",
  "environment",
  "beforeSend",
  "onError",
  "onDrop",
  "debug",
  "fetch",
  "headers",
  "waitUntil",
  "tensorSampleRows",
  "tensorSampleColumns",
]);

function fail(name: string, message: string): never {
  throw new AitherValidationError(name, `${name} ${message}`);
}

function positiveMs(name: string, value: unknown, fallback: number): number {
  if (value === undefined) return fallback;
  if (typeof value !== "number" || !Number.isFinite(value) || value <= 0) {
    fail(name, `must be a positive number of milliseconds, got ${String(value)}`);
  }
  return value;
}

function positiveInt(name: string, value: unknown, fallback: number): number {
  if (value === undefined) return fallback;
  if (typeof value !== "number" || !Number.isInteger(value) || value < 1) {
    fail(name, `must be a positive integer, got ${String(value)}`);
  }
  return value;
}

function optionalString(name: string, value: unknown): string | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== "string") fail(name, `must be a string, got ${typeof value}`);
  return value;
}

function optionalFunction<T>(name: string, value: unknown): T | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== "function") fail(name, `must be a function, got ${typeof value}`);
  return value as T;
}

function parseEndpoint(value: string): string {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    fail("endpoint", `must be an absolute http(s) URL, got ${JSON.stringify(value)}`);
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") {
    fail("endpoint", `must use http or https, got ${JSON.stringify(value)}`);
  }
  return value.replace(/\/+$/, "");
}

/**
 * Merge options, environment and defaults, checking each value once.
 * @throws {AitherValidationError} naming the first bad option.
 */
export function resolveOptions(input: AitherOptions | undefined, env: AitherEnv): ResolvedOptions {
  const o = (input ?? {}) as Record<string, unknown>;
  if (typeof o !== "object" || o === null) fail("options", "must be an object");
  for (const key of Object.keys(o)) {
    if (!KNOWN.has(key) && key !== "handleSignals") fail(key, "is not a known option");
  }
  const apiKey = optionalString("apiKey", o.apiKey) ?? (env.AITHER_API_KEY || undefined);
  const endpointInput = optionalString("endpoint", o.endpoint) ?? (env.AITHER_ENDPOINT || undefined);
  const compression = o.compression ?? DEFAULTS.compression;
  if (compression !== "gzip" && compression !== "none") {
    fail("compression", `must be "gzip" or "none", got ${JSON.stringify(compression)}`);
  }
  const protocol = o.protocol ?? DEFAULTS.protocol;
  if (protocol !== "aither" && protocol !== "otlp") {
    fail("protocol", `must be "aither" or "otlp", got ${JSON.stringify(protocol)}`);
  }
  const serviceName = optionalString("serviceName", o.serviceName) ?? DEFAULTS.serviceName;
  if (serviceName === "") fail("serviceName", "must not be empty");
  const sampleRate = o.sampleRate ?? DEFAULTS.sampleRate;
  if (typeof sampleRate !== "number" || !(sampleRate >= 0 && sampleRate <= 1)) {
    fail("sampleRate", `must be a number from 0 to 1, got ${String(sampleRate)}`);
  }
  const maxRetries = o.maxRetries ?? DEFAULTS.maxRetries;
  if (typeof maxRetries !== "number" || !Number.isInteger(maxRetries) || maxRetries < 0) {
    fail("maxRetries", `must be a non-negative integer, got ${String(maxRetries)}`);
  }
  for (const flag of ["enableBackground", "debug"] as const) {
    if (o[flag] !== undefined && typeof o[flag] !== "boolean") fail(flag, `must be a boolean, got ${typeof o[flag]}`);
  }
  const headers = o.headers ?? {};
  if (typeof headers !== "object" || headers === null || Array.isArray(headers)) fail("headers", "must be an object of strings");
  for (const [k, v] of Object.entries(headers)) {
    if (typeof v !== "string") fail("headers", `value of ${JSON.stringify(k)} must be a string, got ${typeof v}`);
  }
  const maxBatchBytes = positiveInt("maxBatchBytes", o.maxBatchBytes, DEFAULTS.maxBatchBytes);
  const maxEventBytes = positiveInt("maxEventBytes", o.maxEventBytes, DEFAULTS.maxEventBytes);
  return {
    apiKey,
    endpoint: parseEndpoint(endpointInput ?? DEFAULT_ENDPOINT),
    defaultEndpoint: endpointInput === undefined,
    flushInterval: positiveMs("flushInterval", o.flushInterval, DEFAULTS.flushInterval),
    batchSize: positiveInt("batchSize", o.batchSize, DEFAULTS.batchSize),
    maxBatchBytes,
    // An event bigger than a whole batch body could never be sent.
    maxEventBytes: Math.min(maxEventBytes, maxBatchBytes),
    maxQueueSize: positiveInt("maxQueueSize", o.maxQueueSize, DEFAULTS.maxQueueSize),
    maxQueueBytes: positiveInt("maxQueueBytes", o.maxQueueBytes, DEFAULTS.maxQueueBytes),
    timeout: positiveMs("timeout", o.timeout, DEFAULTS.timeout),
    maxRetries,
    shutdownTimeout: positiveMs("shutdownTimeout", o.shutdownTimeout, DEFAULTS.shutdownTimeout),
    compression,
    protocol,
    serviceName,
    enableBackground: (o.enableBackground as boolean | undefined) ?? DEFAULTS.enableBackground,
    sampleRate,
    environment: optionalString("environment", o.environment),
    tensorSampleRows: positiveInt("tensorSampleRows", o.tensorSampleRows, DEFAULTS.tensorSampleRows),
    tensorSampleColumns: positiveInt("tensorSampleColumns", o.tensorSampleColumns, DEFAULTS.tensorSampleColumns),
    beforeSend: optionalFunction("beforeSend", o.beforeSend),
    onError: optionalFunction("onError", o.onError),
    onDrop: optionalFunction("onDrop", o.onDrop),
    debug: (o.debug as boolean | undefined) ?? false,
    fetch: optionalFunction("fetch", o.fetch),
    headers: { ...(headers as Record<string, string>) },
    waitUntil: optionalFunction("waitUntil", o.waitUntil),
  };
}
