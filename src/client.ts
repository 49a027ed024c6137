import { Delivery } from "./delivery/index.ts";
import { DropLedger } from "./delivery/drop-ledger.ts";
import { readEnv } from "./env.ts";
import { AitherError, invalid, messageOf } from "./errors.ts";
import { createLabel, createPrediction, type LabelInput, type PredictionInput, type QueuedEvent, validateLabel, validatePrediction } from "./events.ts";
import { createId } from "./id.ts";
import { normalize } from "./normalize.ts";
import { type AitherOptions, type ResolvedOptions, resolveOptions } from "./options.ts";
import { EventQueue } from "./queue.ts";
import { createReporter, type Reporter } from "./report.ts";
import type { RuntimeAdapter } from "./runtime.ts";
import { Stats } from "./stats.ts";
import type { TensorLimits } from "./tensor.ts";
import type { AitherStats, FlushResult } from "./types.ts";
import type { WrapHost } from "./wrap-host.ts";

/** Staged events serialized per turn of the event loop (about 2 ms of work). */
const SETTLE_SLICE = 1000;

/** Options of a single `flush()` call. */
export interface FlushOptions {
  /** Give up after this many ms (events stay queued; `pending` says how many). @default the client's shutdownTimeout */
  timeoutMs?: number;
}

// The view of each client that `wrap()` logs through, made by its constructor.
const wrapHosts = new WeakMap<AitherClient, WrapHost>();

/** The view of a client that `wrap()` logs through (internal: not re-exported by the entries). */
export function wrapHostOf(client: AitherClient): WrapHost {
  return wrapHosts.get(client) as WrapHost;
}

/**
 * A disabled client (calls check their input and return ids; nothing is queued or sent) that
 * says `warning` once: what configuration the code did not pass (environment variables, a
 * Worker's env) leaves when it is bad. The environment is not read again. Internal.
 */
export function createDisabledClient(adapter: RuntimeAdapter, warning: string): AitherClient {
  return new AitherClient(undefined, adapter, warning);
}

/**
 * A client: queues predictions and labels, sends them in batches in the background, retries
 * what fails. Create one per process (or use the module-level functions).
 * @example
 * const client = new AitherClient({ apiKey: "ak_...", flushInterval: 1000 });
 * client.logPrediction({ modelId: "churn-v2", prediction: 0.73 });
 * await client.close();
 */
export class AitherClient {
  readonly #options: ResolvedOptions;
  readonly #queue: EventQueue;
  readonly #stats = new Stats();
  readonly #ledger: DropLedger;
  readonly #reporter: Reporter;
  readonly #delivery: Delivery;
  readonly #disabled: boolean;
  readonly #tensorLimits: TensorLimits;
  #seq = 0;
  #closed = false;
  #closing: Promise<FlushResult> | undefined;
  #warnedClosed = false;
  #stopTimer: (() => void) | undefined;
  #detach: (() => void) | undefined;

  /**
   * @param options See {@link AitherOptions}; every option is optional.
   * @param adapter The runtime adapter; each entry's `AitherClient` passes its own.
   * @param disabledWarning Internal: make a disabled client that prints this once (bad
   *   configuration from the environment); the environment is then not read.
   * @throws {AitherValidationError} naming the first bad option.
   */
  constructor(options: AitherOptions | undefined, adapter: RuntimeAdapter, disabledWarning?: string) {
    this.#options = resolveOptions(options, disabledWarning === undefined ? readEnv() : {});
    const o = this.#options;
    if (o.protocol === "otlp" && !adapter.otlp) {
      invalid("protocol", `"otlp" is not available in the ${adapter.name} entry: its unload path can only send the aither protocol`);
    }
    this.#tensorLimits = { rows: o.tensorSampleRows, columns: o.tensorSampleColumns };
    this.#reporter = createReporter({ onError: o.onError, debug: o.debug });
    this.#ledger = new DropLedger({
      reporter: this.#reporter,
      onDrop: o.onDrop,
      windowMs: o.flushInterval,
      wireOf: (event) => this.#delivery.wireOf(event),
      later: (ms, fn) => void adapter.sleepUnref(ms).then(fn),
    });
    const queueFull = `the queue is full (maxQueueSize ${o.maxQueueSize}, maxQueueBytes ${o.maxQueueBytes}); the oldest events were dropped`;
    this.#queue = new EventQueue(o.maxQueueSize, o.maxQueueBytes, {
      prepare: (event) => this.#delivery.prepare(event),
      evict: (event) => this.#ledger.dropOne(event, "queue_full", queueFull),
    });
    this.#delivery = new Delivery({
      options: o,
      queue: this.#queue,
      stats: this.#stats,
      ledger: this.#ledger,
      reporter: this.#reporter,
      transport: adapter.transport({ fetch: o.fetch, timeoutMs: o.timeout }),
      runtime: adapter,
    });
    wrapHosts.set(this, this.#makeWrapHost());
    this.#disabled = disabledWarning !== undefined || (o.apiKey === undefined && o.defaultEndpoint);
    if (this.#disabled) {
      this.#reporter.warn(disabledWarning ?? "no API key: set AITHER_API_KEY or pass apiKey (or an endpoint such as a local collector); events are not sent");
      return;
    }
    if (o.enableBackground) this.#stopTimer = adapter.startTimer(() => this.#tick(), o.flushInterval);
    this.#detach = adapter.attach(this.#delivery.adapterHost((flushOptions) => this.flush(flushOptions)));
  }

  /**
   * Queue a prediction and return its id at once; never waits on the network.
   * The input is copied now, so later changes to `features` are not sent.
   * @throws {AitherValidationError} if `modelId` is missing, empty or not a string, `prediction`
   * is undefined, `metadata` is not a plain object, `timestamp` is not a valid date, or `id` is not a string.
   * @example
   * const id = client.logPrediction({ modelId: "churn-v2", prediction: 0.73, features: { tenure: 24 } });
   */
  logPrediction(input: PredictionInput): string {
    // Every misuse throws here, also for a call that sampling or a disabled client then skips.
    const time = validatePrediction(input);
    const id = idOf(input, time);
    this.#queuePrediction(input, id, time);
    return id;
  }

  /** Queue a validated prediction; false when it was not queued (disabled, sampled out, closed). */
  #queuePrediction(input: PredictionInput, id: string, time: number): boolean {
    if (this.#disabled) return false;
    const o = this.#options;
    if (o.sampleRate < 1 && Math.random() >= o.sampleRate) {
      this.#stats.sampled++;
      return false;
    }
    return this.#enqueue(createPrediction(input, id, ++this.#seq, o.environment, this.#tensorLimits, time));
  }

  /**
   * Queue ground truth for an earlier prediction; returns the label event's id.
   * @throws {AitherValidationError} if `predictionId` is missing or empty, `label` is undefined,
   * `metadata` is not a plain object, or `timestamp` is not a valid date.
   */
  logLabel(input: LabelInput): string {
    const time = validateLabel(input);
    const id = input.id ?? createId();
    if (this.#disabled) return id;
    this.#enqueue(createLabel(input, id, ++this.#seq, this.#tensorLimits, time));
    return id;
  }

  /**
   * Send everything queued before the call. Resolves (never rejects) when it is delivered or
   * dropped, or when `timeoutMs` passes; requests already in flight are waited for up to then.
   * @throws {AitherValidationError} at the call, for a `timeoutMs` that is not a number >= 0.
   */
  flush(options?: FlushOptions): Promise<FlushResult> {
    return this.#flush(this.#timeoutOf(options));
  }

  /** The flush timeout of a call; misuse throws here, synchronously, not as a rejection. */
  #timeoutOf(options: FlushOptions | undefined): number {
    const timeoutMs = options?.timeoutMs ?? this.#options.shutdownTimeout;
    if (!(timeoutMs >= 0)) invalid("timeoutMs", `must be a non-negative number of milliseconds, got ${String(timeoutMs)}`);
    return timeoutMs;
  }

  async #flush(timeoutMs: number): Promise<FlushResult> {
    const sent = this.#stats.sent;
    const dropped = this.#ledger.dropped;
    let pending = 0;
    try {
      pending = await this.#delivery.flushUpTo(this.#seq, Date.now() + timeoutMs);
    } catch (error) {
      this.#reporter.error(asAitherError(error));
      pending = this.#delivery.drain.pendingUpTo(this.#seq);
    }
    this.#ledger.reportAll();
    const result = { sent: this.#stats.sent - sent, dropped: this.#ledger.dropped - dropped, pending };
    return { ok: pending === 0 && result.dropped === 0, ...result };
  }

  /**
   * Flush (up to `shutdownTimeout`), then stop the timer and lifecycle hooks. Events still
   * queued after that are dropped (`shutdown_timeout`) and passed to `onDrop`, and so are the
   * events of a request still in flight then, if it fails. Later calls
   * return the same promise; logging afterwards drops with reason `closed`.
   */
  close(options?: FlushOptions): Promise<FlushResult> {
    this.#closing ??= this.#close(this.#timeoutOf(options));
    return this.#closing;
  }

  async #close(timeoutMs: number): Promise<FlushResult> {
    this.#closed = true;
    this.#stopTimer?.();
    this.#detach?.();
    const result = await this.#flush(timeoutMs);
    this.#delivery.stop();
    const left = this.#queue.clear();
    if (left.length > 0) this.#ledger.drop(left, "shutdown_timeout", "still queued when close() timed out");
    this.#ledger.reportAll();
    // What was still queued is dropped now: no longer pending.
    return { ok: result.ok && left.length === 0, sent: result.sent, dropped: result.dropped + left.length, pending: result.pending - left.length };
  }

  /** Counters: queued, in flight, sent, dropped (total and by reason), retries, sampled, truncated. */
  stats(): AitherStats {
    this.#queue.settle(); // what sync logging staged counts as queued (or dropped) by now
    return this.#stats.snapshot(this.#queue.length, this.#delivery.inFlight.events, this.#ledger);
  }

  /** True once `close()` was called. */
  get closed(): boolean {
    return this.#closed;
  }

  /** Queue an event; false when the client is closed (the event is dropped as `closed`). */
  #enqueue(event: QueuedEvent): boolean {
    if (this.#closed) {
      if (!this.#warnedClosed) {
        this.#warnedClosed = true;
        this.#reporter.warn("logged after close(): the event is dropped (closed)");
      }
      this.#ledger.dropOne(event, "closed", undefined); // warned once above, not once per event
      return false;
    }
    if (!this.#options.enableBackground) {
      // One request per call, started now: its pass cuts the batch before its first await, and
      // registers with waitUntil while the caller's handler still runs.
      this.#queue.stage(event);
      this.#delivery.drain.immediate().catch((error: unknown) => this.#reporter.error(asAitherError(error)));
      return true;
    }
    // Staged in O(1); serialized in a microtask after the caller's synchronous work (a burst of
    // logs is serialized together), then full batches go out at once.
    if (this.#queue.stage(event)) queueMicrotask(this.#afterLogs);
    return true;
  }

  // Serialized in slices, with a turn of the event loop between them: a synchronous burst of
  // 100,000 logs must not become one long microtask. Readers of the queue settle what they need.
  readonly #afterLogs = (): void => {
    const more = this.#queue.settle(SETTLE_SLICE);
    this.#delivery.drain.kick();
    if (more) setTimeout(this.#afterLogs, 0);
  };

  #tick(): void {
    this.#delivery.drain.tick(this.#seq);
  }

  #makeWrapHost(): WrapHost {
    return {
      log: (input) => {
        const time = validatePrediction(input);
        const id = idOf(input, time);
        return this.#queuePrediction(input, id, time) ? id : undefined;
      },
      capture: (value) => (value === undefined ? undefined : normalize(value, this.#tensorLimits)),
      report: (error) => this.#reporter.error(error),
      sampled: () => {
        this.#stats.sampled++;
      },
    };
  }
}

/** A prediction's id: the caller's, else a new one. Without a timestamp `time` is now, and the id takes it rather than reading the clock again. */
function idOf(input: PredictionInput, time: number): string {
  return input.id ?? createId(input.timestamp === undefined ? time : undefined);
}

function asAitherError(error: unknown): AitherError {
  if (error instanceof AitherError) return error;
  return new AitherError("network", `internal error: ${messageOf(error)}`, { cause: error });
}
