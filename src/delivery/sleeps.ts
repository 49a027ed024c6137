import type { Batch } from "../batch.ts";
import type { RuntimeAdapter } from "../runtime.ts";
import type { DrainMode, Gate } from "./parts.ts";

interface Sleeper {
  wake(): void;
  background: boolean;
}

/**
 * Batches sleeping out a backoff or a Retry-After pause. A background sleep never keeps the
 * host alive and ends early when a foreground flush starts (the batch gives way to it) or the
 * client closes; a foreground sleep is ref'd (a caller awaiting flush() must not see the process
 * exit under it) and ends at its flush's deadline. A page being hidden takes every sleeping
 * batch back, to hand it off with the rest of the queue.
 */
export class Sleeps {
  readonly #sleeping = new Map<Batch, Sleeper>();
  // Batches taken back from their sleep (they are in the queue again).
  readonly #reclaimed = new WeakSet<Batch>();
  readonly #gate: Gate;
  readonly #runtime: RuntimeAdapter;

  constructor(gate: Gate, runtime: RuntimeAdapter) {
    this.#gate = gate;
    this.#runtime = runtime;
  }

  /** Background sleeps now (a failing endpoint): no new background lane starts meanwhile. */
  get backgroundCount(): number {
    let n = 0;
    for (const s of this.#sleeping.values()) if (s.background) n++;
    return n;
  }

  /** Wait; false when the wait was cut short (a foreground flush took over, close(), the deadline, a hide). */
  async sleep(ms: number, mode: DrainMode, batch: Batch): Promise<boolean> {
    const gate = this.#gate;
    if (mode.kind === "background" && (gate.foreground > 0 || gate.stopped)) return false;
    let wake = (): void => {};
    const woken = new Promise<boolean>((resolve) => {
      wake = () => resolve(false);
    });
    this.#sleeping.set(batch, { wake, background: mode.kind === "background" });
    let slept: boolean;
    if (mode.kind === "background") {
      slept = await Promise.race([this.#runtime.sleepUnref(ms).then(() => true), woken]);
      slept &&= gate.foreground === 0 && !gate.stopped;
    } else {
      const left = mode.deadline - Date.now();
      let timer: ReturnType<typeof setTimeout> | undefined;
      const timed = new Promise<boolean>((resolve) => {
        timer = setTimeout(() => resolve(ms <= left), Math.max(0, Math.min(ms, left)));
      });
      slept = await Promise.race([timed, woken]);
      clearTimeout(timer);
    }
    this.#sleeping.delete(batch);
    return slept;
  }

  /** End the background sleeps now (each removes itself when it ends). */
  wakeBackground(): void {
    for (const { wake, background } of this.#sleeping.values()) if (background) wake();
  }

  /** Take every sleeping batch out of its sleep, for a page being hidden; the caller requeues them. */
  reclaimAll(): Batch[] {
    const batches = [...this.#sleeping.keys()];
    for (const [batch, { wake }] of this.#sleeping) {
      this.#reclaimed.add(batch);
      wake();
    }
    this.#sleeping.clear();
    return batches;
  }

  /** The batch was taken back by {@link reclaimAll}: its attempt loop ends without requeueing. */
  wasReclaimed(batch: Batch): boolean {
    return this.#reclaimed.has(batch);
  }
}
