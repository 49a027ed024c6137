import { type Batch, type BodyFormat, cutBatch, type SerializeContext } from "../batch.ts";
import type { AitherError } from "../errors.ts";
import type { EncodedBody } from "../runtime.ts";
import type { DropReason } from "../types.ts";
import { utf8Bytes } from "../utf8.ts";
import { type DeliveryParts, type Gate, releaseCounts, requeue } from "./parts.ts";
import type { Requests } from "./request.ts";
import type { Sleeps } from "./sleeps.ts";

// Batches behind bodies handed to an adapter, so they can come back to the queue.
const taken = new WeakMap<EncodedBody, Batch>();

/**
 * The page's unload path: queued events leave as finished bodies (api_key inside, since a
 * beacon carries no header) for a keepalive fetch, a beacon or storage, and come back, are
 * confirmed or are dropped by what the adapter learns of them later.
 */
export class HandOff {
  readonly #p: DeliveryParts;
  readonly #gate: Gate;
  readonly #format: BodyFormat;
  readonly #serialize: SerializeContext;
  readonly #requests: Requests;
  readonly #sleeps: Sleeps;
  // The bodies of the last takeBodies(), filled as they are cut, until the adapter says they are
  // accounted for (stored, handed to the browser or given back). Firefox stops a closing tab's
  // pagehide listener a few ms in; what that listener had taken is put back by the next call.
  #unaccounted: EncodedBody[] = [];

  constructor(parts: DeliveryParts, gate: Gate, format: BodyFormat, serialize: SerializeContext, requests: Requests, sleeps: Sleeps) {
    this.#p = parts;
    this.#gate = gate;
    this.#format = format;
    this.#serialize = serialize;
    this.#requests = requests;
    this.#sleeps = sleeps;
  }

  /**
   * Cut the whole queue into bodies of at most `maxBytes`, batches sleeping out a backoff
   * included: they are taken back from their sleep, so they are handed off and stored like the
   * rest instead of waiting in memory the page may lose.
   */
  takeBodies(maxBytes: number): EncodedBody[] {
    const { queue, options } = this.#p;
    this.restore(this.#unaccounted);
    for (const batch of this.#sleeps.reclaimAll()) {
      this.#requests.mortal.delete(batch);
      requeue(this.#p, this.#gate, batch);
    }
    const out: EncodedBody[] = [];
    this.#unaccounted = out;
    const sentAt = new Date().toISOString();
    for (;;) {
      const kind = queue.oldestKind();
      if (kind === undefined) break;
      const batch = cutBatch(queue, kind, options.batchSize, Math.min(maxBytes, options.maxBatchBytes), this.#serialize);
      if (!batch) continue;
      const encoded = this.#encode(batch, this.#format.body(batch, sentAt, this.#requests.countsFor(batch), options.apiKey));
      taken.set(encoded, batch);
      out.push(encoded);
    }
    return out;
  }

  /**
   * Bodies (api_key inside) of the requests in flight that would die with the page (sent
   * without keepalive: over the page's budget), each with a promise that settles with its
   * batch, for a copy in storage until then. They stay in flight and keep their batch ids.
   */
  inFlightBodies(): { body: EncodedBody; settled: Promise<unknown> }[] {
    const sentAt = new Date().toISOString();
    return [...this.#requests.mortal].map(([batch, settled]) => ({
      body: this.#encode(batch, this.#format.body(batch, sentAt, batch.reported, this.#p.options.apiKey)),
      settled,
    }));
  }

  #encode(batch: Batch, body: string): EncodedBody {
    return { kind: batch.kind, url: this.#requests.url(batch.kind), body, bytes: utf8Bytes(body), count: batch.events.length, batchId: batch.id };
  }

  /** The bodies of the last {@link takeBodies} are stored, handed to the browser or given back. */
  accounted(): void {
    this.#unaccounted = [];
  }

  /** Give bodies from {@link takeBodies} back to the queue; their drop counts go with their batch_id. */
  restore(bodies: readonly EncodedBody[]): void {
    for (const body of bodies) {
      const batch = taken.get(body);
      if (!batch) continue;
      taken.delete(body);
      requeue(this.#p, this.#gate, batch);
    }
  }

  /** Bodies from {@link takeBodies} that a response confirmed. */
  confirm(bodies: readonly EncodedBody[]): void {
    for (const body of bodies) {
      if (taken.delete(body)) this.#p.stats.sent += body.count;
    }
  }

  /** Bodies from {@link takeBodies} that will never be delivered: drop their events (counted, onDrop, `error`). */
  drop(bodies: readonly EncodedBody[], reason: DropReason, error: AitherError | undefined): void {
    for (const body of bodies) {
      const batch = taken.get(body);
      if (!batch) continue;
      taken.delete(body);
      releaseCounts(this.#p, batch); // the drop counts it carried were not accepted
      this.#p.ledger.drop(batch.events, reason, error);
    }
  }
}
