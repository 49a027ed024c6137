import type { ServerResponse } from "node:http";
import type { StoredEvent } from "../store.ts";
import { type EventFilter, type EventRow, matches } from "./filter.ts";
import type { OverviewView } from "./overview.ts";

/** One server-sent message: the overview, and the rows that arrived since the last message. */
export interface LiveMessage {
  overview: OverviewView;
  /** Newest first. The first message carries the latest rows already stored. */
  rows: EventRow[];
  /** True on the first message of a connection: `rows` replace the table rather than add to it. */
  initial: boolean;
}

/** Sends page updates over server-sent events. */
export interface LiveHub {
  /** Note a newly stored prediction for the next message. */
  push(event: StoredEvent): void;
  /** Answer a request with an event stream that gets a message per tick while anything changes. */
  subscribe(res: ServerResponse, filter: EventFilter): void;
  /** End every stream (the collector is closing). */
  close(): void;
}

/** What the hub reads from the collector. */
export interface LiveSource {
  overview(): OverviewView;
  row(event: StoredEvent): EventRow;
  /** The newest stored predictions that pass the filter, newest first. */
  latest(filter: EventFilter, limit: number): StoredEvent[];
}

const TICK_MS = 250;
// Rows per message and per first message: the table shows this many.
export const TABLE_ROWS = 100;
// Predictions kept between ticks; at 5,000/s a tick sees ~1,250, and only the newest are shown.
const MAX_PENDING = 5_000;
// A page that cannot keep up gets no new message until it has read this much.
const MAX_BUFFERED_BYTES = 1024 * 1024;
// With nothing new, the overview still goes out once a second so the rate chart moves on.
const IDLE_REFRESH_MS = 1000;

/** Create the hub; its timer runs only while a page is connected and never keeps the process alive. */
export function createLiveHub(source: LiveSource): LiveHub {
  const streams = new Map<ServerResponse, EventFilter>();
  let pending: StoredEvent[] = [];
  let timer: ReturnType<typeof setInterval> | undefined;
  let lastSent = 0;

  const send = (res: ServerResponse, message: LiveMessage): void => {
    res.write(`data: ${JSON.stringify(message)}\n\n`);
  };

  const tick = (): void => {
    const now = Date.now();
    if (pending.length === 0 && now - lastSent < IDLE_REFRESH_MS) return;
    const arrived = pending;
    pending = [];
    lastSent = now;
    const overview = source.overview();
    for (const [res, filter] of streams) {
      if (res.writableLength > MAX_BUFFERED_BYTES) continue;
      const rows: EventRow[] = [];
      for (let i = arrived.length - 1; i >= 0 && rows.length < TABLE_ROWS; i--) {
        const event = arrived[i] as StoredEvent;
        if (matches(event, filter)) rows.push(source.row(event));
      }
      send(res, { overview, rows, initial: false });
    }
  };

  return {
    push(event) {
      if (streams.size === 0) return;
      pending.push(event);
      // Trim in steps, not per event: only the newest rows of a tick are ever shown.
      if (pending.length > 2 * MAX_PENDING) pending = pending.slice(-MAX_PENDING);
    },
    subscribe(res, filter) {
      res.writeHead(200, { "content-type": "text/event-stream", "cache-control": "no-store", "x-accel-buffering": "no" });
      const rows = source.latest(filter, TABLE_ROWS).map(source.row);
      send(res, { overview: source.overview(), rows, initial: true });
      streams.set(res, filter);
      timer ??= setInterval(tick, TICK_MS);
      timer.unref?.();
      res.on("close", () => {
        streams.delete(res);
        if (streams.size > 0 || timer === undefined) return;
        clearInterval(timer);
        timer = undefined;
        pending = [];
      });
    },
    close() {
      for (const res of streams.keys()) res.end();
      streams.clear();
      if (timer !== undefined) clearInterval(timer);
      timer = undefined;
    },
  };
}
