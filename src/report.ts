import { AitherError } from "./errors.ts";
import type { DropReason, WireEvent } from "./types.ts";

/** Where background problems go: the user's callbacks, or a quiet console. Never throws. */
export interface Reporter {
  error(error: AitherError): void;
  drop(events: WireEvent[], reason: DropReason): void;
  /** A request succeeded: summarise errors that were held back. */
  recovered(): void;
  warn(message: string): void;
  debug(message: string): void;
}

type Console = { warn(...args: unknown[]): void; debug?(...args: unknown[]): void; log(...args: unknown[]): void };

/**
 * Build the reporter. The default `onError` logs the first error of a kind, holds back repeats
 * and prints one summary with their count when sending works again: a dead endpoint must not
 * print once per flush.
 */
export function createReporter(options: {
  onError: ((error: AitherError) => void) | undefined;
  onDrop: ((events: WireEvent[], reason: DropReason) => void) | undefined;
  debug: boolean;
  console?: Console;
}): Reporter {
  const out: Console = options.console ?? globalThis.console;
  const held = new Map<string, number>();
  const safe = (fn: () => void): void => {
    try {
      fn();
    } catch (error) {
      try {
        out.warn(`[aither] a callback threw: ${error instanceof Error ? error.message : String(error)}`);
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
      const key = `${error.code}:${(error as { status?: number }).status ?? ""}`;
      const count = held.get(key);
      if (count === undefined) {
        held.set(key, 0);
        warn(error.message);
      } else held.set(key, count + 1);
    },
    drop(events, reason) {
      if (options.onDrop && events.length > 0) {
        const onDrop = options.onDrop;
        safe(() => onDrop(events, reason));
      }
    },
    recovered() {
      if (held.size === 0) return;
      for (const [key, count] of held) {
        if (count > 0) warn(`sending works again; ${count} more error(s) like "${key}" were not printed`);
      }
      held.clear();
    },
    warn,
    debug(message) {
      if (options.debug) safe(() => out.log(`[aither] ${message}`));
    },
  };
}

/** Build an AitherError for a dropped batch, with the numbers. */
export function dropError(count: number, reason: DropReason, detail: string): AitherError {
  return new AitherError("dropped", `dropped ${count} event(s) (${reason}): ${detail}`);
}
