import { AitherError, messageOf } from "./errors.ts";
import type { DropReason } from "./types.ts";

/** Where background problems go: the user's callbacks, or a quiet console. Never throws. */
export interface Reporter {
  error(error: AitherError): void;
  /** Run a user callback; what it throws is printed, never passed on. */
  guard(fn: () => void): void;
  /** A request succeeded: summarise errors that were held back. */
  recovered(): void;
  warn(message: string): void;
  debug(message: string): void;
}

type Console = { warn(...args: unknown[]): void; debug?(...args: unknown[]): void; log(...args: unknown[]): void };

// Errors of sending itself: a request that succeeds ends them.
const SENDING = new Set(["http", "network", "timeout"]);

/**
 * Build the reporter. The default `onError` logs the first error of a kind (a drop: of its
 * reason), holds back repeats and, for failures of sending, prints one summary with their count
 * when sending works again: a dead endpoint must not print once per flush. Repeated drops of
 * one reason are counted in stats(), not printed again.
 */
export function createReporter(options: { onError: ((error: AitherError) => void) | undefined; debug: boolean; console?: Console }): Reporter {
  const out: Console = options.console ?? globalThis.console;
  // Kind -> [first message, repeats held back].
  const held = new Map<string, [string, number]>();
  const safe = (fn: () => void): void => {
    try {
      fn();
    } catch (error) {
      try {
        out.warn(`[aither] a callback threw: ${messageOf(error)}`);
      } catch {
        // no console: nothing more we can do
      }
    }
  };
  const warn = (message: string): void => safe(() => out.warn(`[aither] ${message}`));
  return {
    error(error) {
      if (options.onError) {
        const onError = options.onError;
        safe(() => onError(error));
        return;
      }
      const detail = (error as { status?: number; reason?: string }).status ?? (error as { reason?: string }).reason ?? "";
      const key = `${error.code}:${detail}`;
      const seen = held.get(key);
      if (seen === undefined) {
        held.set(key, [error.message, 0]);
        warn(error.message);
      } else seen[1]++;
    },
    guard: safe,
    recovered() {
      for (const [key, [message, count]] of held) {
        if (!SENDING.has(key.slice(0, key.indexOf(":")))) continue;
        if (count > 0) warn(`sending works again; ${count} more error(s) like this were not printed: ${message}`);
        held.delete(key);
      }
    },
    warn,
    debug(message) {
      if (options.debug) safe(() => out.log(`[aither] ${message}`));
    },
  };
}

/** Build an AitherError for a dropped batch, with the numbers. */
export function dropError(count: number, reason: DropReason, detail: string): AitherError & { reason: DropReason } {
  return Object.assign(new AitherError("dropped", `dropped ${count} event(s) (${reason}): ${detail}`), { reason });
}
