import process from "node:process";
import { createExitFlush, type ExitFlush } from "../src/exit-flush.ts";
import type { AdapterHost } from "../src/runtime.ts";

/** Signals that `handleSignals: true` flushes on before letting them end the process. */
const SIGNALS = ["SIGTERM", "SIGINT"] as const;
type HandledSignal = (typeof SIGNALS)[number];

interface Entry {
  readonly host: AdapterHost;
  readonly handleSignals: boolean;
  readonly exit: ExitFlush;
}

// One process listener per event for all clients, however many are created: per-client
// listeners would pass Node's limit of 10 and print MaxListenersExceededWarning.
const entries = new Set<Entry>();
let signalClients = 0;
let onSignalRunning = false;

/**
 * Flush every attached client when the process ends: on `beforeExit` (natural end), a warning
 * on `exit` if events remain, and on SIGTERM/SIGINT when `handleSignals` is set. Returns a
 * detach that removes the client, and the process listeners with the last one.
 */
export function attachExitHooks(host: AdapterHost, handleSignals: boolean): () => void {
  const entry: Entry = { host, handleSignals, exit: createExitFlush(host) };
  if (entries.size === 0) {
    process.on("beforeExit", onBeforeExit);
    process.on("exit", onExit);
  }
  entries.add(entry);
  if (handleSignals && signalClients++ === 0) for (const s of SIGNALS) process.on(s, onSignal);
  return () => {
    if (!entries.delete(entry)) return;
    if (entries.size === 0) {
      process.off("beforeExit", onBeforeExit);
      process.off("exit", onExit);
    }
    if (entry.handleSignals && --signalClients === 0) removeSignalListeners();
  };
}

// beforeExit fires when the event loop empties, never on process.exit(), a signal or an uncaught
// exception. A fetch started here keeps the process alive and completes; Node then fires
// beforeExit again, which createExitFlush answers with no new flush unless events came in.
function onBeforeExit(): void {
  for (const { exit } of entries) exit.flushBeforeExit();
}

// exit handlers run synchronously: no request can be made any more, only a warning printed.
function onExit(): void {
  for (const { exit } of entries) exit.warnAtExit("process.exit()");
}

// With a listener installed, Node no longer ends the process on the signal: it stays up until
// something calls process.exit(). So flush, then remove ours and raise the signal again so the
// default action ends the process with the signal's status (143 for SIGTERM, 130 for SIGINT), as
// a supervisor expects.
function onSignal(signal: HandledSignal): void {
  if (onSignalRunning) {
    reraise(signal); // a second Ctrl-C: stop waiting
    return;
  }
  onSignalRunning = true;
  const flushes = [...entries].map(({ host }) => host.flush({ timeoutMs: host.shutdownTimeout }));
  void Promise.all(flushes).then(() => {
    onSignalRunning = false;
    // The app listens too: its handler decides when and how to exit; we only flushed.
    if (process.listenerCount(signal) > 1) return;
    reraise(signal);
  });
}

function reraise(signal: HandledSignal): void {
  removeSignalListeners();
  process.kill(process.pid, signal);
}

function removeSignalListeners(): void {
  for (const s of SIGNALS) process.off(s, onSignal);
}
