import type { AitherStats, DropCounts, DropReason } from "./types.js";

/** The counters behind `stats()`, plus the drop counts not yet reported to the server. */
export class Stats {
  sent = 0;
  retries = 0;
  sampled = 0;
  truncated = 0;
  dropped = 0;
  readonly droppedByReason: DropCounts = {};
  /** Drops since the last accepted batch: sent as `dropped` in the next body. */
  #unreported: DropCounts = {};
  #hasUnreported = false;

  drop(reason: DropReason, count: number): void {
    if (count <= 0) return;
    this.dropped += count;
    this.droppedByReason[reason] = (this.droppedByReason[reason] ?? 0) + count;
    this.#unreported[reason] = (this.#unreported[reason] ?? 0) + count;
    this.#hasUnreported = true;
  }

  /** A snapshot of the unreported drop counts for a body, or undefined when there are none. */
  unreported(): DropCounts | undefined {
    return this.#hasUnreported ? { ...this.#unreported } : undefined;
  }

  /** The server accepted a body that carried `reported`: those drops are known now. */
  acknowledge(reported: DropCounts | undefined): void {
    if (!reported) return;
    let left = false;
    for (const [reason, n] of Object.entries(reported) as [DropReason, number][]) {
      const rest = (this.#unreported[reason] ?? 0) - n;
      if (rest > 0) {
        this.#unreported[reason] = rest;
        left = true;
      } else delete this.#unreported[reason];
    }
    this.#hasUnreported = left || Object.keys(this.#unreported).length > 0;
  }

  snapshot(queued: number, inFlight: number): AitherStats {
    return {
      queued,
      inFlight,
      sent: this.sent,
      dropped: this.dropped,
      retries: this.retries,
      sampled: this.sampled,
      truncated: this.truncated,
      droppedByReason: { ...this.droppedByReason },
    };
  }
}
