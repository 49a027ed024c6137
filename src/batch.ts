import { messageOf } from "./errors.ts";
import type { EventKind, QueuedEvent, RetriedBatch } from "./events.ts";
import { createId } from "./id.ts";
import type { EventQueue } from "./queue.ts";
import type { DropCounts, DropReason, WireEvent } from "./types.ts";
import { utf8Bytes } from "./utf8.ts";

/** Room kept in each body for the envelope: batch_id, sent_at, dropped, api_key. */
export const ENVELOPE_BYTES = 512;

/** Events cut from the queue to go out in one request. Retries keep the same `id`. */
export interface Batch {
  readonly kind: EventKind;
  /** `batch_id` on the wire and the Idempotency-Key header. */
  readonly id: string;
  readonly events: QueuedEvent[];
  /**
   * The drop counts this batch's body carries (`dropped`), claimed at its first attempt and
   * sent unchanged by every retry under the same id: a server that saw the id once has them.
   */
  reported: DropCounts | undefined;
  /** The counts were claimed (possibly none). */
  claimed: boolean;
  /**
   * An attempt that carried the counts may have arrived (timeout, lost connection): they are
   * never given back to the ledger, or a new batch_id would report the same loss again.
   */
  countsMaybeSent: boolean;
}

/**
 * How events become a request body, per wire protocol: each event is serialized once by
 * `event`, and `body` joins the kept texts inside the protocol's envelope (see {@link joinEvents}).
 */
export interface BodyFormat {
  /** Path of each kind's route, appended to the endpoint. */
  readonly paths: Readonly<Record<EventKind, string>>;
  /** Bytes each body keeps free for its envelope, on top of the events. */
  readonly envelopeBytes: number;
  /** One event's text (after beforeSend); `time` is the event's epoch ms. */
  event(wire: WireEvent, kind: EventKind, time: number): string;
  /** The body around a batch's serialized events; `apiKey` only on the browser's unload path. */
  body(batch: Batch, sentAt: string, dropped: DropCounts | undefined, apiKey?: string): string;
  /**
   * The wire event back from its text, where the format can (aither JSON): then a serialized
   * event lets its objects go, and onDrop gets them back from the text.
   */
  decode?(json: string): WireEvent;
}

/** What serialization needs from the client. */
export interface SerializeContext {
  /** The wire protocol's encoder. @default {@link AITHER_FORMAT} */
  format?: BodyFormat;
  maxEventBytes: number;
  beforeSend: ((event: WireEvent) => WireEvent | null) | undefined;
  /** Drop counts that will not be sent under their batch_id after all: back to the ledger. */
  release?(counts: DropCounts | undefined): void;
  /** Called for an event that cannot be sent, with what went wrong (undefined: nothing went wrong, nothing to report). */
  drop(event: QueuedEvent, reason: DropReason, detail: string | undefined): void;
  truncated(): void;
}

// toISOString costs about as much as serializing a small event; bursts share their second.
let cachedSecond = Number.NaN;
let cachedPrefix = "";

/** `new Date(ms).toISOString()`, reusing the text up to the seconds within one second. */
export function isoTime(ms: number): string {
  const second = Math.floor(ms / 1000);
  if (second !== cachedSecond) {
    cachedSecond = second;
    cachedPrefix = new Date(second * 1000).toISOString().slice(0, -4); // "YYYY-MM-DDTHH:MM:SS."
  }
  const millis = ms - second * 1000;
  return `${cachedPrefix}${millis < 10 ? "00" : millis < 100 ? "0" : ""}${millis}Z`;
}

function marker(value: unknown): { _aither_truncated: { bytes: number } } {
  return { _aither_truncated: { bytes: utf8Bytes(JSON.stringify(value) ?? "") } };
}

/**
 * Serialize an event once (timestamp, beforeSend, size limit). Returns false when the event
 * was dropped. The text is kept, so a retried batch is sent byte for byte the same.
 */
export function serializeEvent(event: QueuedEvent, ctx: SerializeContext): boolean {
  let wire: WireEvent | null | undefined = event.wire;
  if (!wire) return true; // serialized already
  wire.timestamp = isoTime(event.time);
  if (ctx.beforeSend) {
    try {
      wire = ctx.beforeSend(wire);
    } catch (error) {
      ctx.drop(event, "filtered", `beforeSend threw: ${messageOf(error)}`);
      return false;
    }
    if (wire === null || typeof wire !== "object") {
      ctx.drop(event, "filtered", undefined); // the hook's choice: counted and passed to onDrop, not an error
      return false;
    }
  }
  const format = ctx.format ?? AITHER_FORMAT;
  let json = format.event(wire, event.kind, event.time);
  let bytes = utf8Bytes(json);
  if (bytes > ctx.maxEventBytes) {
    // The markers replace the copies in the queued event too, so its memory goes with them.
    const slim = wire as WireEvent & { features?: unknown; metadata?: unknown };
    if (slim.features !== undefined) slim.features = marker(slim.features);
    if (slim.metadata !== undefined) slim.metadata = marker(slim.metadata) as Record<string, unknown>;
    json = format.event(slim, event.kind, event.time);
    bytes = utf8Bytes(json);
    if (bytes > ctx.maxEventBytes) {
      ctx.drop(event, "too_large", `event ${wire.id} is ${bytes} bytes without features and metadata, over maxEventBytes ${ctx.maxEventBytes}`);
      return false;
    }
    ctx.truncated();
  }
  event.json = json;
  event.bytes = bytes;
  if (format.decode) {
    // The text is all a queued event needs from now on: let the objects and the time go.
    event.wire = undefined;
    event.time = 0;
  }
  return true;
}

/**
 * Take the next batch of one kind from the head of the queue: at most `maxEvents` events and
 * `maxBytes` body bytes. Events are serialized here, off the caller's path, one batch at a
 * time, so draining a large backlog never blocks the event loop for long.
 */
export function cutBatch(queue: EventQueue, kind: EventKind, maxEvents: number, maxBytes: number, ctx: SerializeContext): Batch | undefined {
  const events: QueuedEvent[] = [];
  let bytes = 0;
  const budget = maxBytes - (ctx.format ?? AITHER_FORMAT).envelopeBytes;
  // Events given back by a failed batch are cut on their own, so the batch can keep its id.
  let retried: RetriedBatch | undefined;
  while (events.length < maxEvents) {
    const event = queue.shift(kind);
    if (!event) break;
    if (event.json === undefined && !serializeEvent(event, ctx)) continue;
    if (events.length === 0) retried = event.retryOf;
    if (events.length > 0 && (event.retryOf !== retried || bytes + event.bytes + 1 > budget)) {
      queue.restore([event]);
      break;
    }
    events.push(event);
    bytes += event.bytes + 1;
  }
  if (events.length === 0) return undefined;
  if (!retried) return { kind, id: createId(), events, reported: undefined, claimed: false, countsMaybeSent: false };
  for (const event of events) event.retryOf = undefined;
  // The same id only for the same events: the server skips a batch_id it has seen, so a
  // smaller cut (a beacon's budget, an event lost to queue_full) must get a new one, and the
  // counts the old id carried go back to the ledger, once.
  if (events.length === retried.count) {
    return { kind, id: retried.id, events, reported: retried.reported, claimed: true, countsMaybeSent: retried.countsMaybeSent };
  }
  if (!retried.countsMaybeSent) ctx.release?.(retried.reported);
  retried.reported = undefined;
  return { kind, id: createId(), events, reported: undefined, claimed: false, countsMaybeSent: false };
}

/** Split a batch answered 413 into two halves; each gets a new batch id. */
export function splitBatch(batch: Batch): [Batch, Batch] {
  const half = Math.ceil(batch.events.length / 2);
  const make = (events: QueuedEvent[]): Batch => ({ kind: batch.kind, id: createId(), events, reported: undefined, claimed: false, countsMaybeSent: false });
  return [make(batch.events.slice(0, half)), make(batch.events.slice(half))];
}

/**
 * The request body: a join of the already-serialized events inside the envelope. `apiKey` goes
 * in the body only on the browser's unload path, where headers cannot be set.
 */
export function encodeBody(batch: Batch, sentAt: string, dropped: DropCounts | undefined, apiKey?: string): string {
  let head = `{"batch_id":"${batch.id}","sent_at":"${sentAt}"`;
  if (dropped) head += `,"dropped":${JSON.stringify(dropped)}`;
  if (apiKey !== undefined) head += `,"api_key":${JSON.stringify(apiKey)}`;
  const list = batch.kind === "prediction" ? "predictions" : "labels";
  return `${head},"${list}":[${joinEvents(batch.events)}]}`;
}

/** The serialized events, comma-separated: the inside of a body's event array. */
export function joinEvents(events: readonly QueuedEvent[]): string {
  let text = "";
  for (let i = 0; i < events.length; i++) {
    if (i > 0) text += ",";
    text += (events[i] as QueuedEvent).json;
  }
  return text;
}

/** aither JSON v1 (SPEC section 5): the default protocol. */
export const AITHER_FORMAT: BodyFormat = {
  paths: { prediction: "/v1/predictions/batch", label: "/v1/labels/batch" },
  envelopeBytes: ENVELOPE_BYTES,
  event: (wire) => JSON.stringify(wire),
  body: encodeBody,
  decode: (json) => JSON.parse(json) as WireEvent,
};
