import { AITHER_FORMAT, type Batch, type BodyFormat, cutBatch, type SerializeContext, serializeEvent, splitBatch } from "./batch.ts";
import { MIN_COMPRESS_BYTES } from "./compress.ts";
import { AitherError, AitherHttpError, AitherNetworkError, AitherTimeoutError, UNAUTHORIZED_HINT, messageOf } from "./errors.ts";
import type { QueuedEvent } from "./events.ts";
import type { ResolvedOptions } from "./options.ts";
import type { Outcome } from "./outcome.ts";
import type { EventQueue } from "./queue.ts";
import { dropError, type Reporter } from "./report.ts";
import { backoffMs } from "./retry.ts";
import type { EncodedBody, RuntimeAdapter } from "./runtime.ts";
import type { Stats } from "./stats.ts";
import type { Transport } from "./transport.ts";
import type { DropCounts, DropReason } from "./types.ts";
import { utf8Bytes } from "./utf8.ts";
import { VERSION } from "./version.ts";

/**
 * How a drain behaves. `background`: the timer's pass; gives a batch back to the queue after
 * `maxRetries` and yields to a foreground flush. `foreground`: inside flush()/close(); retries
 * until its deadline.
 */
export type DrainMode = { kind: "background" } | { kind: "foreground"; deadline: number; upTo: number };

/** What the sender needs from its client. */
export interface SenderParts {
  options: ResolvedOptions;
  queue: EventQueue;
  stats: Stats;
  reporter: Reporter;
  transport: Transport;
  adapter: RuntimeAdapter;
  /** Drop events: count them, pass them to onDrop, and report `error` (undefined: the user was told already). */
  drop(events: readonly QueuedEvent[], reason: DropReason, error: AitherError | undefined): void;
}

interface InFlight {
  readonly batch: Batch;
  readonly done: Promise<void>;
}

/** Most requests one drain keeps in flight. */
export const MAX_PARALLEL = 4;

const encoder = new TextEncoder();
// Batches behind bodies handed to an adapter, so they can come back to the queue.
const taken = new WeakMap<EncodedBody, Batch>();

/** Sends the queue: cuts batches, posts them, classifies answers, backs off, splits, requeues. */
export class Sender {
  readonly #p: SenderParts;
  readonly #serialize: SerializeContext;
  readonly #format: BodyFormat;
  readonly #inFlight = new Set<InFlight>();
  // Batches whose request went out without keepalive where the runtime has it (a page): they
  // would be lost if the page closed before the answer.
  readonly #mortal = new Map<Batch, Promise<unknown>>();
  #inFlightEvents = 0;
  #pausedUntil = 0;
  #backgroundRunning = false;
  #stopped = false;
  // Foreground flushes running now: a background batch that fails meanwhile goes back to the
  // queue for them instead of sleeping out its backoff.
  #foreground = 0;
  // Waiters for the next request to settle (flush waiting on requests it did not start).
  readonly #settleWaiters = new Set<() => void>();
  // immediate() passes running (enableBackground: false), at most MAX_PARALLEL.
  #immediate = 0;
  // Batches sleeping out a backoff, with their wake-up: a foreground flush wakes the background
  // ones (they give way to it), a page being hidden takes them all back.
  readonly #sleeping = new Map<Batch, { wake(): void; background: boolean }>();
  // Batches taken back from their sleep (already in the queue again).
  readonly #reclaimed = new WeakSet<Batch>();
  // When each tracked batch is settled (sent, dropped or back in the queue).
  readonly #doneOf = new WeakMap<Batch, Promise<unknown>>();
  // One controller per request in flight (a shared signal would collect a listener per request),
  // aborted by close() and the exit hooks at their deadline.
  readonly #controllers = new Set<AbortController>();
  readonly #headers: Record<string, string>;
  readonly #urls: { prediction: string; label: string };

  constructor(parts: SenderParts) {
    this.#p = parts;
    const { options } = parts;
    const format = options.protocol === "otlp" && parts.adapter.otlp ? parts.adapter.otlp(options.serviceName, parts.adapter.name) : AITHER_FORMAT;
    this.#format = format;
    this.#serialize = {
      format,
      maxEventBytes: options.maxEventBytes,
      beforeSend: options.beforeSend,
      drop: (event, reason, detail) => parts.drop([event], reason, detail === undefined ? undefined : dropError(1, reason, detail)),
      truncated: () => {
        parts.stats.truncated++;
      },
      release: (counts) => parts.stats.release(counts),
    };
    this.#headers = {
      ...options.headers,
      "Content-Type": "application/json",
      "X-Aither-SDK": `aither-js/${VERSION} (${parts.adapter.name})`,
    };
    if (options.apiKey) this.#headers["X-API-Key"] = options.apiKey;
    this.#urls = {
      prediction: `${options.endpoint}${format.paths.prediction}`,
      label: `${options.endpoint}${format.paths.label}`,
    };
  }

  /**
   * Serialize an event now, on the caller's path: for one estimated over maxEventBytes, so the
   * queue never holds (or counts) more than the limit. False when it was dropped (too_large, filtered).
   */
  prepare(event: QueuedEvent): boolean {
    return serializeEvent(event, this.#serialize);
  }

  /** Events in requests not answered yet. */
  get inFlight(): number {
    return this.#inFlightEvents;
  }

  /** Events with `seq <= upTo` still queued or in flight. */
  pendingUpTo(upTo: number): number {
    let n = this.#p.queue.countUpTo(upTo);
    for (const f of this.#inFlight) for (const e of f.batch.events) if (e.seq <= upTo) n++;
    return n;
  }

  /** One background pass over what is queued now; skipped while one runs or the server asked for a pause. */
  background(): Promise<void> {
    if (this.#backgroundRunning || Date.now() < this.#pausedUntil || this.#p.queue.length === 0) return Promise.resolve();
    this.#backgroundRunning = true;
    return this.#drain({ kind: "background" }).finally(() => {
      this.#backgroundRunning = false;
    });
  }

  /**
   * enableBackground: false — send what was just logged now, in a request of its own. Up to
   * MAX_PARALLEL passes at once: in a burst the others find their events already taken by a
   * running pass, which goes on until the queue is empty.
   */
  immediate(): Promise<void> {
    if (this.#immediate >= MAX_PARALLEL) return Promise.resolve();
    this.#immediate++;
    return this.#drain({ kind: "background" }).finally(() => {
      this.#immediate--;
    });
  }

  /**
   * Deliver or drop every event with `seq <= upTo` by `deadline`; returns how many are still
   * queued or in flight then. Background passes give their batches back so this flush retries
   * them on its own terms; requests already in flight are waited for, up to the deadline.
   */
  async flushUpTo(upTo: number, deadline: number): Promise<number> {
    // A background pass sleeping out a backoff gives way to this flush. Not under isolatedFlush:
    // a waker resolves a promise another request made, and workerd warns and cancels
    // continuations when one request resolves a promise of another that has ended.
    this.#foreground++;
    if (!this.#p.adapter.isolatedFlush) this.#wake();
    try {
      return await this.#flushUpTo(upTo, deadline);
    } finally {
      this.#foreground--;
    }
  }

  async #flushUpTo(upTo: number, deadline: number): Promise<number> {
    const mode: DrainMode = { kind: "foreground", deadline, upTo };
    for (;;) {
      if (this.#p.adapter.isolatedFlush) {
        // The drain's own requests are awaited: workerd cancels the I/O of an invocation that
        // ended. Requests of other flushes are theirs to finish (no cross-request I/O).
        if (this.#p.queue.countUpTo(upTo) > 0) await this.#drain(mode);
        const left = this.#p.queue.countUpTo(upTo);
        if (left === 0 || Date.now() >= deadline) return left;
        continue;
      }
      // The deadline also bounds a request in flight (up to `timeout`): it goes on after we return.
      if (this.#p.queue.countUpTo(upTo) > 0 && !(await raceDeadline(this.#drain(mode), deadline))) return this.#pendingAtDeadline(upTo);
      const pending = this.pendingUpTo(upTo);
      if (pending === 0 || Date.now() >= deadline) return pending;
      if (this.#p.queue.countUpTo(upTo) > 0) continue;
      // Requests this flush did not start (a background pass's): wait for the next one to settle.
      if (!(await raceDeadline(this.#nextSettle(), deadline))) return this.#pendingAtDeadline(upTo);
    }
  }

  /**
   * What is left when the deadline cut a wait short. A batch sleeping out a backoff stops at the
   * same deadline on a timer of its own: give it that turn, so it is counted back in the queue
   * rather than in flight.
   */
  async #pendingAtDeadline(upTo: number): Promise<number> {
    await yieldToHost();
    return this.pendingUpTo(upTo);
  }

  /** Cut the queue into finished bodies (api_key inside) for a beacon or storage. */
  takeBodies(maxBytes: number): EncodedBody[] {
    const { queue, options } = this.#p;
    const out: EncodedBody[] = [];
    const sentAt = new Date().toISOString();
    this.#reclaimSleeping();
    for (;;) {
      const kind = queue.oldestKind();
      if (kind === undefined) break;
      const batch = cutBatch(queue, kind, options.batchSize, Math.min(maxBytes, options.maxBatchBytes), this.#serialize);
      if (!batch) continue;
      const body = this.#format.body(batch, sentAt, this.#countsFor(batch), options.apiKey);
      const encoded: EncodedBody = { kind, url: this.#urls[kind], body, bytes: utf8Bytes(body), count: batch.events.length, batchId: batch.id };
      taken.set(encoded, batch);
      out.push(encoded);
    }
    return out;
  }

  /**
   * Bodies (api_key inside) of the requests in flight that would die with the page (sent
   * without keepalive: over the page's budget), each with a promise that settles with its
   * request, for a copy in storage until then. They stay in flight and keep their batch ids.
   */
  inFlightBodies(): { body: EncodedBody; settled: Promise<unknown> }[] {
    const sentAt = new Date().toISOString();
    return [...this.#mortal].map(([batch, settled]) => {
      const body = this.#format.body(batch, sentAt, batch.reported, this.#p.options.apiKey);
      const encoded = { kind: batch.kind, url: this.#urls[batch.kind], body, bytes: utf8Bytes(body), count: batch.events.length, batchId: batch.id };
      return { body: encoded, settled };
    });
  }

  /**
   * The drop counts a batch's body carries: claimed from the ledger at its first attempt (out of
   * it while in flight, so two bodies never report the same loss), then the same on every retry.
   */
  #countsFor(batch: Batch): DropCounts | undefined {
    if (!batch.claimed) {
      batch.claimed = true;
      batch.reported = this.#p.stats.claimUnreported();
    }
    return batch.reported;
  }

  /** Give bodies from {@link takeBodies} back to the queue. */
  restoreBodies(bodies: readonly EncodedBody[]): void {
    for (const body of bodies) {
      const batch = taken.get(body);
      if (!batch) continue;
      taken.delete(body);
      this.#requeue(batch); // its drop counts go with it, under its batch_id
    }
  }

  /** Bodies from {@link takeBodies} that a response confirmed. */
  confirmBodies(bodies: readonly EncodedBody[]): void {
    for (const body of bodies) {
      if (taken.delete(body)) this.#p.stats.sent += body.count;
    }
  }

  /** Bodies from {@link takeBodies} that will never be delivered: drop their events (counted, onDrop, `error`). */
  dropBodies(bodies: readonly EncodedBody[], reason: DropReason, error: AitherError | undefined): void {
    for (const body of bodies) {
      const batch = taken.get(body);
      if (!batch) continue;
      taken.delete(body);
      this.#releaseCounts(batch); // the drop counts it carried were not accepted
      this.#p.drop(batch.events, reason, error);
    }
  }

  /**
   * Send queued batches with up to {@link MAX_PARALLEL} requests at a time: one at a time,
   * round trips (not CPU) bound a large backlog. The first batch that goes back to the queue
   * ends the whole pass, so a failing server is not hit by the other lanes meanwhile.
   */
  async #drain(mode: DrainMode): Promise<void> {
    const { queue, options } = this.#p;
    const lanes = Math.min(MAX_PARALLEL, Math.ceil(queue.length / options.batchSize));
    const pass = { stopped: false };
    const lane = async (): Promise<void> => {
      for (let first = true; !pass.stopped; first = false) {
        // Between batches, give the event loop a turn: responses of all lanes arrive together,
        // and serializing, compressing and starting the next requests in one go stalled the
        // host's timers for 10-25 ms while a backlog drained.
        if (!first) await yieldToHost();
        if (mode.kind === "foreground" && Date.now() >= mode.deadline) return;
        const kind = queue.oldestKind();
        if (kind === undefined) return;
        if (mode.kind === "foreground" && (queue.peek(kind) as QueuedEvent).seq > mode.upTo) return;
        const batch = cutBatch(queue, kind, options.batchSize, options.maxBatchBytes, this.#serialize);
        if (!batch) continue; // everything cut was dropped while serializing
        if (!(await this.#track(batch, mode))) pass.stopped = true;
      }
    };
    const running = Promise.all(Array.from({ length: Math.max(1, lanes) }, lane)).then(() => {});
    // Register the whole pass, not only each request: between two requests (gzip, the next
    // cut) no request is open, and an edge runtime would end the invocation there.
    this.#keepAlive(running);
    await running;
  }

  /** Send one batch with its retries; false when it went back to the queue (stop this pass). */
  #track(batch: Batch, mode: DrainMode): Promise<boolean> {
    // Known before the first request starts (#post may run before #deliver first awaits).
    let settled = (): void => {};
    this.#doneOf.set(
      batch,
      new Promise<void>((resolve) => {
        settled = resolve;
      }),
    );
    let result = true;
    const done = this.#deliver(batch, mode).then(
      (delivered) => {
        result = delivered;
      },
      (error: unknown) => {
        // A bug of ours must not lose the batch or reach the host.
        this.#requeue(batch);
        this.#p.reporter.error(new AitherError("network", `internal error while sending: ${String(error)}`, { cause: error }));
        result = false;
      },
    );
    const entry: InFlight = { batch, done };
    this.#inFlight.add(entry);
    this.#inFlightEvents += batch.events.length;
    return done.then(() => {
      settled();
      this.#inFlight.delete(entry);
      this.#inFlightEvents -= batch.events.length;
      for (const resolve of this.#settleWaiters) resolve();
      this.#settleWaiters.clear();
      return result;
    });
  }

  async #deliver(batch: Batch, mode: DrainMode): Promise<boolean> {
    const { options, stats, reporter } = this.#p;
    for (let attempt = 0; ; attempt++) {
      if (this.#stopped) return this.#requeue(batch); // closed: dropped as shutdown_timeout, not sent
      const wait = this.#pausedUntil - Date.now();
      if (wait > 0 && !(await this.#sleep(wait, mode, batch))) return this.#reclaimed.has(batch) ? false : this.#requeue(batch);
      if (mode.kind === "foreground" && Date.now() >= mode.deadline) return this.#requeue(batch);
      const outcome = await this.#post(batch);
      if (outcome.kind === "ok") return true;
      if (this.#stopped && outcome.kind === "retry") return this.#requeue(batch); // aborted or failed after close()
      if (outcome.kind === "drop") {
        this.#releaseCounts(batch); // the body was not accepted: report them with another
        this.#p.drop(batch.events, outcome.reason, httpError(batch, outcome));
        return true;
      }
      if (outcome.kind === "split") {
        this.#releaseCounts(batch); // the halves are new batches, with new ids
        if (batch.events.length === 1) {
          this.#p.drop(batch.events, "too_large", dropError(1, "too_large", describe(batch, outcome)));
          return true;
        }
        const [a, b] = splitBatch(batch);
        reporter.debug(`batch ${batch.id} answered 413: split into ${a.events.length} + ${b.events.length}`);
        // Back to the head of the queue, each under its own id: this pass sends them next, and
        // until then a page being hidden finds them there (not in a call stack it cannot reach).
        this.#requeue(a);
        this.#requeue(b);
        return true;
      }
      if (outcome.afterMs !== undefined) this.#pausedUntil = Math.max(this.#pausedUntil, Date.now() + outcome.afterMs);
      if (outcome.status === undefined && batch.reported) batch.countsMaybeSent = true; // it may have arrived
      if (mode.kind === "background" && attempt >= options.maxRetries) {
        // After close() the batch is dropped instead (see #requeue), which says so itself.
        if (!this.#stopped) reporter.error(retryError(batch, outcome, `failed ${attempt + 1} times; kept in the queue for the next flush`));
        return this.#requeue(batch);
      }
      stats.retries++;
      const delay = Math.max(backoffMs(attempt + 1), this.#pausedUntil - Date.now());
      reporter.debug(`batch ${batch.id} (${batch.events.length} events): ${outcome.message}; retry ${attempt + 1} in ${delay} ms`);
      if (!(await this.#sleep(delay, mode, batch))) {
        if (this.#reclaimed.has(batch)) return false; // a page being hidden took it back
        if (mode.kind === "foreground") reporter.error(retryError(batch, outcome, "still failing when the flush timed out"));
        return this.#requeue(batch);
      }
    }
  }

  /** Hand `work` to the `waitUntil` option. A hook that throws is reported, never retried into a loop. */
  #keepAlive(work: Promise<unknown>): void {
    const { waitUntil } = this.#p.options;
    if (!waitUntil) return;
    try {
      waitUntil(work);
    } catch (error) {
      this.#p.reporter.error(new AitherError("callback", `waitUntil threw: ${messageOf(error)}`, { cause: error }));
    }
  }

  /** Wait; false when the wait was cut short (a foreground flush took over, or the deadline). */
  async #sleep(ms: number, mode: DrainMode, batch: Batch): Promise<boolean> {
    if (mode.kind === "background" && (this.#foreground > 0 || this.#stopped)) return false;
    let wake = (): void => {};
    const woken = new Promise<boolean>((resolve) => {
      wake = () => resolve(false);
    });
    this.#sleeping.set(batch, { wake, background: mode.kind === "background" });
    let slept: boolean;
    if (mode.kind === "background") {
      slept = await Promise.race([this.#p.adapter.sleepUnref(ms).then(() => true), woken]);
      slept &&= this.#foreground === 0 && !this.#stopped;
    } else {
      const left = mode.deadline - Date.now();
      // Foreground waits are ref'd: a caller awaiting flush() must not see the process exit under it.
      let timer: ReturnType<typeof setTimeout> | undefined;
      const timed = new Promise<boolean>((resolve) => {
        timer = setTimeout(() => resolve(ms <= left), Math.max(0, Math.min(ms, left)));
      });
      slept = await Promise.race([timed, woken]);
      clearTimeout(timer);
    }
    this.#sleeping.delete(batch);
    return slept;
  }

  /**
   * Put batches sleeping out a backoff back in the queue now, for a page being hidden: there
   * they are handed off and stored like the rest, instead of waiting in memory the page may lose.
   */
  #reclaimSleeping(): void {
    for (const [batch, { wake }] of this.#sleeping) {
      this.#reclaimed.add(batch);
      this.#mortal.delete(batch);
      this.#requeue(batch);
      wake();
    }
    this.#sleeping.clear();
  }

  /** Give a batch's drop counts back to the ledger, unless an attempt that carried them may have arrived. */
  #releaseCounts(batch: Batch): void {
    if (!batch.countsMaybeSent) this.#p.stats.release(batch.reported);
  }

  /** Abort the requests in flight: their batches fail now (back to the queue, or dropped after close()). */
  abortInFlight(): void {
    for (const controller of this.#controllers) controller.abort();
    this.#controllers.clear();
  }

  /**
   * The client closed: from now on a batch that would go back to the queue (a request still in
   * flight when close() returned, then failed) is dropped as `shutdown_timeout` instead, so it
   * is counted and passed to onDrop rather than left in a queue nobody sends.
   */
  stop(): void {
    this.#stopped = true;
    this.#wake(); // background sleeps end now: their batches are dropped, not retried after close
    // Requests still in flight would hold the process (or the page) past shutdownTimeout.
    this.abortInFlight();
  }

  /** End the background sleeps now (each removes itself from #sleeping when it ends). */
  #wake(): void {
    for (const { wake, background } of this.#sleeping.values()) if (background) wake();
  }

  /** Resolves when the next request in flight settles. */
  #nextSettle(): Promise<void> {
    return new Promise((resolve) => this.#settleWaiters.add(resolve));
  }

  #requeue(batch: Batch): false {
    if (this.#stopped) {
      this.#releaseCounts(batch);
      this.#p.drop(batch.events, "shutdown_timeout", dropError(batch.events.length, "shutdown_timeout", "still unsent when close() ended"));
      return false;
    }
    const retried = { id: batch.id, count: batch.events.length, reported: batch.reported, countsMaybeSent: batch.countsMaybeSent };
    for (const event of batch.events) event.retryOf = retried;
    const dropped = this.#p.queue.restore(batch.events);
    if (dropped) this.#p.drop(dropped, "queue_full", dropError(dropped.length, "queue_full", "the queue filled up while the batch was retried"));
    return false;
  }

  async #post(batch: Batch): Promise<Outcome> {
    const { options, stats, reporter, adapter } = this.#p;
    const json = this.#format.body(batch, new Date().toISOString(), this.#countsFor(batch));
    const headers: Record<string, string> = { ...this.#headers, "Idempotency-Key": batch.id };
    let body: string | Uint8Array = json;
    if (options.compression === "gzip" && adapter.gzip && json.length >= MIN_COMPRESS_BYTES) {
      try {
        body = await adapter.gzip(encoder.encode(json));
        headers["Content-Encoding"] = "gzip";
      } catch {
        body = json; // a failed compressor must not cost the batch
      }
    }
    const release = adapter.keepalive?.(typeof body === "string" ? utf8Bytes(body) : body.byteLength);
    // Closed while this body was being compressed: no new request after close().
    if (this.#stopped) return { kind: "retry", message: "the client closed" };
    // No abort under isolatedFlush: a controller made in one request may not be used by another
    // in workerd (and each invocation's fetches end with it anyway).
    const controller = adapter.isolatedFlush ? undefined : new AbortController();
    if (controller) this.#controllers.add(controller);
    const sending = this.#p.transport({ url: this.#urls[batch.kind], body, headers, keepalive: release !== undefined, signal: controller?.signal });
    if (controller) void sending.finally(() => this.#controllers.delete(controller));
    if (release) void sending.finally(release);
    else if (adapter.keepalive) {
      // Without keepalive this request dies with the page: see inFlightBodies().
      // Until the batch settles, not just this attempt: after a failure it sleeps in memory.
      const settled = this.#doneOf.get(batch) ?? sending;
      this.#mortal.set(batch, settled);
      void settled.finally(() => this.#mortal.delete(batch));
    }
    this.#keepAlive(sending);
    const outcome = await sending;
    reporter.debug(
      `POST ${batch.kind} batch ${batch.id}: ${batch.events.length} events, ${typeof body === "string" ? body.length : body.byteLength} bytes -> ${outcome.kind}${"status" in outcome && outcome.status !== undefined ? ` ${outcome.status}` : ""}`,
    );
    if (outcome.kind === "ok") {
      stats.sent += batch.events.length;
      reporter.recovered();
    }
    return outcome;
  }
}

function describe(batch: Batch, outcome: Outcome & { status: number; message: string }): string {
  return `batch of ${batch.events.length} ${batch.kind}(s) answered ${outcome.status}: ${outcome.message}`;
}

function httpError(batch: Batch, outcome: Outcome & { status: number; message: string }): AitherHttpError {
  const hint = outcome.status === 401 || outcome.status === 403 ? UNAUTHORIZED_HINT : "";
  return new AitherHttpError(outcome.status, batch.events.length, outcome.message, `${describe(batch, outcome)}${hint}`);
}

function retryError(batch: Batch, outcome: Extract<Outcome, { kind: "retry" }>, what: string): AitherError {
  const message = `batch of ${batch.events.length} ${batch.kind}(s) ${what} (last: ${outcome.status ?? ""}${outcome.status ? " " : ""}${outcome.message})`;
  if (outcome.status !== undefined) return new AitherHttpError(outcome.status, batch.events.length, outcome.message, message);
  return outcome.timeout ? new AitherTimeoutError(message) : new AitherNetworkError(message);
}

function yieldToHost(): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, 0));
}

/** Wait for `promise` until `deadline`; false when the deadline came first. */
async function raceDeadline(promise: Promise<unknown>, deadline: number): Promise<boolean> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const expired = new Promise<boolean>((resolve) => (timer = setTimeout(resolve, Math.max(0, deadline - Date.now()), false)));
  const settled = await Promise.race([
    promise.then(
      () => true,
      () => true,
    ),
    expired,
  ]);
  clearTimeout(timer);
  return settled;
}
