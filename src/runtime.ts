import type { BodyFormat } from "./batch.ts";
import type { Gzip } from "./compress.ts";
import type { AitherError } from "./errors.ts";
import type { EventKind } from "./events.ts";
import type { TransportFactory } from "./transport.ts";
import type { DropReason, FlushResult } from "./types.ts";

// The seam between the core and the runtime adapters, as types only: what every runtime gives
// (RuntimeAdapter), what some runtimes add as explicit extensions (PageExtension,
// IsolateExtension), and the view of a client an adapter gets back (AdapterHost).

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

/**
 * The page's unload path (see PageExtension): queued events leave as finished bodies for a
 * keepalive fetch, a beacon or storage, and come back, are confirmed or are dropped by what the
 * adapter learns of them later.
 */
export interface PageHandOff {
  /**
   * Take queued events out as bodies of at most `maxBytes` each (UTF-8, api_key included;
   * a single event larger than that makes a body of its own), batches sleeping out a backoff
   * included. Hand each to the browser, or give it back with
   * {@link restore}.
   */
  takeBodies(maxBytes: number): EncodedBody[];
  /** Put back bodies that could not be handed off; they return to the head of the queue. */
  restore(bodies: readonly EncodedBody[]): void;
  /**
   * Every body of the last {@link takeBodies} is stored, handed to the browser or given back.
   * Until then the next takeBodies() first puts them back in the queue: a browser may stop a
   * closing page's listener part-way (Firefox does), and what it had taken must not be lost.
   */
  accounted(): void;
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
   * with a promise that settles with its batch: keep a copy until then.
   */
  inFlightBodies(): { body: EncodedBody; settled: Promise<unknown> }[];
}

/** The narrow view of a client that an adapter gets. */
export interface AdapterHost {
  /** Deliver or drop everything queued before the call. Never rejects. */
  flush(options?: { timeoutMs?: number }): Promise<FlushResult>;
  /** Route a background problem to onError. Never throws. */
  report(error: AitherError): void;
  /** Print a warning through the client's logger (`[aither]` prefix). */
  warn(message: string): void;
  /**
   * Abort the requests in flight (their batches go back to the queue): for an exit hook whose
   * flush timed out, so a hung request does not hold the process past shutdownTimeout.
   */
  abortInFlight(): void;
  /** Events queued or in flight. */
  readonly pending: number;
  /** The client's `shutdownTimeout`, in ms. */
  readonly shutdownTimeout: number;
  /** The page's unload path; used by adapters with a {@link PageExtension}. */
  readonly page: PageHandOff;
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
  /** A page's unload rules: its keepalive budget (the adapter hands the queue off through {@link AdapterHost.page}). */
  readonly page?: PageExtension;
  /** An isolate's per-request I/O rule (workerd): see {@link IsolateExtension}. */
  readonly isolate?: IsolateExtension;
}

/** What a page adds: requests may outlive it only within the page-wide keepalive budget. */
export interface PageExtension {
  /**
   * Reserve `bytes` of the page's keepalive budget for a request. A release function means
   * "send with keepalive: true" (the request may outlive the page; call it when done); undefined
   * means send normally, and the core then tracks the batch as one the page could lose (see
   * {@link PageHandOff.inFlightBodies}).
   */
  keepalive(bytes: number): (() => void) | undefined;
}

/**
 * What an isolate adds (workerd): I/O belongs to the request that started it. A request awaiting
 * a fetch that another request started hangs without an error, a promise resolved across
 * requests is cancelled, and an invocation's fetches end with it. So under this rule: a flush
 * sends with requests of its own and waits for those only; nothing is sent in the background
 * (full batches wait for the invocation's flush); no request is aborted or woken from another.
 */
export interface IsolateExtension {
  readonly perRequestIo: true;
}
