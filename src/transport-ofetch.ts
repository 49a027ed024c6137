import { createFetch } from "ofetch";
import { createTransport, fetchAnswer, NO_REDIRECTS, type TransportFactory } from "./transport.ts";

/**
 * HTTP through ofetch, the server runtimes' transport: `retry: false` (retries are ours:
 * batch-aware, Retry-After, jitter) and `ignoreResponseError`, so a status is a value;
 * `responseType: "text"` reads every body to the end. Our abort signal covers the body read
 * too (ofetch's own `timeout` stops at the headers). Redirects are not followed (see NO_REDIRECTS).
 */
export const ofetchTransport: TransportFactory = (options) => {
  const fetchImpl = options.fetch ?? ((input: string, init?: RequestInit) => globalThis.fetch(input, init));
  const $fetch = createFetch({ fetch: fetchImpl as typeof globalThis.fetch });
  return createTransport(async (request, signal) => {
    const response = await $fetch.raw<string, "text">(request.url, {
      method: "POST",
      body: request.body as BodyInit,
      headers: request.headers,
      signal,
      keepalive: request.keepalive ?? false,
      retry: false,
      ignoreResponseError: true,
      responseType: "text",
      ...NO_REDIRECTS,
    });
    return fetchAnswer(response, response._data);
  }, options.timeoutMs);
};
