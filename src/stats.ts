import type { AitherStats, DropCounts, DropReason } from "./types.ts";

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

  /**
   * Take the unreported drop counts for a body (undefined when there are none). They are
   * out of the ledger while that body is in flight, so concurrent bodies never report the
   * same loss twice; {@link release} puts them back if the body is not accepted.
   */
  claimUnreported(): DropCounts | undefined {
    if (!this.#hasUnreported) return undefined;
    const claimed = this.#unreported;
    this.#unreported = {};
    this.#hasUnreported = false;
    return claimed;
  }

  /** The body that carried `claimed` was not accepted: report those drops with a later one. */
  release(claimed: DropCounts | undefined): void {
    if (!claimed) return;
    for (const [reason, n] of Object.entries(claimed) as [DropReason, number][]) {
      this.#unreported[reason] = (this.#unreported[reason] ?? 0) + n;
    }
    this.#hasUnreported = true;
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
