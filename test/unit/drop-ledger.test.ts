import { describe, expect, it } from "vitest";
import { DropLedger, MAX_DROP_EVENTS } from "../../src/delivery/drop-ledger.ts";
import { AitherError, AitherHttpError } from "../../src/errors.ts";
import { createPrediction, type QueuedEvent } from "../../src/events.ts";
import { createReporter } from "../../src/report.ts";
import type { DropReason, WireEvent } from "../../src/types.ts";

let seq = 0;
const event = (): QueuedEvent => createPrediction({ modelId: "m", prediction: 1 }, `e${++seq}`, seq, undefined);

function ledger(options: { onDrop?: boolean; windowMs?: number } = {}) {
  const calls: { ids: string[]; reason: DropReason; count: number }[] = [];
  const errors: AitherError[] = [];
  let now = 1_000_000;
  const timers: { at: number; fn: () => void }[] = [];
  const made = new DropLedger({
    reporter: createReporter({ onError: (e) => errors.push(e), debug: false }),
    onDrop: options.onDrop === false ? undefined : (events: WireEvent[], reason, count) => calls.push({ ids: events.map((e) => e.id), reason, count }),
    windowMs: options.windowMs ?? 1000,
    wireOf: (e) => e.wire as WireEvent,
    later: (ms, fn) => timers.push({ at: now + ms, fn }),
    now: () => now,
  });
  return {
    ledger: made,
    calls,
    errors,
    /** Move the clock and run the timers that are due. */
    advance(ms: number) {
      now += ms;
      for (const timer of timers.splice(0)) {
        if (timer.at <= now) timer.fn();
        else timers.push(timer);
      }
    },
    timers,
  };
}

describe("DropLedger counts", () => {
  it("counts every drop by reason, exactly", () => {
    const { ledger: l } = ledger();
    for (let i = 0; i < 7; i++) l.dropOne(event(), "queue_full", "full");
    l.drop([event(), event()], "rejected", undefined);
    expect(l.dropped).toBe(9);
    expect(l.byReason()).toEqual({ queue_full: 7, rejected: 2 });
  });

  it("reports each loss to the server in exactly one accepted body: claimed per body, released when not accepted", () => {
    const { ledger: l } = ledger();
    l.drop([event(), event(), event()], "queue_full", undefined);
    const carried = l.claim();
    expect(carried).toEqual({ queue_full: 3 });
    l.drop([event(), event()], "queue_full", undefined);
    expect(l.claim()).toEqual({ queue_full: 2 }); // a concurrent body reports only the new loss
    expect(l.claim()).toBeUndefined();
    l.release(carried); // the first body failed: its counts go with a later one
    expect(l.claim()).toEqual({ queue_full: 3 });
  });

  it("gives back the counts a requeued batch carried when one of its events is dropped", () => {
    const { ledger: l } = ledger();
    const e = event();
    e.retryOf = { id: "b1", count: 1, reported: { rejected: 4 }, countsMaybeSent: false };
    l.dropOne(e, "queue_full", undefined);
    expect(l.claim()).toEqual({ rejected: 4, queue_full: 1 });
    expect(e.retryOf.reported).toBeUndefined();
  });
});

describe("DropLedger reports", () => {
  it("reports the first drop of a reason at once, then at most once per window with the count", () => {
    const { ledger: l, calls, advance } = ledger();
    l.dropOne(event(), "queue_full", "full");
    expect(calls.map((c) => c.count)).toEqual([1]);
    for (let i = 0; i < 5000; i++) l.dropOne(event(), "queue_full", "full");
    expect(calls).toHaveLength(1); // held until the window ends
    advance(999);
    expect(calls).toHaveLength(1);
    advance(1);
    expect(calls).toHaveLength(2);
    expect(calls[1]?.count).toBe(5000);
    expect(calls[1]?.ids).toHaveLength(MAX_DROP_EVENTS); // the events, capped; the count is exact
    expect(calls.reduce((n, c) => n + c.count, 0)).toBe(l.dropped);
  });

  it("schedules one timer for a window, however many drops it holds", () => {
    const { ledger: l, timers } = ledger();
    l.dropOne(event(), "queue_full", "full");
    for (let i = 0; i < 100; i++) l.dropOne(event(), "queue_full", "full");
    l.dropOne(event(), "filtered", undefined);
    l.dropOne(event(), "filtered", undefined);
    expect(timers).toHaveLength(1);
  });

  it("keeps one window per reason", () => {
    const { ledger: l, calls } = ledger();
    l.dropOne(event(), "queue_full", "full");
    l.dropOne(event(), "filtered", undefined);
    l.dropOne(event(), "queue_full", "full");
    expect(calls.map((c) => c.reason)).toEqual(["queue_full", "filtered"]);
  });

  it("reportAll (flush, close) delivers everything held at once", () => {
    const { ledger: l, calls } = ledger();
    l.dropOne(event(), "queue_full", "full");
    l.dropOne(event(), "queue_full", "full");
    l.dropOne(event(), "queue_full", "full");
    l.reportAll();
    expect(calls.map((c) => c.count)).toEqual([1, 2]);
    l.reportAll();
    expect(calls).toHaveLength(2);
  });

  it("reports one error per report: the problem itself when alone, else a summary with the count and the first as cause", () => {
    const { ledger: l, errors } = ledger();
    const first = new AitherHttpError(400, 1, "bad", "batch of 1 prediction(s) answered 400: bad");
    l.drop([event()], "rejected", first);
    expect(errors).toEqual([first]);
    l.drop([event()], "rejected", new AitherHttpError(400, 1, "bad", "second"));
    l.drop([event(), event()], "rejected", new AitherHttpError(400, 2, "bad", "third"));
    l.reportAll();
    expect(errors).toHaveLength(2);
    expect(errors[1]?.message).toBe("dropped 3 event(s) (rejected): second (and 1 more like it)");
    expect(errors[1]?.cause).toBeInstanceOf(AitherHttpError);
  });

  it("builds a drop error from a detail only when the report goes out, and none for drops without a problem", () => {
    const { ledger: l, errors } = ledger();
    l.dropOne(event(), "filtered", undefined);
    expect(errors).toHaveLength(0);
    l.dropOne(event(), "queue_full", "the queue is full");
    expect(errors[0]?.message).toBe("dropped 1 event(s) (queue_full): the queue is full");
  });

  it("keeps no events without an onDrop, and survives an onDrop that throws", () => {
    const quiet = ledger({ onDrop: false });
    for (let i = 0; i < 10; i++) quiet.ledger.dropOne(event(), "queue_full", undefined);
    expect(quiet.ledger.dropped).toBe(10);
    const warned: string[] = [];
    const throwing = new DropLedger({
      reporter: createReporter({ onError: () => {}, debug: false, console: { warn: (m: string) => warned.push(m), log: () => {} } }),
      onDrop: () => {
        throw new Error("user bug");
      },
      windowMs: 1000,
      wireOf: (e) => e.wire as WireEvent,
      later: () => {},
    });
    expect(() => throwing.dropOne(event(), "closed", undefined)).not.toThrow();
    expect(warned.join("\n")).toContain("user bug");
  });

  it("summarises string problems with how many there were", () => {
    const { ledger: l, errors } = ledger();
    l.dropOne(event(), "too_large", "event a is too large");
    l.dropOne(event(), "too_large", "event b is too large");
    l.dropOne(event(), "too_large", "event c is too large");
    l.reportAll();
    expect(errors.map((e) => e.message)).toEqual([
      "dropped 1 event(s) (too_large): event a is too large",
      "dropped 2 event(s) (too_large): event b is too large (and 1 more like it)",
    ]);
    expect(errors.every((e) => e instanceof AitherError)).toBe(true);
  });
});
