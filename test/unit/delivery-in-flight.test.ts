import { describe, expect, it } from "vitest";
import type { Batch } from "../../src/batch.ts";
import { InFlight } from "../../src/delivery/in-flight.ts";
import { createPrediction } from "../../src/events.ts";

function batch(id: string, seqs: number[]): Batch {
  const events = seqs.map((seq) => createPrediction({ modelId: "m", prediction: seq }, `${id}-${seq}`, seq, undefined));
  return { kind: "prediction", id, events, reported: undefined, claimed: false, countsMaybeSent: false };
}

/** A delivery the test ends by hand. */
function manual(): {
  deliver: (settled: Promise<void>) => Promise<boolean>;
  finish(result: boolean): void;
  fail(error: unknown): void;
  settled: () => Promise<void>;
} {
  let finish: (result: boolean) => void = () => {};
  let fail: (error: unknown) => void = () => {};
  let settled: Promise<void> | undefined;
  return {
    deliver: (s) => {
      settled = s;
      return new Promise<boolean>((resolve, reject) => {
        finish = resolve;
        fail = reject;
      });
    },
    finish: (r) => finish(r),
    fail: (e) => fail(e),
    settled: () => settled as Promise<void>,
  };
}

const unexpected = (): boolean => {
  throw new Error("onFailure called for a delivery that did not fail");
};

describe("InFlight", () => {
  it("counts a batch's events while it is delivered, and forgets it once it settles", async () => {
    const f = new InFlight();
    const b = batch("b1", [1, 2, 3]);
    const d = manual();
    const done = f.track(b, d.deliver, unexpected);
    expect(f.events).toBe(3);
    expect(f.countUpTo(1e9)).toBe(3);
    d.finish(true);
    expect(await done).toBe(true);
    expect(f.events).toBe(0);
    expect(f.countUpTo(1e9)).toBe(0);
  });

  it("counts only events up to a sequence number, across batches", () => {
    const f = new InFlight();
    f.track(batch("a", [1, 2, 5]), manual().deliver, unexpected);
    f.track(batch("b", [3, 8]), manual().deliver, unexpected);
    expect(f.countUpTo(0)).toBe(0);
    expect(f.countUpTo(3)).toBe(3);
    expect(f.countUpTo(5)).toBe(4);
    expect(f.countUpTo(100)).toBe(5);
  });

  it("gives deliver a promise that resolves only when the batch is settled, not before", async () => {
    const f = new InFlight();
    const d = manual();
    const done = f.track(batch("b", [1]), d.deliver, unexpected);
    let settled = false;
    void d.settled().then(() => {
      settled = true;
    });
    await Promise.resolve();
    await Promise.resolve();
    expect(settled).toBe(false);
    d.finish(false);
    expect(await done).toBe(false); // the delivery's own answer comes through
    await d.settled();
    expect(settled).toBe(true);
  });

  it("wakes every nextSettle waiter when the next batch settles, and only then", async () => {
    const f = new InFlight();
    const first = manual();
    const second = manual();
    f.track(batch("a", [1]), first.deliver, unexpected);
    const tracked = f.track(batch("b", [2]), second.deliver, unexpected);
    let woken = 0;
    void f.nextSettle().then(() => woken++);
    void f.nextSettle().then(() => woken++);
    await Promise.resolve();
    expect(woken).toBe(0);
    second.finish(true);
    await tracked;
    await Promise.resolve();
    expect(woken).toBe(2);
    expect(f.events).toBe(1); // the other batch is still in flight
  });

  it("hands a rejected delivery to onFailure, returns its answer, and still untracks the batch and wakes waiters", async () => {
    const f = new InFlight();
    const d = manual();
    const failures: unknown[] = [];
    const done = f.track(batch("b", [1, 2]), d.deliver, (error) => {
      failures.push(error);
      return false;
    });
    const waiter = f.nextSettle();
    const bug = new Error("bug");
    d.fail(bug);
    expect(await done).toBe(false);
    await waiter;
    expect(failures).toEqual([bug]);
    expect(f.events).toBe(0);
    expect(f.countUpTo(1e9)).toBe(0);
  });
});
