import type { Drain } from "./drain.ts";
import type { InFlight } from "./in-flight.ts";
import type { DeliveryParts, Gate } from "./parts.ts";
import type { Sleeps } from "./sleeps.ts";

/** What a foreground flush works with. */
export interface FlushParts {
  readonly parts: DeliveryParts;
  readonly gate: Gate;
  readonly drain: Drain;
  readonly inFlight: InFlight;
  readonly sleeps: Sleeps;
}

/**
 * Deliver or drop every event with `seq <= upTo` by `deadline`; resolves to how many are still
 * queued or in flight then. Background batches sleeping out a backoff give way, so this flush
 * retries them on its own terms; requests already in flight are waited for, up to the deadline
 * (a request cut short there goes on after we return).
 */
export async function flushUpTo(f: FlushParts, upTo: number, deadline: number): Promise<number> {
  const { parts, gate, drain, inFlight, sleeps } = f;
  const { queue, runtime } = parts;
  const mode = { kind: "foreground", deadline, upTo } as const;
  gate.foreground++;
  // Not in an isolate: a waker resolves a promise another request made, and workerd warns and
  // cancels continuations when one request resolves a promise of another that has ended.
  if (!runtime.isolate) sleeps.wakeBackground();
  try {
    for (;;) {
      if (runtime.isolate) {
        // Only this flush's own requests are awaited: workerd cancels the I/O of an invocation
        // that ended, and requests of other flushes are theirs to finish.
        if (queue.countUpTo(upTo) > 0) await drain.foreground(mode);
        const left = queue.countUpTo(upTo);
        if (left === 0 || Date.now() >= deadline) return left;
        continue;
      }
      if (queue.countUpTo(upTo) > 0 && !(await raceDeadline(drain.foreground(mode), deadline))) return pendingAtDeadline(drain, upTo);
      const pending = drain.pendingUpTo(upTo);
      if (pending === 0 || Date.now() >= deadline) return pending;
      if (queue.countUpTo(upTo) > 0) continue;
      // Requests this flush did not start (a background lane's): wait for the next one to settle.
      if (!(await raceDeadline(inFlight.nextSettle(), deadline))) return pendingAtDeadline(drain, upTo);
    }
  } finally {
    gate.foreground--;
  }
}

/**
 * What is left when the deadline cut a wait short. A batch sleeping out a backoff stops at the
 * same deadline on a timer of its own: give it that turn, so it is counted back in the queue
 * rather than in flight.
 */
async function pendingAtDeadline(drain: Drain, upTo: number): Promise<number> {
  await new Promise((resolve) => setTimeout(resolve, 0));
  return drain.pendingUpTo(upTo);
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
