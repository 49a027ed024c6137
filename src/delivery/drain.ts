import { type Batch, cutBatch, type SerializeContext } from "../batch.ts";
import { AitherError } from "../errors.ts";
import type { EventKind, QueuedEvent } from "../events.ts";
import { type AttemptParts, deliverBatch } from "./attempt.ts";
import type { InFlight } from "./in-flight.ts";
import { type DeliveryParts, type DrainMode, type Gate, MAX_PARALLEL, requeue } from "./parts.ts";

const BACKGROUND: DrainMode = { kind: "background" };

/** Picks the kind of the next batch a lane cuts, or undefined when the lane should stop. */
type NextKind = () => EventKind | undefined;

/**
 * When batches are cut and how many requests run at once.
 *
 * Background: a full batch (`batchSize` events or `maxBatchBytes`) goes out as soon as it is
 * queued, on up to {@link MAX_PARALLEL} lanes; the timer's tick sends what is left, partial
 * batches included. A batch that goes back to the queue (the endpoint keeps failing) stops the
 * background until the next tick, and no lane starts while one sleeps out a backoff or a
 * Retry-After pause: the queue fills only when the endpoint is slower than the producer.
 *
 * Foreground: flush() and close() send everything queued up to their call, until their
 * deadline, and wait for requests already in flight.
 */
export class Drain {
  readonly #p: DeliveryParts;
  readonly #a: AttemptParts;
  readonly #inFlight: InFlight;
  readonly #serialize: SerializeContext;
  #lanes = 0;
  // The tick asked for everything queued up to this sequence number, partial batches included.
  #sweepUpTo = 0;
  // A background batch went back to the queue: no new background lane until the next tick.
  #held = false;
  // Passes of enableBackground: false, at most MAX_PARALLEL.
  #immediate = 0;

  constructor(attempt: AttemptParts, inFlight: InFlight, serialize: SerializeContext) {
    this.#a = attempt;
    this.#p = attempt.parts;
    this.#inFlight = inFlight;
    this.#serialize = serialize;
  }

  get #gate(): Gate {
    return this.#a.gate;
  }

  /** Events queued or in flight with `seq <= upTo`. */
  pendingUpTo(upTo: number): number {
    return this.#p.queue.countUpTo(upTo) + this.#inFlight.countUpTo(upTo);
  }

  /** Start background lanes for the full batches queued now. */
  kick(): void {
    const { queue, options } = this.#p;
    if (!this.#mayStart() || queue.fullKind(options.batchSize, this.#fullBytes()) === undefined) return;
    this.#startLanes(Math.max(1, Math.floor(queue.length / options.batchSize)));
  }

  /** The timer's tick: send everything queued up to `upTo`, partial batches too. */
  tick(upTo: number): void {
    this.#held = false;
    this.#sweepUpTo = Math.max(this.#sweepUpTo, upTo);
    if (!this.#mayStart() || this.#p.queue.length === 0) return;
    this.#startLanes(Math.ceil(this.#p.queue.length / this.#p.options.batchSize));
  }

  #mayStart(): boolean {
    const gate = this.#gate;
    // An isolate sends nothing in the background: its I/O would belong to no invocation's flush.
    return !this.#p.runtime.isolate && !gate.stopped && !this.#held && Date.now() >= gate.pausedUntil && this.#a.sleeps.backgroundCount === 0;
  }

  #fullBytes(): number {
    return this.#p.options.maxBatchBytes - (this.#serialize.format?.envelopeBytes ?? 0);
  }

  #startLanes(wanted: number): void {
    const { queue, options } = this.#p;
    const next: NextKind = () => {
      if (this.#held || this.#gate.stopped) return undefined;
      const full = queue.fullKind(options.batchSize, this.#fullBytes());
      if (full !== undefined) return full;
      const oldest = queue.oldestKind();
      return oldest !== undefined && (queue.peek(oldest) as QueuedEvent).seq <= this.#sweepUpTo ? oldest : undefined;
    };
    for (let i = Math.min(wanted, MAX_PARALLEL - this.#lanes); i > 0; i--) {
      this.#lanes++;
      const lane = this.#lane(next, BACKGROUND, () => {
        this.#held = true;
      }).finally(() => {
        this.#lanes--;
      });
      this.#a.requests.keepAlive(lane);
      lane.catch((error: unknown) => this.#reportBug(error));
    }
  }

  /**
   * enableBackground: false — send what was just logged now, in a request of its own. Up to
   * MAX_PARALLEL passes at once: in a burst the others find their events already taken by a
   * running pass, which goes on until the queue is empty.
   */
  immediate(): Promise<void> {
    if (this.#immediate >= MAX_PARALLEL) return Promise.resolve();
    this.#immediate++;
    return this.#pass(BACKGROUND, () => this.#p.queue.oldestKind()).finally(() => {
      this.#immediate--;
    });
  }

  /**
   * Send events up to `mode.upTo` with up to {@link MAX_PARALLEL} lanes, until the deadline.
   * The first batch that goes back to the queue ends the whole pass, so a failing server is not
   * hit by the other lanes meanwhile.
   */
  foreground(mode: DrainMode & { kind: "foreground" }): Promise<void> {
    const { queue } = this.#p;
    return this.#pass(mode, () => {
      if (Date.now() >= mode.deadline) return undefined;
      const kind = queue.oldestKind();
      return kind !== undefined && (queue.peek(kind) as QueuedEvent).seq <= mode.upTo ? kind : undefined;
    });
  }

  /** Lanes for a whole pass, registered with `waitUntil` as one piece of work. */
  async #pass(mode: DrainMode, pick: NextKind): Promise<void> {
    const { queue, options } = this.#p;
    const stop = { stopped: false };
    const next: NextKind = () => (stop.stopped ? undefined : pick());
    const count = Math.max(1, Math.min(MAX_PARALLEL, Math.ceil(queue.length / options.batchSize)));
    const onRequeue = (): void => {
      stop.stopped = true;
    };
    const running = Promise.all(Array.from({ length: count }, () => this.#lane(next, mode, onRequeue))).then(() => {});
    // Register the whole pass, not only each request: between two requests (gzip, the next
    // cut) no request is open, and an edge runtime would end the invocation there.
    this.#a.requests.keepAlive(running);
    await running;
  }

  /** Cut and deliver batches one after another while `next` names a kind. */
  async #lane(next: NextKind, mode: DrainMode, onRequeue: () => void): Promise<void> {
    const { queue, options } = this.#p;
    for (;;) {
      // No timer hop between batches: events are serialized before they are queued, so cutting
      // is a join and the lane's wait for its answer is its turn to yield. (A setTimeout(0) here
      // cost a millisecond a batch and halved throughput against a live endpoint.)
      const kind = next();
      if (kind === undefined) return;
      const batch = cutBatch(queue, kind, options.batchSize, options.maxBatchBytes, this.#serialize);
      if (!batch) continue; // everything cut was dropped while serializing
      if (!(await this.deliver(batch, mode))) {
        onRequeue();
        return;
      }
    }
  }

  /** Deliver one batch with its retries, tracked as in flight; false when it went back to the queue. */
  deliver(batch: Batch, mode: DrainMode): Promise<boolean> {
    return this.#inFlight.track(
      batch,
      (settled) => deliverBatch(batch, mode, this.#a, settled),
      (error) => {
        // A bug of ours must not lose the batch or reach the host.
        requeue(this.#p, this.#gate, batch);
        this.#reportBug(error);
        return false;
      },
    );
  }

  #reportBug(error: unknown): void {
    this.#p.reporter.error(new AitherError("network", `internal error while sending: ${String(error)}`, { cause: error }));
  }
}
