/** Why an event was dropped; spelled as on the wire (`dropped` in each batch body). */
export type DropReason = "queue_full" | "too_large" | "rejected" | "unauthorized" | "filtered" | "closed" | "shutdown_timeout";

/** Counts of dropped events by reason. */
export type DropCounts = Partial<Record<DropReason, number>>;

/** A prediction as sent on the wire (aither JSON v1). Optional fields are left out. */
export interface WirePrediction {
  id: string;
  model_id: string;
  prediction: unknown;
  features?: unknown;
  metadata?: Record<string, unknown>;
  model_version?: string;
  environment?: string;
  latency_ms?: number;
  timestamp: string;
}

/** A label (ground truth) as sent on the wire. */
export interface WireLabel {
  id: string;
  prediction_id: string;
  label: unknown;
  metadata?: Record<string, unknown>;
  timestamp: string;
}

/** Either kind of wire event; `beforeSend` receives and returns these. */
export type WireEvent = WirePrediction | WireLabel;

/** What `flush()` resolves to. It never rejects. */
export interface FlushResult {
  /** True when every event queued before the call was delivered (nothing pending, nothing dropped). */
  ok: boolean;
  /** Events delivered while this flush ran. */
  sent: number;
  /** Events dropped while this flush ran. */
  dropped: number;
  /** Events queued before the call that are still not delivered (timeout reached). */
  pending: number;
}

/** Counters returned by `stats()`. */
export interface AitherStats {
  /** Events waiting in the queue. */
  queued: number;
  /** Events in requests that have not been answered yet. */
  inFlight: number;
  /** Events the server accepted. */
  sent: number;
  /** Events dropped, all reasons. */
  dropped: number;
  /** Requests retried after a retryable failure. */
  retries: number;
  /** Predictions left out by `sampleRate`. */
  sampled: number;
  /** Events whose `features`/`metadata` were replaced by the truncation marker. */
  truncated: number;
  /** `dropped` split by reason. */
  droppedByReason: DropCounts;
}
