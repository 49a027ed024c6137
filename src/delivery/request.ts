import type { Batch, BodyFormat } from "../batch.ts";
import { MIN_COMPRESS_BYTES } from "../compress.ts";
import { AitherError, messageOf } from "../errors.ts";
import type { EventKind } from "../events.ts";
import type { Outcome } from "../outcome.ts";
import type { DropCounts } from "../types.ts";
import { utf8Bytes } from "../utf8.ts";
import { VERSION } from "../version.ts";
import type { DeliveryParts, Gate } from "./parts.ts";

const encoder = new TextEncoder();

/**
 * One HTTP attempt of a batch: the body (with the drop counts it carries), headers, gzip, the
 * page's keepalive budget, an abort controller per request (close() and exit hooks abort them
 * at their deadline), and the `waitUntil` option. Outcomes are values; nothing here throws.
 */
export class Requests {
  readonly #p: DeliveryParts;
  readonly #gate: Gate;
  readonly #format: BodyFormat;
  readonly #headers: Record<string, string>;
  readonly #urls: Record<EventKind, string>;
  // One controller per request in flight (a shared signal would collect a listener per request).
  readonly #controllers = new Set<AbortController>();
  // Batches whose request went out without keepalive where the runtime has it (a page): they
  // would be lost if the page closed before the answer. Each maps to when its batch settles.
  readonly mortal: Map<Batch, Promise<unknown>> = new Map();

  constructor(parts: DeliveryParts, gate: Gate, format: BodyFormat) {
    this.#p = parts;
    this.#gate = gate;
    this.#format = format;
    const { options, runtime } = parts;
    this.#headers = { ...options.headers, "Content-Type": "application/json", "X-Aither-SDK": `aither-js/${VERSION} (${runtime.name})` };
    if (options.apiKey) this.#headers["X-API-Key"] = options.apiKey;
    this.#urls = { prediction: `${options.endpoint}${format.paths.prediction}`, label: `${options.endpoint}${format.paths.label}` };
  }

  /** Full URL of a kind's batch route. */
  url(kind: EventKind): string {
    return this.#urls[kind];
  }

  /**
   * The drop counts a batch's body carries: claimed from the ledger at its first attempt (out of
   * it while in flight, so two bodies never report the same loss), then the same on every retry.
   */
  countsFor(batch: Batch): DropCounts | undefined {
    if (!batch.claimed) {
      batch.claimed = true;
      batch.reported = this.#p.ledger.claim();
    }
    return batch.reported;
  }

  /**
   * Post one attempt. `settled` resolves when the batch is settled (sent, dropped or back in the
   * queue): on a page, a request without keepalive is guarded until then.
   */
  async post(batch: Batch, settled: Promise<unknown> | undefined): Promise<Outcome> {
    const { options, stats, reporter, runtime } = this.#p;
    const headers: Record<string, string> = { ...this.#headers, "Idempotency-Key": batch.id };
    // Awaited only when compressing: otherwise the request starts (and a page guards it) at once.
    const encoded = this.#body(batch, headers);
    const body = typeof encoded === "string" ? encoded : await encoded;
    // Closed while this body was being compressed: no new request after close().
    if (this.#gate.stopped) return { kind: "retry", message: "the client closed" };
    const release = runtime.page?.keepalive(typeof body === "string" ? utf8Bytes(body) : body.byteLength);
    // No abort in an isolate: a controller made in one request may not be used by another (and
    // each invocation's fetches end with it anyway).
    const controller = runtime.isolate ? undefined : new AbortController();
    if (controller) this.#controllers.add(controller);
    const sending = this.#p.transport({ url: this.#urls[batch.kind], body, headers, keepalive: release !== undefined, signal: controller?.signal });
    if (controller) void sending.finally(() => this.#controllers.delete(controller));
    if (release) void sending.finally(release);
    else if (runtime.page) {
      // Without keepalive this request dies with the page (see HandOff.inFlightBodies), until
      // the batch settles, not just this attempt: after a failure it sleeps in memory.
      const until = settled ?? sending;
      this.mortal.set(batch, until);
      void until.finally(() => this.mortal.delete(batch));
    }
    this.keepAlive(sending);
    const outcome = await sending;
    if (options.debug) {
      const size = typeof body === "string" ? body.length : body.byteLength;
      const status = "status" in outcome && outcome.status !== undefined ? ` ${outcome.status}` : "";
      reporter.debug(`POST ${batch.kind} batch ${batch.id}: ${batch.events.length} events, ${size} bytes -> ${outcome.kind}${status}`);
    }
    if (outcome.kind === "ok") {
      stats.sent += batch.events.length;
      reporter.recovered();
    }
    return outcome;
  }

  /**
   * The request body, gzipped where it pays. Its own frame: the JSON text (a whole batch) is let
   * go once compressed, not held by the request for as long as it is in flight.
   */
  #body(batch: Batch, headers: Record<string, string>): string | Promise<string | Uint8Array> {
    const json = this.#format.body(batch, new Date().toISOString(), this.countsFor(batch));
    const { options, runtime } = this.#p;
    const gzip = runtime.gzip;
    if (options.compression !== "gzip" || !gzip || json.length < MIN_COMPRESS_BYTES) return json;
    return (async () => {
      try {
        const body = await gzip(encoder.encode(json));
        headers["Content-Encoding"] = "gzip";
        return body;
      } catch {
        return json; // a failed compressor must not cost the batch
      }
    })();
  }

  /** Hand `work` to the `waitUntil` option. A hook that throws is reported, never retried into a loop. */
  keepAlive(work: Promise<unknown>): void {
    const { waitUntil } = this.#p.options;
    if (!waitUntil) return;
    try {
      waitUntil(work);
    } catch (error) {
      this.#p.reporter.error(new AitherError("callback", `waitUntil threw: ${messageOf(error)}`, { cause: error }));
    }
  }

  /** Abort the requests in flight: their batches fail now (back to the queue, or dropped after close()). */
  abortAll(): void {
    for (const controller of this.#controllers) controller.abort();
    this.#controllers.clear();
  }
}
