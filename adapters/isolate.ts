import { streamGzip } from "../src/compress.ts";
import { createOtlpFormat } from "../src/otlp.ts";
import type { RuntimeAdapter, RuntimeName } from "../src/runtime.ts";
import { ofetchTransport } from "../src/transport-ofetch.ts";

/**
 * The adapter of a request-scoped isolate (Cloudflare's workerd, Vercel's and Next.js's edge):
 * no timer, no lifecycle hooks, CompressionStream gzip, and the isolate's per-request I/O rule.
 * A timer is cut off, or frozen with the isolate, once the request's work is done, so events
 * wait for a flush the request keeps alive (withAither, after(), waitUntil); and a platform may
 * tie I/O to the request that started it (workerd does, and a request awaiting a fetch another
 * request started hangs without an error): each flush waits for its own requests only.
 */
export function createIsolateAdapter(name: RuntimeName): RuntimeAdapter {
  return {
    name,
    startTimer() {
      return () => {};
    },
    sleepUnref(ms) {
      return new Promise((resolve) => setTimeout(resolve, ms));
    },
    attach() {
      return () => {};
    },
    gzip: streamGzip(),
    transport: ofetchTransport,
    otlp: createOtlpFormat,
    isolate: { perRequestIo: true },
  };
}
