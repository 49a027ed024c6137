import type { Gzip } from "./compress.ts";
import { streamGzip } from "./compress.ts";
import type { AitherError } from "./errors.ts";
import type { EventKind } from "./events.ts";
import type { BodyFormat } from "./batch.ts";
import { createOtlpFormat } from "./otlp.ts";
import type { TransportFactory } from "./transport.ts";
import { ofetchTransport } from "./transport-ofetch.ts";
import type { DropReason, FlushResult } from "./types.ts";

/**
 * Queued events taken out as one finished request body, for paths that bypass the sender:
 * a beacon or keepalive fetch on page unload, or storage for the next page load.
 */
export interface EncodedBody {
  readonly kind: EventKind;
  /** Full URL of the batch route. */
  readonly url: string;
  /** The JSON body, with `api_key` inside (beacons cannot carry headers). */
  readonly body: string;
  /** UTF-8 bytes of `body`. */
  readonly bytes: number;
  /** Number of events in the body. */
  readonly count: number;
  /** The body's batch_id. */
  readonly batchId: string;
}

/** Runtime keys used in the `X-Aither-SDK` header (WinterCG names). */
export type RuntimeName = "node" | "bun" | "deno" | "browser" | "workerd" | "edge";

/** The narrow view of a client that an adapter gets. */
export interface AdapterHost {
  /** Deliver or drop everything queued before the call. Never rejects. */
  flush(options?: { timeoutMs?: number }): Promise<FlushResult>;
  /** Route a background problem to onError. Never throws. */
  report(error: AitherError): void;
  /** Print a warning through the client's logger (`[aither]` prefix). */
  warn(message: string): void;
  /**
   * Take queued events out as bodies of at most `maxBytes` each (UTF-8, api_key included).
   * They leave the queue: hand each to the browser, or give it back with {@link restore}.
   */
  takeBodies(maxBytes: number): EncodedBody[];
  /** Put back bodies that could not be handed off; they return to the head of the queue. */
  restore(bodies: readonly EncodedBody[]): void;
  /** Count handed-off bodies as sent (a response confirmed them). */
  confirm(bodies: readonly EncodedBody[]): void;
  /**
   * Drop handed-off bodies (an answer rejected them, or their only copy was lost): count their
   * events in `stats()` under `reason`, pass them to onDrop, and report `error` (undefined: the
   * user was told already).
   */
  drop(bodies: readonly EncodedBody[], reason: DropReason, error: AitherError | undefined): void;
  /**
   * Bodies of requests in flight that would not outlive the page (sent without keepalive), each
   * with a promise that settles with its request: keep a copy until then.
   */
  inFlightBodies(): { body: EncodedBody; settled: Promise<unknown> }[];
  /**
   * Abort the requests in flight (their batches go back to the queue): for an exit hook whose
   * flush timed out, so a hung request does not hold the process past shutdownTimeout.
   */
  abortInFlight(): void;
  /** Events queued or in flight. */
  readonly pending: number;
  /** The client's `shutdownTimeout`, in ms. */
  readonly shutdownTimeout: number;
}

/** What a runtime supplies. Everything runtime-specific lives behind this. */
export interface RuntimeAdapter {
  /** Runtime key for `X-Aither-SDK`. */
  readonly name: RuntimeName;
  /** Start the background flush. Must not keep the host alive. Returns a stop function. */
  startTimer(tick: () => void, intervalMs: number): () => void;
  /** A one-shot delay that must not keep the host alive (background backoff). */
  sleepUnref(ms: number): Promise<void>;
  /** Connect lifecycle hooks (exit, pagehide, request end). Called once; returns a detach. */
  attach(host: AdapterHost): () => void;
  /** Gzip for request bodies; undefined sends bodies uncompressed. */
  readonly gzip: Gzip | undefined;
  /** Builds the HTTP transport (ofetch on servers, plain fetch in the browser). */
  readonly transport: TransportFactory;
  /**
   * The OTLP body format, for `protocol: "otlp"`. Server entries supply it; the browser entry
   * leaves it out (its unload path cannot speak OTLP, and pages should not carry the encoder).
   */
  readonly otlp?: (serviceName: string, runtime: RuntimeName) => BodyFormat;
  /**
   * True where a flush must never wait on a request another flush started (workerd forbids
   * I/O across requests): each flush sends what it takes and waits for that only.
   */
  readonly isolatedFlush?: boolean;
  /**
   * Browser: reserve `bytes` of the page's keepalive budget for a request. A release function
   * means "send with keepalive: true" (the request may outlive the page; call it when done);
   * undefined means send normally.
   */
  keepalive?(bytes: number): (() => void) | undefined;
}

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
