import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import type { DrainMode } from "../../src/delivery/parts.ts";
import { Gate } from "../../src/delivery/parts.ts";
import { Sleeps } from "../../src/delivery/sleeps.ts";
import { createPortableAdapter } from "../../src/portable-adapter.ts";
import { emptyBatch } from "../helpers/delivery.ts";

// Time is incidental here: fake timers stand in for the backoff, the adapter's real sleepUnref runs on them.
beforeEach(() => {
  vi.useFakeTimers();
});
afterEach(() => {
  vi.useRealTimers();
});

const BACKGROUND: DrainMode = { kind: "background" };
const foreground = (inMs: number): DrainMode => ({ kind: "foreground", deadline: Date.now() + inMs, upTo: 1e9 });

function sleeps(): { gate: Gate; sleeps: Sleeps } {
  const gate = new Gate();
  return { gate, sleeps: new Sleeps(gate, createPortableAdapter("node")) };
}

/** Settle state of a promise without awaiting it. */
function track<T>(promise: Promise<T>): { done: boolean; value: T | undefined } {
  const state: { done: boolean; value: T | undefined } = { done: false, value: undefined };
  void promise.then((value) => {
    state.done = true;
    state.value = value;
  });
  return state;
}

describe("Sleeps: background", () => {
  it("sleeps the whole backoff and then says it slept", async () => {
    const { sleeps: s } = sleeps();
    const slept = track(s.sleep(1000, BACKGROUND, emptyBatch("a")));
    await vi.advanceTimersByTimeAsync(999);
    expect(slept.done).toBe(false);
    await vi.advanceTimersByTimeAsync(1);
    expect(slept).toEqual({ done: true, value: true });
  });

  it("does not start while a foreground flush runs or after close(): the batch gives way at once", async () => {
    const { gate, sleeps: s } = sleeps();
    gate.foreground = 1;
    expect(await s.sleep(1000, BACKGROUND, emptyBatch("a"))).toBe(false);
    gate.foreground = 0;
    gate.stopped = true;
    expect(await s.sleep(1000, BACKGROUND, emptyBatch("b"))).toBe(false);
    expect(s.backgroundCount).toBe(0);
  });

  it("ends early when woken (a flush started or close()), and the foreground sleeps sleep on", async () => {
    const { sleeps: s } = sleeps();
    const back = track(s.sleep(5000, BACKGROUND, emptyBatch("bg")));
    const fore = track(s.sleep(3000, foreground(10_000), emptyBatch("fg")));
    s.wakeBackground();
    await vi.advanceTimersByTimeAsync(0);
    expect(back).toEqual({ done: true, value: false });
    expect(fore.done).toBe(false);
    await vi.advanceTimersByTimeAsync(3000);
    expect(fore).toEqual({ done: true, value: true });
  });

  it("reports a cut-short sleep when a foreground flush began while it slept", async () => {
    const { gate, sleeps: s } = sleeps();
    const slept = track(s.sleep(500, BACKGROUND, emptyBatch("a")));
    gate.foreground = 1; // no wake: the check after the timer must still see it
    await vi.advanceTimersByTimeAsync(500);
    expect(slept).toEqual({ done: true, value: false });
  });

  it("counts only background sleepers, and each leaves the count when it ends", async () => {
    const { sleeps: s } = sleeps();
    expect(s.backgroundCount).toBe(0);
    const a = s.sleep(100, BACKGROUND, emptyBatch("a"));
    const b = s.sleep(200, BACKGROUND, emptyBatch("b"));
    const f = s.sleep(100, foreground(1000), emptyBatch("f"));
    expect(s.backgroundCount).toBe(2);
    await vi.advanceTimersByTimeAsync(100);
    await a;
    await f;
    expect(s.backgroundCount).toBe(1);
    await vi.advanceTimersByTimeAsync(100);
    await b;
    expect(s.backgroundCount).toBe(0);
  });
});

describe("Sleeps: foreground", () => {
  it("stops at the flush's deadline when the backoff is longer, and says it did not sleep it out", async () => {
    const { sleeps: s } = sleeps();
    const slept = track(s.sleep(5000, foreground(1200), emptyBatch("a")));
    await vi.advanceTimersByTimeAsync(1199);
    expect(slept.done).toBe(false);
    await vi.advanceTimersByTimeAsync(1);
    expect(slept).toEqual({ done: true, value: false });
  });

  it("is not cut short by a foreground flush or close() (only its deadline or a hide ends it)", async () => {
    const { gate, sleeps: s } = sleeps();
    gate.foreground = 2;
    gate.stopped = true;
    const slept = track(s.sleep(300, foreground(1000), emptyBatch("a")));
    s.wakeBackground();
    await vi.advanceTimersByTimeAsync(300);
    expect(slept).toEqual({ done: true, value: true });
  });
});

describe("Sleeps: reclaim for a hidden page", () => {
  it("takes every sleeping batch back, wakes each with false, and remembers which it took", async () => {
    const { sleeps: s } = sleeps();
    const [a, b, other] = [emptyBatch("a"), emptyBatch("b"), emptyBatch("other")];
    const sa = track(s.sleep(5000, BACKGROUND, a));
    const sb = track(s.sleep(5000, foreground(60_000), b));
    const taken = s.reclaimAll();
    expect(taken).toEqual([a, b]);
    await vi.advanceTimersByTimeAsync(0);
    expect(sa).toEqual({ done: true, value: false });
    expect(sb).toEqual({ done: true, value: false });
    expect(s.wasReclaimed(a)).toBe(true);
    expect(s.wasReclaimed(b)).toBe(true);
    expect(s.wasReclaimed(other)).toBe(false);
    expect(s.reclaimAll()).toEqual([]); // nothing sleeps any more
    expect(s.backgroundCount).toBe(0);
  });
});
