import { createFetch } from "ofetch";
import { classifyStatus, type Outcome } from "./outcome.js";
import type { FetchLike } from "./options.js";
import { parseRetryAfter } from "./retry.js";

/** One HTTP request of a batch body. */
export interface TransportRequest {
  url: string;
  body: string | Uint8Array;
  headers: Record<string, string>;
  /** Browser unload path: let the request outlive the page. */
  keepalive?: boolean;
}

/** Sends a body and says what happened; never throws. */
export type Transport = (request: TransportRequest) => Promise<Outcome>;

/**
 * HTTP through ofetch: `retry: false` (retries are ours: batch-aware, Retry-After, jitter) and
 * `ignoreResponseError` so a status is a value. Our own abort timer covers the body read too;
 * ofetch's `timeout` stops at the headers. The body is always read: Workers stall on unread
 * bodies, and Node keeps the socket busy.
 */
export function createTransport(options: { fetch: FetchLike | undefined; timeoutMs: number }): Transport {
  const fetchImpl = options.fetch ?? ((input: string, init?: RequestInit) => globalThis.fetch(input, init));
  const $fetch = createFetch({ fetch: fetchImpl as typeof globalThis.fetch });
  return async (request) => {
    const controller = new AbortController();
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      controller.abort();
    }, options.timeoutMs);
    try {
      const response = await $fetch.raw<string, "text">(request.url, {
        method: "POST",
        body: request.body as BodyInit,
        headers: request.headers,
        signal: controller.signal,
        keepalive: request.keepalive ?? false,
        retry: false,
        ignoreResponseError: true,
        responseType: "text",
      });
      const message = serverMessage(response._data, response.status, response.statusText);
      return classifyStatus(response.status, parseRetryAfter(response.headers.get("retry-after")), message);
    } catch (error) {
      if (timedOut) return { kind: "retry", timeout: true, message: `no answer within ${options.timeoutMs} ms` };
      return { kind: "retry", message: `network error: ${describeError(error)}` };
    } finally {
      clearTimeout(timer);
    }
  };
}

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
  const code = (inner as { code?: unknown }).code ?? ((inner as { cause?: { code?: unknown } }).cause?.code);
  return typeof code === "string" ? `${inner.message} (${code})` : inner.message;
}
