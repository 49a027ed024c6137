import type { AitherEnv } from "./env.ts";
import { type AitherError, invalid } from "./errors.ts";
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
  /**
   * Called with background errors: at most once per drop reason per `flushInterval` (and at
   * each flush and close), with the count in the message, never once per event.
   * @default a rate-limited `console.warn` prefixed `[aither]`
   */
  onError?: (error: AitherError) => void;
  /**
   * Called with dropped events in aggregate: at most once per reason per `flushInterval` (and at
   * each flush and close). `events` holds up to the first 1000 of them; `count` is how many
   * were dropped in all.
   */
  onDrop?: (events: WireEvent[], reason: DropReason, count: number) => void;
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
  onDrop: ((events: WireEvent[], reason: DropReason, count: number) => void) | undefined;
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

/**
 * How an option's value is checked: a kind below, or the list of allowed strings.
 * - `ms`: a positive, finite number of milliseconds; `int`: a positive integer;
 *   `count`: a non-negative integer; `rate`: a number from 0 to 1;
 * - `string`; `name`: a non-empty string; `boolean`; `function`;
 * - `headers`: an object of strings.
 */
type Rule = "ms" | "int" | "count" | "rate" | "string" | "name" | "boolean" | "function" | "headers" | readonly string[];

/**
 * Every option the core knows, with its rule, in the order the checks run (the first bad
 * option is the one reported). `endpoint` is checked twice: its type here, its URL (which may
 * come from AITHER_ENDPOINT) after `maxEventBytes`, where it always was.
 */
const RULES: readonly (readonly [keyof AitherOptions, Rule])[] = [
  ["apiKey", "string"],
  ["endpoint", "string"],
  ["compression", ["gzip", "none"]],
  ["protocol", ["aither", "otlp"]],
  ["serviceName", "name"],
  ["sampleRate", "rate"],
  ["maxRetries", "count"],
  ["enableBackground", "boolean"],
  ["debug", "boolean"],
  ["headers", "headers"],
  ["maxBatchBytes", "int"],
  ["maxEventBytes", "int"],
  ["flushInterval", "ms"],
  ["batchSize", "int"],
  ["maxQueueSize", "int"],
  ["maxQueueBytes", "int"],
  ["timeout", "ms"],
  ["shutdownTimeout", "ms"],
  ["environment", "string"],
  ["tensorSampleRows", "int"],
  ["tensorSampleColumns", "int"],
  ["beforeSend", "function"],
  ["onError", "function"],
  ["onDrop", "function"],
  ["fetch", "function"],
  ["waitUntil", "function"],
];

// `handleSignals` belongs to the Node entry, which reads it itself (its type is checked here).
const KNOWN = new Set<string>(["handleSignals", ...RULES.map(([name]) => name)]);

/** Throw if `value` breaks `rule`. Undefined means "use the default"; so does null where a default is an enum, number or object. */
function check(name: string, rule: Rule, value: unknown): void {
  if (value === undefined) return;
  if (typeof rule !== "string") {
    if (value !== null && !rule.includes(value as string))
      invalid(name, `must be ${rule.map((v) => JSON.stringify(v)).join(" or ")}, got ${JSON.stringify(value)}`);
    return;
  }
  const n = value as number;
  switch (rule) {
    case "ms":
      if (!Number.isFinite(n) || n <= 0) invalid(name, `must be a positive number of milliseconds, got ${String(value)}`);
      return;
    case "int":
      if (!Number.isInteger(n) || n < 1) invalid(name, `must be a positive integer, got ${String(value)}`);
      return;
    case "count":
      if (value !== null && (!Number.isInteger(n) || n < 0)) invalid(name, `must be a non-negative integer, got ${String(value)}`);
      return;
    case "rate":
      if (value !== null && (typeof value !== "number" || !(n >= 0 && n <= 1))) invalid(name, `must be a number from 0 to 1, got ${String(value)}`);
      return;
    case "headers":
      if (value === null) return;
      if (typeof value !== "object" || Array.isArray(value)) invalid(name, "must be an object of strings");
      for (const [k, v] of Object.entries(value)) {
        if (typeof v !== "string") invalid(name, `value of ${JSON.stringify(k)} must be a string, got ${typeof v}`);
      }
      return;
    default: {
      // "string", "name", "boolean", "function": the rule names the type.
      const type = rule === "name" ? "string" : rule;
      if (typeof value !== type) invalid(name, `must be a ${type}, got ${typeof value}`);
      if (value === "" && rule === "name") invalid(name, "must not be empty");
    }
  }
}

/** Throw unless `value` is an absolute http(s) URL. */
function checkEndpoint(value: string): void {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    invalid("endpoint", `must be an absolute http(s) URL, got ${JSON.stringify(value)}`);
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") {
    invalid("endpoint", `must use http or https, got ${JSON.stringify(value)}`);
  }
}

/**
 * Merge options, environment and defaults, checking each value once.
 * @throws {AitherValidationError} naming the first bad option.
 */
export function resolveOptions(input: AitherOptions | undefined, env: AitherEnv): ResolvedOptions {
  const o = input ?? {};
  if (typeof o !== "object" || o === null) invalid("options", "must be an object");
  for (const key of Object.keys(o)) {
    if (!KNOWN.has(key)) invalid(key, "is not a known option");
  }
  const endpointInput = o.endpoint ?? (env.AITHER_ENDPOINT || undefined);
  const endpoint = endpointInput ?? DEFAULT_ENDPOINT;
  // Every key present from the start: one object shape whatever the caller set.
  const resolved: ResolvedOptions = {
    ...DEFAULTS,
    apiKey: env.AITHER_API_KEY || undefined,
    endpoint: "",
    defaultEndpoint: endpointInput === undefined,
    environment: undefined,
    beforeSend: undefined,
    onError: undefined,
    onDrop: undefined,
    debug: false,
    fetch: undefined,
    headers: {},
    waitUntil: undefined,
  };
  for (const [name, rule] of RULES) {
    const value = o[name];
    check(name, rule, value);
    if (name === "maxEventBytes") checkEndpoint(endpoint);
    // Past its check, null is left only where it means "the default" (see check()).
    if (value != null) (resolved as unknown as Record<string, unknown>)[name] = value;
  }
  check("handleSignals", "boolean", (o as { handleSignals?: unknown }).handleSignals);
  resolved.endpoint = endpoint.replace(/\/+$/, "");
  resolved.headers = { ...o.headers };
  // An empty key is no key: with the default endpoint the client is disabled, with the warning.
  resolved.apiKey ||= undefined;
  // An event bigger than a whole batch body could never be sent: a value the caller set is an
  // error, the default follows a smaller maxBatchBytes.
  if (resolved.maxEventBytes > resolved.maxBatchBytes) {
    if (o.maxEventBytes != null) invalid("maxEventBytes", `must be at most maxBatchBytes (${resolved.maxBatchBytes}), got ${o.maxEventBytes}`);
    resolved.maxEventBytes = resolved.maxBatchBytes;
  }
  return resolved;
}
