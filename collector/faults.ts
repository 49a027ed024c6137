/**
 * Fault injection for batch routes (never health or read routes). Options combine; per request
 * the checks run in this order: `dropFirst`, `failFirst`, `dropConnectionRate`, `errorRate`.
 */
export interface FaultOptions {
  /** Share of batch requests (0..1) answered with `status`. @default 0 */
  errorRate?: number;
  /** Status for fault answers (200-599; 204, 205 and 304 are sent without a body). @default 503 */
  status?: number;
  /**
   * Sent as `Retry-After` with fault answers: whole seconds (a non-negative integer, or a string
   * of digits), or an HTTP date such as "Wed, 21 Oct 2015 07:28:00 GMT". @default none
   */
  retryAfter?: number | string;
  /** Milliseconds to wait before answering every batch request, faulted or not. @default 0 */
  latencyMs?: number;
  /** The first N batch requests get the fault status, then answers are normal. @default 0 */
  failFirst?: number;
  /** Share of batch requests (0..1) whose socket is destroyed without an answer. @default 0 */
  dropConnectionRate?: number;
  /** The first N batch requests get their socket destroyed. @default 0 */
  dropFirst?: number;
}

/** What to do with one batch request. */
export type FaultDecision = { kind: "pass" } | { kind: "fail"; status: number; retryAfter?: string } | { kind: "drop" };

/** Decides per request; counts requests for `failFirst` and `dropFirst`. */
export interface Faults {
  /** Decide for the next batch request (counts it). */
  decide(): FaultDecision;
  /** Delay before answering each batch request, in ms. */
  readonly latencyMs: number;
  /** Replace the options and restart the request count; `{}` clears every fault. */
  set(options: FaultOptions): void;
  /** The options in force. */
  readonly options: FaultOptions;
}

/**
 * Create a fault injector.
 * @param random source of [0, 1) numbers; tests may pass a fixed one.
 * @throws {TypeError} if an option is out of range (see {@link validateFaults}).
 */
export function createFaults(options: FaultOptions = {}, random: () => number = Math.random): Faults {
  let current = validateFaults(options);
  let seen = 0;
  return {
    decide(): FaultDecision {
      seen++;
      const o = current;
      const fail: FaultDecision = { kind: "fail", status: o.status ?? 503 };
      if (o.retryAfter !== undefined) fail.retryAfter = String(o.retryAfter);
      if (seen <= (o.dropFirst ?? 0)) return { kind: "drop" };
      if (seen <= (o.dropFirst ?? 0) + (o.failFirst ?? 0)) return fail;
      if (o.dropConnectionRate && random() < o.dropConnectionRate) return { kind: "drop" };
      if (o.errorRate && random() < o.errorRate) return fail;
      return { kind: "pass" };
    },
    get latencyMs() {
      return current.latencyMs ?? 0;
    },
    set(next) {
      current = validateFaults(next);
      seen = 0;
    },
    get options() {
      return { ...current };
    },
  };
}

/**
 * Check fault options and return a copy.
 * @throws {TypeError} naming the option, e.g. "errorRate must be a number from 0 to 1, got 2".
 */
export function validateFaults(input: unknown): FaultOptions {
  if (typeof input !== "object" || input === null || Array.isArray(input)) {
    throw new TypeError("fault options must be a JSON object");
  }
  const o = input as Record<string, unknown>;
  const known = ["errorRate", "status", "retryAfter", "latencyMs", "failFirst", "dropConnectionRate", "dropFirst"];
  for (const key of Object.keys(o)) {
    if (!known.includes(key)) throw new TypeError(`unknown fault option "${key}"; known: ${known.join(", ")}`);
  }
  const out: FaultOptions = {};
  for (const key of ["errorRate", "dropConnectionRate"] as const) {
    const v = o[key];
    if (v === undefined) continue;
    if (typeof v !== "number" || !(v >= 0 && v <= 1)) {
      throw new TypeError(`${key} must be a number from 0 to 1, got ${JSON.stringify(v)}`);
    }
    out[key] = v;
  }
  if (o.latencyMs !== undefined) {
    const v = o.latencyMs;
    if (typeof v !== "number" || !Number.isFinite(v) || v < 0) {
      throw new TypeError(`latencyMs must be a non-negative number, got ${JSON.stringify(v)}`);
    }
    out.latencyMs = v;
  }
  for (const key of ["failFirst", "dropFirst"] as const) {
    const v = o[key];
    if (v === undefined) continue;
    if (typeof v !== "number" || !Number.isSafeInteger(v) || v < 0) {
      throw new TypeError(`${key} must be a non-negative integer, got ${JSON.stringify(v)}`);
    }
    out[key] = v;
  }
  if (o.status !== undefined) {
    if (typeof o.status !== "number" || !Number.isInteger(o.status) || o.status < 200 || o.status > 599) {
      throw new TypeError(`status must be an HTTP status from 200 to 599, got ${JSON.stringify(o.status)}`);
    }
    out.status = o.status;
  }
  if (o.retryAfter !== undefined) {
    const v = o.retryAfter;
    if (!isRetryAfter(v)) {
      throw new TypeError(`retryAfter must be a non-negative integer of seconds or an HTTP date, got ${JSON.stringify(v)}`);
    }
    out.retryAfter = v;
  }
  return out;
}

/**
 * A valid `Retry-After` value (RFC 9110 section 10.2.3): delta-seconds, as a number or a string
 * of digits, or an HTTP date. Anything else (a fraction, "1\n2", text) would make every fault
 * answer carry an invalid header, which Node refuses to send.
 */
function isRetryAfter(v: unknown): v is number | string {
  if (typeof v === "number") return Number.isSafeInteger(v) && v >= 0;
  if (typeof v !== "string") return false;
  if (/^\d+$/.test(v)) return true;
  // A date: printable ASCII only (no control characters, nothing a header cannot carry), with a
  // day or month name, as every HTTP date format has (so "1.5", which Date.parse reads as a
  // date, is refused), and readable by Date.parse.
  return /^[\x20-\x7e]+$/.test(v) && v.trim() === v && /[a-z]{3}/i.test(v) && !Number.isNaN(Date.parse(v));
}
