import { type Batch, splitBatch } from "../batch.ts";
import { type AitherError, AitherHttpError, AitherNetworkError, AitherTimeoutError, UNAUTHORIZED_HINT } from "../errors.ts";
import type { Outcome } from "../outcome.ts";
import { backoffMs } from "../retry.ts";
import { type DeliveryParts, type DrainMode, type Gate, releaseCounts, requeue } from "./parts.ts";
import type { Requests } from "./request.ts";
import type { Sleeps } from "./sleeps.ts";

/** What one batch's attempt loop works with. */
export interface AttemptParts {
  readonly parts: DeliveryParts;
  readonly gate: Gate;
  readonly sleeps: Sleeps;
  readonly requests: Requests;
}

/**
 * The retry policy of one batch: post it, act on the outcome, and try again until it is
 * delivered, dropped, or given back to the queue. Resolves true unless the batch went back to
 * the queue (then the caller's pass stops: the endpoint is failing).
 *
 * - 2xx: delivered. 401/403 `unauthorized`, other 4xx and 3xx `rejected`: dropped, reported.
 * - 413: split in two, each half back to the head of the queue under its own batch_id; a
 *   single event answered 413 is dropped (`too_large`).
 * - Retryable (network errors, timeouts, 408, 429, 5xx listed): backoff from 500 ms, factor 2,
 *   cap 30 s, full jitter; `Retry-After` on 429/503 pauses all sending until then. In the
 *   background a batch still failing after `maxRetries` goes back to the head of the queue for
 *   the next flush; inside flush()/close() it is retried until their deadline.
 */
export async function deliverBatch(batch: Batch, mode: DrainMode, a: AttemptParts, settled: Promise<unknown> | undefined): Promise<boolean> {
  const { parts, gate, sleeps, requests } = a;
  const { options, stats, reporter, ledger } = parts;
  for (let attempt = 0; ; attempt++) {
    if (gate.stopped) return requeue(parts, gate, batch); // closed: dropped as shutdown_timeout, not sent
    const wait = gate.pausedUntil - Date.now();
    if (wait > 0 && !(await sleeps.sleep(wait, mode, batch))) return sleeps.wasReclaimed(batch) ? false : requeue(parts, gate, batch);
    if (mode.kind === "foreground" && Date.now() >= mode.deadline) return requeue(parts, gate, batch);
    const outcome = await requests.post(batch, settled);
    if (outcome.kind === "ok") return true;
    if (gate.stopped && outcome.kind === "retry") return requeue(parts, gate, batch); // aborted or failed after close()
    if (outcome.kind === "drop") {
      releaseCounts(parts, batch); // the body was not accepted: report them with another
      ledger.drop(batch.events, outcome.reason, httpError(batch, outcome));
      return true;
    }
    if (outcome.kind === "split") {
      releaseCounts(parts, batch); // the halves are new batches, with new ids
      if (batch.events.length === 1) {
        ledger.drop(batch.events, "too_large", describe(batch, outcome));
        return true;
      }
      const [first, second] = splitBatch(batch);
      reporter.debug(`batch ${batch.id} answered 413: split into ${first.events.length} + ${second.events.length}`);
      // Back to the head of the queue, each under its own id: the pass sends them next, and
      // until then a page being hidden finds them there (not in a call stack it cannot reach).
      requeue(parts, gate, first);
      requeue(parts, gate, second);
      return true;
    }
    if (outcome.afterMs !== undefined) gate.pausedUntil = Math.max(gate.pausedUntil, Date.now() + outcome.afterMs);
    if (outcome.status === undefined && batch.reported) batch.countsMaybeSent = true; // it may have arrived
    if (mode.kind === "background" && attempt >= options.maxRetries) {
      // After close() the batch is dropped instead (see requeue), which says so itself.
      if (!gate.stopped) reporter.error(retryError(batch, outcome, `failed ${attempt + 1} times; kept in the queue for the next flush`));
      return requeue(parts, gate, batch);
    }
    stats.retries++;
    const delay = Math.max(backoffMs(attempt + 1), gate.pausedUntil - Date.now());
    reporter.debug(`batch ${batch.id} (${batch.events.length} events): ${outcome.message}; retry ${attempt + 1} in ${delay} ms`);
    if (!(await sleeps.sleep(delay, mode, batch))) {
      if (sleeps.wasReclaimed(batch)) return false; // a page being hidden took it back
      if (mode.kind === "foreground") reporter.error(retryError(batch, outcome, "still failing when the flush timed out"));
      return requeue(parts, gate, batch);
    }
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
