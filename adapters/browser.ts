/**
 * The browser entry of aither, for pages and dedicated Web Workers. A page hands its whole
 * queue to the browser when it is hidden or closed (keepalive fetch, then sendBeacon, as
 * uncompressed `text/plain` with `api_key` in the body) and keeps a copy in `localStorage`
 * until an answer confirms it; the next page load sends what is left. A worker has only the
 * timer: see the README for how its page asks it to flush.
 *
 * @example
 * import * as aither from "aither";
 * aither.init({ apiKey: "ak_...", endpoint: "https://aither.computer" });
 * aither.logPrediction({ modelId: "churn-classifier-v2", prediction: 0.73 });
 *
 * @module
 */
import { AitherClient as CoreClient } from "../src/client.ts";
import { AitherHttpError, UNAUTHORIZED_HINT } from "../src/errors.ts";
import { createGlobalApi, type GlobalApi, type WrapOptions, wrapModel } from "../src/global.ts";
import type { AitherOptions } from "../src/options.ts";
import type { Outcome } from "../src/outcome.ts";
import { streamGzip } from "../src/compress.ts";
import { dropError } from "../src/report.ts";
import type { AdapterHost, EncodedBody, RuntimeAdapter } from "../src/runtime.ts";
import type { DropReason } from "../src/types.ts";
import { handOff, MAX_BEACON_BYTES, postText, reserveKeepalive } from "./browser-beacon.ts";
import { type CarryOverEntry, createCarryOver, MAX_CARRY_OVER_BYTES } from "./browser-carry-over.ts";
import { fetchTransport } from "../src/transport.ts";

export * from "../src/public.ts";

type Listen = (type: string, listener: () => void) => void;
interface BrowserGlobals {
  document?: { visibilityState?: string; addEventListener: Listen; removeEventListener: Listen };
  addEventListener?: Listen;
  removeEventListener?: Listen;
}

/** A body this page handed off, and the client whose events it holds. */
interface Owner {
  host: AdapterHost;
  body: EncodedBody;
  /** A copy is in the carry-over; false when it never fit or the size cap pushed it out. */
  stored: boolean;
  /** A beacon took it: no answer will come in this page's life. */
  beacon: boolean;
}

// Page-wide state, shared by every client of this realm: carry-over entries in flight or
// handed to the browser in this page's life (not to be resent until the next load), the
// bodies this page handed off with their clients (to count them as sent or dropped), and the
// back-off of the resend.
const sending = new Set<string>();
const owners = new Map<string, Owner>();
// Carry-over copies of requests in flight without keepalive, removed when the request settles.
const guarding = new Set<string>();
let resendAfter = 0;
const RESEND_BACKOFF_MS = 30_000;
// Entries the carry-over's size cap (or a full localStorage) pushed out, until the caller of
// the write that pushed them out accounts for them (see evicted()).
const discarded: CarryOverEntry[] = [];
const carry = createCarryOver(MAX_CARRY_OVER_BYTES, (entry) => discarded.push(entry));

/** Store bodies in the carry-over; returns the batch ids kept. */
function store(bodies: readonly EncodedBody[], current: AdapterHost): Set<string> {
  const kept = carry.save(bodies);
  evicted(current);
  return kept;
}

/** Remove a settled entry from the carry-over. */
function unstore(id: string, current: AdapterHost | undefined): void {
  carry.remove(id);
  evicted(current);
}

/**
 * Account for entries that the last write pushed out of storage. This page's bodies: one in
 * flight is decided by its answer (a failure gives it back to its queue); one that a beacon
 * took is gone from our hands either way (the browser delivers it or not, unseen), so it is
 * not counted as lost; one waiting to be resent is lost: dropped (`queue_full`, the size
 * bound). Bodies of earlier page loads (or other tabs) belong to no live client: a warning.
 */
function evicted(current: AdapterHost | undefined): void {
  if (discarded.length === 0) return;
  let foreign = 0;
  for (const entry of discarded.splice(0)) {
    // A copy of a request still in flight: nothing is lost yet, its request decides.
    if (guarding.delete(entry.id)) continue;
    const owner = owners.get(entry.id);
    if (!owner) {
      foreign += Number.isFinite(entry.count) ? entry.count : 0;
      continue;
    }
    owner.stored = false;
    if (owner.beacon) owners.delete(entry.id);
    else if (!sending.has(entry.id)) {
      owners.delete(entry.id);
      const detail = `localStorage carry-over full (${MAX_CARRY_OVER_BYTES} bytes or the quota): oldest unsent batch discarded`;
      owner.host.page.drop([owner.body], "queue_full", dropError(owner.body.count, "queue_full", detail));
    }
  }
  if (foreign > 0) {
    current?.warn(`localStorage carry-over full: ${foreign} unsent event(s) of an earlier page load discarded`);
  }
}

// Worded as the sender words a batch it drops, so both paths report alike.
function unloadError(outcome: Extract<Outcome, { kind: "drop" | "split" }>, count: number, reason: DropReason, earlier: boolean): AitherHttpError {
  const what = earlier ? `unload batch of ${count} event(s) left by an earlier page load` : `unload batch of ${count} event(s)`;
  const hint = reason === "unauthorized" ? UNAUTHORIZED_HINT : "";
  const message = `${what} answered ${outcome.status}: ${outcome.message}; dropped (${reason})${hint}`;
  return new AitherHttpError(outcome.status, count, outcome.message, message);
}

/**
 * Send the carry-over (bodies of earlier pages, or left over by a hide) with a plain fetch,
 * removing each entry that an answer settles. Never throws.
 */
function resendCarryOver(current: AdapterHost): void {
  if (Date.now() < resendAfter) return;
  for (const entry of carry.list()) {
    if (sending.has(entry.id)) continue;
    sending.add(entry.id);
    void postText(entry.url, entry.body, entry.bytes).then((outcome) => {
      if (!settle(entry, outcome, current)) {
        sending.delete(entry.id);
        resendAfter = Date.now() + RESEND_BACKOFF_MS;
      }
    });
  }
}

/**
 * Act on an answer to a handed-off or carried-over body; false when it must be tried again
 * from storage. This page's bodies are confirmed, dropped (counted, onDrop) or, answered 413
 * or failing with no copy in storage, given back to their client's queue, whose sender splits
 * and retries them. Bodies of earlier page loads are reported through `current`.
 */
function settle(entry: Pick<CarryOverEntry, "id" | "count">, outcome: Outcome, current: AdapterHost | undefined): boolean {
  const owner = owners.get(entry.id);
  if (outcome.kind === "retry") {
    if (!owner || owner.stored) return false;
    owners.delete(entry.id);
    owner.host.page.restore([owner.body]);
    return true;
  }
  owners.delete(entry.id);
  unstore(entry.id, current ?? owner?.host);
  if (outcome.kind === "ok") owner?.host.page.confirm([owner.body]);
  else if (outcome.kind === "split" && owner) owner.host.page.restore([owner.body]);
  else {
    const reason = outcome.kind === "split" ? "too_large" : outcome.reason;
    if (owner) owner.host.page.drop([owner.body], reason, unloadError(outcome, owner.body.count, reason, false));
    else current?.report(unloadError(outcome, entry.count, reason, true));
  }
  return true;
}

/** Create the adapter for a browser page or a dedicated Web Worker. */
export function createBrowserAdapter(): RuntimeAdapter {
  let current: AdapterHost | undefined;
  return {
    name: "browser",
    startTimer(tick, intervalMs) {
      const timer = setInterval(() => {
        tick();
        if (current) resendCarryOver(current);
      }, intervalMs);
      return () => clearInterval(timer);
    },
    sleepUnref: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
    attach(host) {
      current = host;
      const g = globalThis as BrowserGlobals;
      const doc = g.document;
      const hide = (): void => handOffQueue(host);
      const onVisibility = (): void => {
        if (doc?.visibilityState === "hidden") hide();
      };
      const online = (): void => {
        resendAfter = 0;
        resendCarryOver(host);
        void host.flush();
      };
      // Both fire on unload (pagehide first); the second finds the queue empty. Older Safari
      // skips visibilitychange when the page unloads, pagehide covers it (WebKit 116769).
      // Workers have no document: only `online` applies there.
      doc?.addEventListener("visibilitychange", onVisibility);
      if (doc) g.addEventListener?.("pagehide", hide);
      g.addEventListener?.("online", online);
      const first = setTimeout(() => resendCarryOver(host), 0);
      return () => {
        current = undefined;
        clearTimeout(first);
        doc?.removeEventListener("visibilitychange", onVisibility);
        if (doc) g.removeEventListener?.("pagehide", hide);
        g.removeEventListener?.("online", online);
      };
    },
    // Timer path only: the unload path is uncompressed text/plain (beacons carry no headers).
    gzip: streamGzip(),
    transport: fetchTransport,
    // Timer-path requests also go keepalive while the page's budget allows: a batch in flight
    // when the page closes still arrives, and a Web Worker gets the SPEC's keepalive fetch.
    page: { keepalive: reserveKeepalive },
  };
}

/**
 * Hand the whole queue to the browser at once, after writing it to the carry-over. Bodies the
 * browser would not take and storage could not keep go back to the queue.
 */
function handOffQueue(host: AdapterHost): void {
  // First the queue, with the batches sleeping out a backoff (takeBodies takes them back), then
  // the requests still in flight.
  const bodies = host.page.takeBodies(MAX_BEACON_BYTES);
  guardInFlight(host);
  if (bodies.length === 0) {
    host.page.accounted();
    return;
  }
  const stored = store(bodies, host);
  for (const body of bodies) owners.set(body.batchId, { host, body, stored: stored.has(body.batchId), beacon: false });
  const left = handOff(
    bodies,
    (body, kind) => {
      sending.add(body.batchId);
      if (kind !== "beacon") return;
      const owner = owners.get(body.batchId);
      if (owner) owner.beacon = true;
      // Not stored: nothing more will happen to it in this page.
      if (owner && !owner.stored) owners.delete(body.batchId);
    },
    (body, outcome) => {
      if (!settle({ id: body.batchId, count: body.count }, outcome, host)) sending.delete(body.batchId);
    },
  );
  // Stored left-overs are sent from storage by the next tick, or by the next page load.
  const unkept = left.filter((body) => !stored.has(body.batchId));
  for (const body of unkept) owners.delete(body.batchId);
  if (unkept.length > 0) host.page.restore(unkept);
  host.page.accounted();
}

/**
 * Requests in flight without keepalive (over the page's budget) die with the page: keep a copy
 * of each in the carry-over until its request settles. If the page closes first, the next load
 * sends the copy (same batch_id: harmless if the request had arrived after all).
 */
function guardInFlight(host: AdapterHost): void {
  const fresh = host.page.inFlightBodies().filter(({ body }) => !guarding.has(body.batchId));
  if (fresh.length === 0) return;
  const kept = store(
    fresh.map(({ body }) => body),
    host,
  );
  for (const { body, settled } of fresh) {
    if (!kept.has(body.batchId)) continue;
    guarding.add(body.batchId);
    sending.add(body.batchId); // in flight already: not to be resent from storage by this page
    void settled.finally(() => {
      // Whatever the outcome, the batch settled in this page: its own path counts it (sent,
      // dropped, or back in the queue, where a later hide stores it again). If a later hide
      // already took it back and handed it off under the same id, that entry is the hand-off's.
      if (!guarding.delete(body.batchId) || owners.has(body.batchId)) return;
      sending.delete(body.batchId);
      unstore(body.batchId, host);
    });
  }
}

/** {@link CoreClient} wired to the browser adapter. */
export class AitherClient extends CoreClient {
  /** @throws {AitherValidationError} naming the first bad option. */
  constructor(options?: AitherOptions) {
    super(options, createBrowserAdapter());
  }
}

const api: GlobalApi = createGlobalApi(() => createBrowserAdapter());
/** Create (or replace) the global client. */
export const init: GlobalApi["init"] = api.init;
/** The global client, created from the environment if `init` was not called. */
export const getClient: GlobalApi["getClient"] = api.getClient;
/** Queue a prediction on the global client; returns its id at once. */
export const logPrediction: GlobalApi["logPrediction"] = api.logPrediction;
/** Queue a label (ground truth) on the global client. */
export const logLabel: GlobalApi["logLabel"] = api.logLabel;
/** Send what the global client has queued. Never rejects. */
export const flush: GlobalApi["flush"] = api.flush;
/** Flush and stop the global client. */
export const close: GlobalApi["close"] = api.close;
/** Counters of the global client. */
export const stats: GlobalApi["stats"] = api.stats;
/** Wrap a model (function, tfjs, onnxruntime, transformers.js, Workers AI): each call logs a prediction on `options.client`, else the global client. */
export function wrap<T extends object>(target: T, options?: WrapOptions<T>): T {
  return wrapModel(target, options, api.getClient);
}
