import { readEnv } from "./env.ts";
import { AitherError, invalid, messageOf } from "./errors.ts";
import { createLabel, createPrediction, type LabelInput, type PredictionInput, type QueuedEvent, validateLabel, validatePrediction } from "./events.ts";
import { createId } from "./id.ts";
import { normalize } from "./normalize.ts";
import { type AitherOptions, type ResolvedOptions, resolveOptions } from "./options.ts";
import { EventQueue } from "./queue.ts";
import { createReporter, dropError, type Reporter } from "./report.ts";
import type { AdapterHost, RuntimeAdapter } from "./runtime.ts";
import { Sender } from "./sender.ts";
import { Stats } from "./stats.ts";
import type { TensorLimits } from "./tensor.ts";
import type { AitherStats, DropReason, FlushResult } from "./types.ts";
import type { WrapHost } from "./wrap.ts";

/** Options of a single `flush()` call. */
export interface FlushOptions {
  /** Give up after this many ms (events stay queued; `pending` says how many). @default the client's shutdownTimeout */
  timeoutMs?: number;
}

/** The view of a client that `wrap()` logs through (internal: not re-exported by the entries); set by the class's static block. */
export let wrapHostOf: (client: AitherClient) => WrapHost;

// Set only while createDisabledClient() constructs: why the client is disabled.
let disabledBecause: string | undefined;

/**
 * A disabled client (calls check their input and return ids; nothing is queued or sent) that
 * says `warning` once: what configuration the code did not pass (environment variables, a
 * Worker's env) leaves when it is bad. The environment is not read again. Internal.
 */
export function createDisabledClient(adapter: RuntimeAdapter, warning: string): AitherClient {
  disabledBecause = warning;
  try {
    return new AitherClient(undefined, adapter);
  } finally {
    disabledBecause = undefined;
  }
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
  readonly #adapter: RuntimeAdapter;
  readonly #queue: EventQueue;
  readonly #stats = new Stats();
  readonly #reporter: Reporter;
  readonly #sender: Sender;
  readonly #disabled: boolean;
  #seq = 0;
  #closed = false;
  #closing: Promise<FlushResult> | undefined;
  #warnedClosed = false;
  #stopTimer: (() => void) | undefined;
  #detach: (() => void) | undefined;
  #wrapHost: WrapHost | undefined;
  readonly #tensorLimits: TensorLimits;

  /**
   * @param options See {@link AitherOptions}; every option is optional.
   * @param adapter The runtime adapter; each entry's `AitherClient` passes its own.
   * @throws {AitherValidationError} naming the first bad option.
   */
  constructor(options: AitherOptions | undefined, adapter: RuntimeAdapter) {
    const disabledWarning = disabledBecause;
    this.#options = resolveOptions(options, disabledWarning === undefined ? readEnv() : {});
    this.#adapter = adapter;
    if (this.#options.protocol === "otlp" && !adapter.otlp) {
      invalid("protocol", `"otlp" is not available in the ${adapter.name} entry: its unload path can only send the aither protocol`);
    }
    const o = this.#options;
    this.#tensorLimits = { rows: o.tensorSampleRows, columns: o.tensorSampleColumns };
    this.#queue = new EventQueue(o.maxQueueSize, o.maxQueueBytes);
    this.#reporter = createReporter({ onError: o.onError, onDrop: o.onDrop, debug: o.debug });
    this.#sender = new Sender({
      options: o,
      queue: this.#queue,
      stats: this.#stats,
      reporter: this.#reporter,
      transport: adapter.transport({ fetch: o.fetch, timeoutMs: o.timeout }),
      adapter: this.#adapter,
      drop: (events, reason, error) => this.#drop(events, reason, error),
    });
    this.#disabled = disabledWarning !== undefined || (o.apiKey === undefined && o.defaultEndpoint);
    if (this.#disabled) {
      this.#reporter.warn(disabledWarning ?? "no API key: set AITHER_API_KEY or pass apiKey (or an endpoint such as a local collector); events are not sent");
      return;
    }
    if (o.enableBackground) {
      this.#stopTimer = this.#adapter.startTimer(() => this.#tick(), o.flushInterval);
    }
    this.#detach = this.#adapter.attach(this.#host());
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
    const id = input.id ?? createId();
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
    const dropped = this.#stats.dropped;
    let pending = 0;
    try {
      pending = await this.#sender.flushUpTo(this.#seq, Date.now() + timeoutMs);
    } catch (error) {
      this.#reporter.error(asAitherError(error));
      pending = this.#sender.pendingUpTo(this.#seq);
    }
    const result = { sent: this.#stats.sent - sent, dropped: this.#stats.dropped - dropped, pending };
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
    this.#sender.stop();
    const left = this.#queue.clear();
    if (left.length > 0) this.#drop(left, "shutdown_timeout", dropError(left.length, "shutdown_timeout", "still queued when close() timed out"));
    // What was still queued is dropped now: no longer pending.
    return { ok: result.ok && left.length === 0, sent: result.sent, dropped: result.dropped + left.length, pending: result.pending - left.length };
  }

  /** Counters: queued, in flight, sent, dropped (total and by reason), retries, sampled, truncated. */
  stats(): AitherStats {
    return this.#stats.snapshot(this.#queue.length, this.#sender.inFlight);
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
      this.#drop([event], "closed", undefined); // warned once above, not once per event
      return false;
    }
    // A huge event (a 6 MB image in features) is cut to its markers now, not held whole in the
    // queue, where its estimate alone could push out everything queued before it.
    if (event.bytes > this.#options.maxEventBytes && !this.#sender.prepare(event)) return false;
    const dropped = this.#queue.push(event);
    if (dropped)
      this.#drop(
        dropped,
        "queue_full",
        dropError(
          dropped.length,
          "queue_full",
          `the queue is full (maxQueueSize ${this.#options.maxQueueSize}, maxQueueBytes ${this.#options.maxQueueBytes}); the oldest events were dropped`,
        ),
      );
    if (!this.#options.enableBackground) {
      // The pass cuts its batch synchronously, before its first await: one request per call.
      this.#sender.immediate().catch((error: unknown) => this.#reporter.error(asAitherError(error)));
    }
    return true;
  }

  #tick(): void {
    this.#sender.background().catch((error: unknown) => this.#reporter.error(asAitherError(error)));
  }

  /** Count dropped events, hand them to onDrop, and report `error` (undefined: the user was told already). */
  #drop(events: readonly QueuedEvent[], reason: DropReason, error: AitherError | undefined): void {
    if (events.length === 0) return;
    for (const e of events) {
      // Drop counts that a batch given back to the queue carried: they cannot go with its id any more.
      if (e.retryOf?.reported) {
        if (!e.retryOf.countsMaybeSent) this.#stats.release(e.retryOf.reported);
        e.retryOf.reported = undefined;
      }
    }
    this.#stats.drop(reason, events.length);
    this.#reporter.drop(
      events.map((e) => e.wire),
      reason,
    );
    if (error) this.#reporter.error(error);
  }

  static {
    wrapHostOf = (client) => {
      client.#wrapHost ??= {
        log(input) {
          const time = validatePrediction(input);
          const id = input.id ?? createId();
          return client.#queuePrediction(input, id, time) ? id : undefined;
        },
        capture: (value) => (value === undefined ? undefined : normalize(value, client.#tensorLimits)),
        report: (error) => client.#reporter.error(error),
        sampled: () => {
          client.#stats.sampled++;
        },
      };
      return client.#wrapHost;
    };
  }

  #host(): AdapterHost {
    const client = this;
    return {
      flush: (options) => client.flush(options),
      report: (error) => client.#reporter.error(error),
      warn: (message) => client.#reporter.warn(message),
      takeBodies: (maxBytes) => client.#sender.takeBodies(maxBytes),
      restore: (bodies) => client.#sender.restoreBodies(bodies),
      confirm: (bodies) => client.#sender.confirmBodies(bodies),
      drop: (bodies, reason, error) => client.#sender.dropBodies(bodies, reason, error),
      inFlightBodies: () => client.#sender.inFlightBodies(),
      abortInFlight: () => client.#sender.abortInFlight(),
      get pending() {
        return client.#queue.length + client.#sender.inFlight;
      },
      get shutdownTimeout() {
        return client.#options.shutdownTimeout;
      },
    };
  }
}

function asAitherError(error: unknown): AitherError {
  if (error instanceof AitherError) return error;
  return new AitherError("network", `internal error: ${messageOf(error)}`, { cause: error });
}
