import type { Batch } from "../batch.ts";
import type { EventQueue } from "../queue.ts";
import type { ResolvedOptions } from "../options.ts";
import type { Reporter } from "../report.ts";
import type { RuntimeAdapter } from "../runtime.ts";
import type { Stats } from "../stats.ts";
import type { Transport } from "../transport.ts";
import type { DropLedger } from "./drop-ledger.ts";

/** What the delivery engine works with; the client makes these and passes them in. */
export interface DeliveryParts {
  readonly options: ResolvedOptions;
  readonly queue: EventQueue;
  readonly stats: Stats;
  readonly ledger: DropLedger;
  readonly reporter: Reporter;
  readonly transport: Transport;
  readonly runtime: RuntimeAdapter;
}

/**
 * How a drain behaves. `background`: the timer's pass, or a full batch sent at once; gives a
 * batch back to the queue after `maxRetries` and yields to a foreground flush. `foreground`:
 * inside flush()/close(); retries until its deadline, for events up to `upTo`.
 */
export type DrainMode = { kind: "background" } | { kind: "foreground"; deadline: number; upTo: number };

/** Whether sending may go on now: shared by the drain, the attempt loop and the sleeps. */
export class Gate {
  /** close() ended: nothing new is sent, and what would go back to the queue is dropped. */
  stopped = false;
  /** A Retry-After answer: no request before this epoch ms. */
  pausedUntil = 0;
  /** Foreground flushes running now: background batches give way to them. */
  foreground = 0;
}

/**
 * Most requests one pass keeps in flight: the background lanes together, and each flush pass or
 * enableBackground: false pass on its own (so a flush during a busy background can add its 4).
 */
export const MAX_PARALLEL = 4;

/**
 * Put a batch back at the head of the queue (it keeps its batch_id and drop counts), or, once
 * the client is closed, drop it as `shutdown_timeout`. Always false: "not delivered".
 */
export function requeue(parts: DeliveryParts, gate: Gate, batch: Batch): false {
  const { queue, ledger } = parts;
  if (gate.stopped) {
    releaseCounts(parts, batch);
    ledger.drop(batch.events, "shutdown_timeout", "still unsent when close() ended");
    return false;
  }
  const retried = { id: batch.id, count: batch.events.length, reported: batch.reported, countsMaybeSent: batch.countsMaybeSent };
  for (const event of batch.events) event.retryOf = retried;
  const dropped = queue.restore(batch.events);
  if (dropped) ledger.drop(dropped, "queue_full", "the queue filled up while the batch was retried");
  return false;
}

/** Give a batch's drop counts back to the ledger, unless an attempt that carried them may have arrived. */
export function releaseCounts(parts: DeliveryParts, batch: Batch): void {
  if (!batch.countsMaybeSent) parts.ledger.release(batch.reported);
}
