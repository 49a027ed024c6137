import type { AdapterHost } from "./runtime.ts";

/**
 * One client's flush at the end of a program, for runtimes whose "event loop is empty" event
 * (Node's `beforeExit`, Deno's `beforeunload`) fires again once I/O started in it is done, and
 * whose final event (`exit`, `unload`) runs synchronously. The runtime adapters only connect
 * these two calls to their events.
 */
export interface ExitFlush {
  /**
   * Start one flush bounded by `shutdownTimeout` if events came in since the last exit flush
   * and none is running. True when it started: the caller keeps the program alive for it
   * (Deno: `preventDefault()`). Never throws.
   */
  flushBeforeExit(): boolean;
  /**
   * Warn, through the client's logger, with the count of events the program is ending with,
   * if any. `exitCall` names the call that skips the exit flush (`process.exit()`).
   */
  warnAtExit(exitCall: string): void;
}

/** The parts of a client the exit flush uses. */
export type ExitFlushHost = Pick<AdapterHost, "flush" | "pending" | "shutdownTimeout" | "abortInFlight" | "warn">;

/** The exit-flush state of one client. */
export function createExitFlush(host: ExitFlushHost): ExitFlush {
  // Events pending after the last exit flush: the event fires again after every flush, so only
  // more than these warrant another one. A flush that timed out is not repeated forever, and an
  // idle client adds no delay to the end of the program.
  let left = 0;
  let flushing = false;
  // An exit flush ran, so events pending at the end are the ones it gave up on.
  let exitFlushed = false;
  return {
    flushBeforeExit() {
      if (flushing || host.pending <= left) return false;
      flushing = true;
      void host.flush({ timeoutMs: host.shutdownTimeout }).then(() => {
        flushing = false;
        exitFlushed = true;
        left = host.pending;
        // A request still in flight would hold the program past shutdownTimeout (up to `timeout`).
        if (left > 0) host.abortInFlight();
      });
      return true;
    },
    warnAtExit(exitCall) {
      const n = host.pending;
      if (n > 0) host.warn(exitWarning(n, host.shutdownTimeout, exitFlushed, exitCall));
    },
  };
}

/**
 * The warning for `count` events not sent when the program ends: either the exit flush gave up
 * at its deadline, or the program ended through `exitCall`, which skips the exit flush.
 */
function exitWarning(count: number, shutdownTimeoutMs: number, exitFlushed: boolean, exitCall: string): string {
  return exitFlushed
    ? `exiting with ${count} event(s) not sent: the exit flush gave up after shutdownTimeout (${shutdownTimeoutMs} ms)`
    : `exiting with ${count} event(s) not sent; call await aither.flush() or close() before ${exitCall}`;
}
