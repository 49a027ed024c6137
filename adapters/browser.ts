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
import { AitherHttpError } from "../src/errors.ts";
import { createGlobalApi, type GlobalApi } from "../src/global.ts";
import type { AitherOptions } from "../src/options.ts";
import { streamGzip } from "../src/compress.ts";
import type { AdapterHost, EncodedBody, RuntimeAdapter } from "../src/runtime.ts";
import { handOff, MAX_BEACON_BYTES, postText, reserveKeepalive } from "./browser-beacon.ts";
import { type CarryOverEntry, createCarryOver } from "./browser-carry-over.ts";
import { fetchTransport } from "../src/transport.ts";

export * from "../src/public.ts";

type Listen = (type: string, listener: () => void) => void;
interface BrowserGlobals {
  document?: { visibilityState?: string; addEventListener: Listen; removeEventListener: Listen };
  addEventListener?: Listen;
  removeEventListener?: Listen;
}

// Page-wide state, shared by every client of this realm: carry-over entries in flight or
// handed to the browser in this page's life (not to be resent until the next load), their
// owners (to count them as sent), and the back-off of the resend.
const sending = new Set<string>();
const owners = new Map<string, { host: AdapterHost; body: EncodedBody }>();
let resendAfter = 0;
const RESEND_BACKOFF_MS = 30_000;
const carry = createCarryOver();

/**
 * Send the carry-over (bodies of earlier pages, or left over by a hide) with a plain fetch,
 * removing each entry that an answer settles. Never throws.
 */
function resendCarryOver(report: (error: AitherHttpError) => void): void {
  if (Date.now() < resendAfter) return;
  for (const entry of carry.list()) {
    if (sending.has(entry.id)) continue;
    sending.add(entry.id);
    void postText(entry.url, entry.body, entry.bytes).then((status) => {
      if (!settle(entry, status, report)) {
        sending.delete(entry.id);
        resendAfter = Date.now() + RESEND_BACKOFF_MS;
      }
    });
  }
}

/** Act on an answer to a carry-over body; false when it must be tried again. */
function settle(entry: Pick<CarryOverEntry, "id" | "count">, status: number, report: (error: AitherHttpError) => void): boolean {
  const ok = status >= 200 && status < 300;
  // 4xx other than 408/429 will never succeed: drop it rather than resend it on every load.
  const rejected = status >= 400 && status < 500 && status !== 408 && status !== 429;
  if (!ok && !rejected) return false;
  carry.remove(entry.id);
  const owner = owners.get(entry.id);
  owners.delete(entry.id);
  if (ok) owner?.host.confirm([owner.body]);
  else report(new AitherHttpError(status, entry.count, undefined, `unload batch of ${entry.count} event(s) rejected with ${status}`));
  return true;
}

/** Create the adapter for a browser page or a dedicated Web Worker. */
export function createBrowserAdapter(): RuntimeAdapter {
  let report: (error: AitherHttpError) => void = () => {};
  let attached = false;
  return {
    name: "browser",
    startTimer(tick, intervalMs) {
      const timer = setInterval(() => {
        tick();
        if (attached) resendCarryOver(report);
      }, intervalMs);
      return () => clearInterval(timer);
    },
    sleepUnref: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
    attach(host) {
      report = (error) => host.report(error);
      attached = true;
      const g = globalThis as BrowserGlobals;
      const doc = g.document;
      const hide = (): void => handOffQueue(host);
      const onVisibility = (): void => {
        if (doc?.visibilityState === "hidden") hide();
      };
      const online = (): void => {
        resendAfter = 0;
        resendCarryOver(report);
        void host.flush();
      };
      // Both fire on unload (pagehide first); the second finds the queue empty. Older Safari
      // skips visibilitychange when the page unloads, pagehide covers it (WebKit 116769).
      // Workers have no document: only `online` applies there.
      doc?.addEventListener("visibilitychange", onVisibility);
      if (doc) g.addEventListener?.("pagehide", hide);
      g.addEventListener?.("online", online);
      const first = setTimeout(() => resendCarryOver(report), 0);
      return () => {
        attached = false;
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
    keepalive: reserveKeepalive,
  };
}

/**
 * Hand the whole queue to the browser at once, after writing it to the carry-over. Bodies the
 * browser would not take and storage could not keep go back to the queue.
 */
function handOffQueue(host: AdapterHost): void {
  const bodies = host.takeBodies(MAX_BEACON_BYTES);
  if (bodies.length === 0) return;
  const stored = carry.save(bodies);
  for (const body of bodies) if (stored.has(body.batchId)) owners.set(body.batchId, { host, body });
  const left = handOff(
    bodies,
    (body) => sending.add(body.batchId),
    (body, status) => {
      if (stored.has(body.batchId)) {
        if (!settle({ id: body.batchId, count: body.count }, status, (e) => host.report(e))) sending.delete(body.batchId);
        return;
      }
      sending.delete(body.batchId);
      if (status >= 200 && status < 300) host.confirm([body]);
      else if (!settle({ id: body.batchId, count: body.count }, status, (e) => host.report(e))) host.restore([body]);
    },
  );
  // Stored left-overs are sent from storage by the next tick, or by the next page load.
  const unkept = left.filter((body) => !stored.has(body.batchId));
  if (unkept.length > 0) host.restore(unkept);
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
/** Wrap a model (function, tfjs model, onnxruntime session, transformers.js pipeline, Workers AI binding): each call logs a prediction. */
export const wrap: GlobalApi["wrap"] = api.wrap;
/** The id of the prediction logged for a wrapped call's object result. */
export const predictionIdOf: GlobalApi["predictionIdOf"] = api.predictionIdOf;
