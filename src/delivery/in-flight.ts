import type { Batch } from "../batch.ts";

/**
 * The batches being delivered now (in a request, or sleeping out a backoff between two), so
 * flush() can count what is pending and wait for requests it did not start.
 */
export class InFlight {
  readonly #batches = new Set<Batch>();
  #events = 0;
  // Waiters for the next batch to settle.
  readonly #waiters = new Set<() => void>();

  /** Events in batches being delivered. */
  get events(): number {
    return this.#events;
  }

  /**
   * Track a batch while `deliver` runs. `deliver` gets a promise that resolves when the batch is
   * settled, known before its first request starts. Resolves to what `deliver` resolved to;
   * `onFailure` handles a rejection (a bug of ours must not lose the batch or reach the host).
   */
  track(batch: Batch, deliver: (settled: Promise<void>) => Promise<boolean>, onFailure: (error: unknown) => boolean): Promise<boolean> {
    let markSettled = (): void => {};
    const settled = new Promise<void>((resolve) => {
      markSettled = resolve;
    });
    this.#batches.add(batch);
    this.#events += batch.events.length;
    return deliver(settled)
      .catch(onFailure)
      .then((result) => {
        markSettled();
        this.#batches.delete(batch);
        this.#events -= batch.events.length;
        for (const resolve of this.#waiters) resolve();
        this.#waiters.clear();
        return result;
      });
  }

  /** Events being delivered with `seq <= upTo`. */
  countUpTo(upTo: number): number {
    let n = 0;
    for (const batch of this.#batches) for (const e of batch.events) if (e.seq <= upTo) n++;
    return n;
  }

  /** Resolves when the next batch settles. */
  nextSettle(): Promise<void> {
    return new Promise((resolve) => this.#waiters.add(resolve));
  }
}
