import { streamGzip } from "./compress.ts";
import { createOtlpFormat } from "./otlp.ts";
import type { RuntimeAdapter, RuntimeName } from "./runtime.ts";
import { ofetchTransport } from "./transport-ofetch.ts";

type Unrefable = { unref?: () => void };

/** Detect the runtime by its globals, for the header of the portable entry. */
export function detectRuntime(): RuntimeName {
  const g = globalThis as Record<string, unknown> & { navigator?: { userAgent?: string }; process?: { versions?: { node?: string } } };
  if (g.navigator?.userAgent === "Cloudflare-Workers") return "workerd";
  if (g.Deno !== undefined) return "deno";
  if (g.Bun !== undefined) return "bun";
  if (g.process?.versions?.node !== undefined) return "node";
  if (g.document !== undefined || typeof g.importScripts === "function") return "browser";
  return "edge";
}

/**
 * The portable adapter of the `default` entry: a plain interval timer (unref'd where the
 * handle allows it), CompressionStream gzip, no lifecycle hooks.
 */
export function createPortableAdapter(name: RuntimeName = detectRuntime()): RuntimeAdapter {
  return {
    name,
    startTimer(tick, intervalMs) {
      const timer = setInterval(tick, intervalMs) as unknown as Unrefable;
      timer.unref?.();
      return () => clearInterval(timer as unknown as number);
    },
    sleepUnref(ms) {
      return new Promise((resolve) => {
        const timer = setTimeout(resolve, ms) as unknown as Unrefable;
        timer.unref?.();
      });
    },
    attach() {
      return () => {};
    },
    gzip: streamGzip(),
    transport: ofetchTransport,
    otlp: createOtlpFormat,
  };
}
