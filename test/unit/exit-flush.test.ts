import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { createExitFlush, type ExitFlushHost } from "../../src/exit-flush.ts";
import type { FlushResult } from "../../src/types.ts";

// The runtimes' own suites (test/runtimes) prove the wiring to beforeExit/beforeunload; here the
// state machine runs against a fake client whose flush takes fake time: a flush that can deliver
// empties the queue after 50 ms, one that cannot gives up at its timeout with the events left.
interface FakeHost extends ExitFlushHost {
  pending: number;
  /** False: the endpoint is down, so a flush ends at its timeout with nothing sent. */
  delivers: boolean;
  readonly flushTimeouts: (number | undefined)[];
  aborts: number;
  readonly warnings: string[];
}

function fakeHost(shutdownTimeout = 1500): FakeHost {
  const host: FakeHost = {
    pending: 0,
    delivers: true,
    shutdownTimeout,
    flushTimeouts: [],
    aborts: 0,
    warnings: [],
    flush(options) {
      host.flushTimeouts.push(options?.timeoutMs);
      const before = host.pending;
      return new Promise<FlushResult>((resolve) => {
        if (host.delivers) {
          setTimeout(() => {
            host.pending -= before;
            resolve({ ok: true, sent: before, dropped: 0, pending: host.pending });
          }, 50);
        } else {
          setTimeout(() => resolve({ ok: false, sent: 0, dropped: 0, pending: host.pending }), options?.timeoutMs ?? 10_000);
        }
      });
    },
    abortInFlight() {
      host.aborts++;
    },
    warn(message) {
      host.warnings.push(message);
    },
  };
  return host;
}

beforeEach(() => {
  vi.useFakeTimers();
});
afterEach(() => {
  vi.useRealTimers();
});

describe("flushBeforeExit", () => {
  it("starts one flush bounded by shutdownTimeout when events are pending, and says so", () => {
    const host = fakeHost(1500);
    host.pending = 5;
    expect(createExitFlush(host).flushBeforeExit()).toBe(true);
    expect(host.flushTimeouts).toEqual([1500]);
  });

  it("starts no flush when nothing is pending, so an idle client adds no delay to the exit", () => {
    const host = fakeHost();
    expect(createExitFlush(host).flushBeforeExit()).toBe(false);
    expect(host.flushTimeouts).toEqual([]);
  });

  it("starts no second flush while one is running", async () => {
    const host = fakeHost();
    host.pending = 5;
    const exit = createExitFlush(host);
    expect(exit.flushBeforeExit()).toBe(true);
    host.pending = 8; // more events arrive while the flush runs
    expect(exit.flushBeforeExit()).toBe(false);
    expect(host.flushTimeouts).toHaveLength(1);
    await vi.runAllTimersAsync();
  });

  it("flushes again only for events logged since the last exit flush", async () => {
    const host = fakeHost();
    host.pending = 5;
    const exit = createExitFlush(host);
    exit.flushBeforeExit();
    await vi.runAllTimersAsync();
    expect(host.pending).toBe(0);
    expect(exit.flushBeforeExit()).toBe(false); // the event fires again after the flush's I/O
    host.pending = 2;
    expect(exit.flushBeforeExit()).toBe(true);
    expect(host.flushTimeouts).toHaveLength(2);
    await vi.runAllTimersAsync();
  });

  it("aborts the requests in flight when the flush gives up at shutdownTimeout with events left, and does not retry them", async () => {
    const host = fakeHost(1500);
    host.delivers = false;
    host.pending = 5;
    const exit = createExitFlush(host);
    exit.flushBeforeExit();
    await vi.advanceTimersByTimeAsync(1499);
    expect(host.aborts).toBe(0);
    await vi.advanceTimersByTimeAsync(1);
    expect(host.aborts).toBe(1);
    // The same five events do not start another flush (a down endpoint would hold the exit forever)...
    expect(exit.flushBeforeExit()).toBe(false);
    // ...but one more event does.
    host.pending = 6;
    expect(exit.flushBeforeExit()).toBe(true);
    await vi.runAllTimersAsync();
    expect(host.aborts).toBe(2);
  });

  it("aborts nothing when the flush delivered everything", async () => {
    const host = fakeHost();
    host.pending = 5;
    createExitFlush(host).flushBeforeExit();
    await vi.runAllTimersAsync();
    expect(host.pending).toBe(0);
    expect(host.aborts).toBe(0);
  });
});

describe("warnAtExit", () => {
  it("says nothing when no event is pending", () => {
    const host = fakeHost();
    createExitFlush(host).warnAtExit("process.exit()");
    expect(host.warnings).toEqual([]);
  });

  it("tells the caller to flush or close before the exit call when no exit flush ran", () => {
    const host = fakeHost();
    host.pending = 300;
    createExitFlush(host).warnAtExit("Deno.exit()");
    expect(host.warnings).toEqual(["exiting with 300 event(s) not sent; call await aither.flush() or close() before Deno.exit()"]);
  });

  it("says the exit flush gave up after shutdownTimeout when it left events behind", async () => {
    const host = fakeHost(800);
    host.delivers = false;
    host.pending = 100;
    const exit = createExitFlush(host);
    exit.flushBeforeExit();
    await vi.runAllTimersAsync();
    exit.warnAtExit("process.exit()");
    expect(host.warnings).toEqual(["exiting with 100 event(s) not sent: the exit flush gave up after shutdownTimeout (800 ms)"]);
  });
});
