import { classifyStatus, type Outcome } from "./outcome.ts";
import type { FetchLike } from "./options.ts";
import { parseRetryAfter } from "./retry.ts";

/** One HTTP request of a batch body. */
export interface TransportRequest {
  url: string;
  body: string | Uint8Array;
  headers: Record<string, string>;
  /** Let the request outlive the page (browser budget permitting). */
  keepalive?: boolean;
  /** Abort the request (close() and exit hooks at their deadline). */
  signal?: AbortSignal;
}

/** Sends a body and says what happened; never throws. */
export type Transport = (request: TransportRequest) => Promise<Outcome>;

/** Builds a client's transport from its `fetch` and `timeout` options; supplied by the adapter. */
export type TransportFactory = (options: { fetch: FetchLike | undefined; timeoutMs: number }) => Transport;

/** What a POST came back with: status, Retry-After, and the body, read to the end. */
export interface RawAnswer {
  status: number;
  statusText: string;
  retryAfter: string | null;
  body: string | undefined;
  /** The Location header, named in the error when the answer is a redirect. */
  location?: string | null | undefined;
  /** A browser's "opaqueredirect": a redirect whose status and Location the page cannot see. */
  hiddenRedirect?: boolean | undefined;
}

/**
 * Every request goes out with `redirect: "manual"`: followed, a 301/302/303 turns the POST into
 * a body-less GET whose 200 would count the batch as delivered. A 3xx is dropped (`rejected`)
 * instead, the same in every runtime (node:http follows nothing either).
 */
export const NO_REDIRECTS = { redirect: "manual" } as const;

/**
 * The status given to a redirect the page may not see: a browser answers a manual redirect with
 * type "opaqueredirect" and status 0, which is not "no answer" (a network error, retried).
 */
export const HIDDEN_REDIRECT_STATUS = 300;

/** The {@link RawAnswer} of a fetch Response whose body was read as `body`. */
export function fetchAnswer(response: Response, body: string | undefined): RawAnswer {
  const hidden = response.type === "opaqueredirect";
  return {
    status: hidden ? HIDDEN_REDIRECT_STATUS : response.status,
    statusText: response.statusText,
    retryAfter: response.headers.get("retry-after"),
    body,
    location: response.headers.get("location"),
    hiddenRedirect: hidden,
  };
}

/** The error of a 3xx answer to a POST to `url`, naming where it points; undefined for any other status. */
export function redirectMessage(url: string, answer: Pick<RawAnswer, "status" | "location" | "hiddenRedirect">): string | undefined {
  if (answer.status < 300 || answer.status > 399) return undefined;
  const location = answer.location;
  let where = answer.hiddenRedirect ? "(the browser hides where to)" : "without a Location";
  if (location) {
    try {
      where = `to ${new URL(location, url).href}`;
    } catch {
      where = `to ${location}`;
    }
  }
  return `redirected ${where}: set endpoint to the final URL`;
}

/**
 * What an answer to a POST to `url` means for its batch, with the message an error would carry:
 * where a redirect points, else the server's `{"error": "..."}`, its text, or the status line.
 */
export function answerOutcome(url: string, answer: RawAnswer): Outcome {
  const message = redirectMessage(url, answer) ?? serverMessage(answer.body, answer.status, answer.statusText);
  return classifyStatus(answer.status, parseRetryAfter(answer.retryAfter), message);
}

/** One POST with an abort signal; the body must be read (or the request aborted) before it resolves. */
export type Post = (request: TransportRequest, signal: AbortSignal) => Promise<RawAnswer>;

/**
 * Wrap a `post` into a Transport: one abort timer covers the whole exchange, body included
 * (Workers stall on unread bodies), and every failure becomes an Outcome value.
 */
export function createTransport(post: Post, timeoutMs: number): Transport {
  return async (request) => {
    const controller = new AbortController();
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      controller.abort();
    }, timeoutMs);
    // Where timers can be unref'd (Node, Bun), a request's timeout does not hold the process
    // open: at its natural end the exit flush waits for requests up to shutdownTimeout instead.
    (timer as { unref?: () => void }).unref?.();
    const abort = (): void => controller.abort();
    request.signal?.addEventListener("abort", abort);
    if (request.signal?.aborted) controller.abort();
    try {
      return answerOutcome(request.url, await post(request, controller.signal));
    } catch (error) {
      if (timedOut) return { kind: "retry", timeout: true, message: `no answer within ${timeoutMs} ms` };
      return { kind: "retry", message: `network error: ${describeError(error)}` };
    } finally {
      clearTimeout(timer);
      request.signal?.removeEventListener("abort", abort);
    }
  };
}

/**
 * Plain `fetch`, for the browser entry: there every kilobyte counts, and ofetch's extras (JSON
 * bodies, base URLs, hooks, its own retries) are all unused on this path (4 KB min+gzip).
 */
export const fetchTransport: TransportFactory = (options) => {
  const fetchImpl = options.fetch ?? ((input: string, init?: RequestInit) => globalThis.fetch(input, init));
  return createTransport(async (request, signal) => {
    const response = await fetchImpl(request.url, {
      method: "POST",
      body: request.body as BodyInit,
      headers: request.headers,
      signal,
      keepalive: request.keepalive ?? false,
      ...NO_REDIRECTS,
    });
    // Once the status is in, it decides: a failed read of the rest (an abort) is not a failure.
    return fetchAnswer(response, await response.text().catch(() => undefined));
  }, options.timeoutMs);
};

function serverMessage(body: string | undefined, status: number, statusText: string): string {
  if (body) {
    try {
      const parsed = JSON.parse(body) as { error?: unknown };
      if (typeof parsed?.error === "string") return parsed.error;
    } catch {
      // not JSON: fall through to the raw text
    }
    return body.length > 200 ? `${body.slice(0, 200)}...` : body;
  }
  return statusText || `HTTP ${status}`;
}

function describeError(error: unknown): string {
  const cause = (error as { cause?: unknown })?.cause;
  const inner = cause instanceof Error ? cause : error instanceof Error ? error : undefined;
  if (!inner) return String(error);
  const code = (inner as { code?: unknown }).code ?? (inner as { cause?: { code?: unknown } }).cause?.code;
  return typeof code === "string" ? `${inner.message} (${code})` : inner.message;
}
