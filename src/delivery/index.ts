import { AITHER_FORMAT, type BodyFormat, type SerializeContext, serializeEvent } from "../batch.ts";
import type { QueuedEvent } from "../events.ts";
import type { AdapterHost } from "../runtime.ts";
import type { WireEvent } from "../types.ts";
import type { AttemptParts } from "./attempt.ts";
import { Drain } from "./drain.ts";
import { flushUpTo } from "./flush.ts";
import { HandOff } from "./hand-off.ts";
import { InFlight } from "./in-flight.ts";
import { type DeliveryParts, Gate } from "./parts.ts";
import { Requests } from "./request.ts";
import { Sleeps } from "./sleeps.ts";

/**
 * The delivery engine, wired: how a queued event reaches the wire. Its parts, one job each:
 * - `drain.ts`: when batches are cut and how many requests run (full batches at once, the
 *   timer's sweep, flush passes);
 * - `attempt.ts`: one batch's retry policy (outcome, backoff, split, drop, Retry-After pause);
 * - `request.ts`: one HTTP attempt (body, headers, gzip, abort, keepalive, waitUntil);
 * - `sleeps.ts`: cancellable backoff sleeps; `in-flight.ts`: batches being delivered;
 * - `flush.ts`: flush()/close() up to a deadline; `hand-off.ts`: the page's unload path;
 * - `drop-ledger.ts`: every drop count and the aggregate onDrop/onError reports.
 */
export class Delivery {
  readonly gate: Gate = new Gate();
  readonly inFlight: InFlight = new InFlight();
  readonly drain: Drain;
  readonly handOff: HandOff;
  readonly #requests: Requests;
  readonly #sleeps: Sleeps;
  readonly #serialize: SerializeContext;
  readonly #format: BodyFormat;
  readonly #parts: DeliveryParts;

  constructor(parts: DeliveryParts) {
    this.#parts = parts;
    const { options, runtime, ledger, stats } = parts;
    const format: BodyFormat = options.protocol === "otlp" && runtime.otlp ? runtime.otlp(options.serviceName, runtime.name) : AITHER_FORMAT;
    this.#format = format;
    this.#serialize = {
      format,
      maxEventBytes: options.maxEventBytes,
      beforeSend: options.beforeSend,
      drop: (event, reason, detail) => ledger.dropOne(event, reason, detail),
      truncated: () => {
        stats.truncated++;
      },
      release: (counts) => ledger.release(counts),
    };
    this.#sleeps = new Sleeps(this.gate, runtime);
    this.#requests = new Requests(parts, this.gate, format);
    const attempt: AttemptParts = { parts, gate: this.gate, sleeps: this.#sleeps, requests: this.#requests };
    this.drain = new Drain(attempt, this.inFlight, this.#serialize);
    this.handOff = new HandOff(parts, this.gate, format, this.#serialize, this.#requests, this.#sleeps);
  }

  /** The wire form of a queued event, for onDrop: its object, or its text decoded by the format that let the object go. */
  wireOf(event: QueuedEvent): WireEvent {
    return event.wire ?? (this.#format.decode as (json: string) => WireEvent)(event.json as string);
  }

  /** Serialize an event for the queue (beforeSend, size limit); false when it was dropped instead. */
  prepare(event: QueuedEvent): boolean {
    return serializeEvent(event, this.#serialize);
  }

  /** Deliver or drop every event with `seq <= upTo` by `deadline`; resolves to how many are left. */
  flushUpTo(upTo: number, deadline: number): Promise<number> {
    return flushUpTo({ parts: this.#parts, gate: this.gate, drain: this.drain, inFlight: this.inFlight, sleeps: this.#sleeps }, upTo, deadline);
  }

  /** The view of the client that its runtime adapter gets; `flush` is the client's own. */
  adapterHost(flush: AdapterHost["flush"]): AdapterHost {
    const { queue, reporter, options } = this.#parts;
    const inFlight = this.inFlight;
    return {
      flush,
      report: (error) => reporter.error(error),
      warn: (message) => reporter.warn(message),
      page: this.handOff,
      abortInFlight: () => this.abortInFlight(),
      get pending() {
        queue.settle();
        return queue.length + inFlight.events;
      },
      get shutdownTimeout() {
        return options.shutdownTimeout;
      },
    };
  }

  /** Abort the requests in flight: their batches fail now (back to the queue, or dropped after close()). */
  abortInFlight(): void {
    this.#requests.abortAll();
  }

  /**
   * The client closed: from now on a batch that would go back to the queue (a request still in
   * flight when close() returned, then failed) is dropped as `shutdown_timeout` instead, and
   * requests still in flight are aborted (they would hold the process or page past
   * shutdownTimeout).
   */
  stop(): void {
    this.gate.stopped = true;
    this.#sleeps.wakeBackground();
    this.#requests.abortAll();
  }
}
