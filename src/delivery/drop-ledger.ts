import type { AitherError } from "../errors.ts";
import type { QueuedEvent } from "../events.ts";
import { dropError, type Reporter } from "../report.ts";
import type { DropCounts, DropReason, WireEvent } from "../types.ts";

/** Most dropped events one onDrop call carries; its `count` argument has the total. */
export const MAX_DROP_EVENTS = 1000;

/**
 * Why an event was dropped, for onError: a ready error (an HTTP answer), a detail to build one
 * from when the report goes out, or undefined when there is nothing to report (the user's own
 * beforeSend, or a warning already printed).
 */
export type DropProblem = AitherError | string | undefined;

/** What the ledger needs from its client. */
export interface LedgerParts {
  reporter: Reporter;
  onDrop: ((events: WireEvent[], reason: DropReason, count: number) => void) | undefined;
  /** The shortest time between two reports of one reason (the flush interval). */
  windowMs: number;
  /** The wire form of a queued event (its serialized text is parsed back when the object was let go). */
  wireOf(event: QueuedEvent): WireEvent;
  /** Run `fn` once after `ms`, without keeping the host alive: the end of a held report's window. */
  later(ms: number, fn: () => void): void;
  now?: () => number;
}

/** Drops of one reason since its last report. */
interface Held {
  count: number;
  events: WireEvent[];
  problem: DropProblem;
  problems: number;
}

/**
 * The only owner of drop counts: the totals behind `stats()`, the counts each batch body
 * carries to the server as `dropped`, and the reports to onDrop and onError. Dropping costs a
 * counter and, with an onDrop, a reference: reports go out in aggregate, at most once per
 * reason per flush interval (and at every flush and close), never once per event.
 */
export class DropLedger {
  /** Events dropped, all reasons. */
  dropped = 0;
  readonly #byReason: DropCounts = {};
  // Drops since the last accepted batch: the next body carries them as `dropped`.
  #unreported: DropCounts = {};
  #hasUnreported = false;
  readonly #held = new Map<DropReason, Held>();
  readonly #lastReport = new Map<DropReason, number>();
  // A report of held drops is scheduled for the end of the current window.
  #scheduled = false;
  readonly #p: LedgerParts;
  readonly #now: () => number;

  constructor(parts: LedgerParts) {
    this.#p = parts;
    this.#now = parts.now ?? Date.now;
  }

  /** `dropped` split by reason (a copy). */
  byReason(): DropCounts {
    return { ...this.#byReason };
  }

  /** Drop one event: the hot path of a full queue, so no array and no error object. */
  dropOne(event: QueuedEvent, reason: DropReason, problem: DropProblem): void {
    this.#count(event, reason);
    const held = this.#hold(reason, 1, problem);
    if (this.#p.onDrop && held.events.length < MAX_DROP_EVENTS) held.events.push(this.#p.wireOf(event));
    this.#reportIfDue(reason);
  }

  /** Drop events for one reason (a rejected batch, what close() left). */
  drop(events: readonly QueuedEvent[], reason: DropReason, problem: DropProblem): void {
    if (events.length === 0) return;
    for (const event of events) this.#count(event, reason);
    const held = this.#hold(reason, events.length, problem);
    if (this.#p.onDrop) for (const event of events) if (held.events.length < MAX_DROP_EVENTS) held.events.push(this.#p.wireOf(event));
    this.#reportIfDue(reason);
  }

  #count(event: QueuedEvent, reason: DropReason): void {
    this.dropped++;
    this.#byReason[reason] = (this.#byReason[reason] ?? 0) + 1;
    this.#unreported[reason] = (this.#unreported[reason] ?? 0) + 1;
    this.#hasUnreported = true;
    // Counts that a batch given back to the queue carried cannot go with its id any more.
    const retried = event.retryOf;
    if (retried?.reported) {
      if (!retried.countsMaybeSent) this.release(retried.reported);
      retried.reported = undefined;
    }
  }

  #hold(reason: DropReason, count: number, problem: DropProblem): Held {
    let held = this.#held.get(reason);
    if (!held) {
      held = { count: 0, events: [], problem: undefined, problems: 0 };
      this.#held.set(reason, held);
    }
    held.count += count;
    if (problem !== undefined) {
      held.problem ??= problem;
      held.problems++;
    }
    return held;
  }

  // The first drop of a reason in a window is reported at once; the rest wait for the window's
  // end, when one timer reports every reason that is due.
  #reportIfDue(reason: DropReason): void {
    const last = this.#lastReport.get(reason);
    const wait = last === undefined ? 0 : last + this.#p.windowMs - this.#now();
    if (wait <= 0) this.#report(reason);
    else if (!this.#scheduled) {
      this.#scheduled = true;
      this.#p.later(wait, () => {
        this.#scheduled = false;
        for (const held of [...this.#held.keys()]) this.#reportIfDue(held);
      });
    }
  }

  /** Report everything held now (at the end of flush() and close()). */
  reportAll(): void {
    for (const reason of [...this.#held.keys()]) this.#report(reason);
  }

  #report(reason: DropReason): void {
    const held = this.#held.get(reason);
    if (!held) return;
    this.#held.delete(reason);
    this.#lastReport.set(reason, this.#now());
    const { reporter, onDrop } = this.#p;
    reporter.debug(`dropped ${held.count} event(s) (${reason})`);
    if (onDrop) reporter.guard(() => onDrop(held.events, reason, held.count));
    const error = errorOf(held, reason);
    if (error) reporter.error(error);
  }

  /**
   * Take the unreported drop counts for a body (undefined when there are none). They are out
   * of the ledger while that body is in flight, so concurrent bodies never report the same
   * loss twice; {@link release} puts them back if the body is not accepted.
   */
  claim(): DropCounts | undefined {
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
}

/** The one error of a report: the problem itself when it was the only one, else a summary with the count. */
function errorOf(held: Held, reason: DropReason): AitherError | undefined {
  const { problem, problems, count } = held;
  if (problem === undefined) return undefined;
  if (typeof problem === "string") return dropError(count, reason, problems > 1 ? `${problem} (and ${problems - 1} more like it)` : problem);
  if (problems === 1) return problem;
  const error = dropError(count, reason, `${problem.message} (and ${problems - 1} more like it)`);
  error.cause = problem;
  return error;
}
