import { createServer, type IncomingHttpHeaders, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { countEvents, parseBatch } from "./batch.ts";
import { decodeJsonBody, type RawBody, readBody, RequestError } from "./body.ts";
import { createFaults, type FaultOptions, validateFaults } from "./faults.ts";
import { countSpans, parseTraces } from "./otlp.ts";
import { createPage } from "./page/routes.ts";
import { readRoute } from "./read-routes.ts";
import { createStore, type EventKind, type Store, UnstorableEventError } from "./store.ts";

/** Options for {@link startCollector}. */
export interface CollectorOptions {
  /** Port to listen on; 0 picks a free one (read it from `collector.port`). @default 4318 */
  port?: number;
  /** @default "127.0.0.1" */
  host?: string;
  /** JSONL file that keeps events across restarts. @default none: memory only */
  dataFile?: string;
  /**
   * When non-empty, `/v1/*` requests must send one of these as `X-API-Key` (batches may put it
   * in the body as `"api_key"` instead), else 401; so must `/_*` requests (header only).
   * `/health` never needs a key.
   * @default []
   */
  apiKeys?: string[];
  /** Fault injection for batch routes; change later with `setFaults` or `POST /_faults`. */
  faults?: FaultOptions;
  /** Receives one line per batch request. @default none */
  log?: (line: string) => void;
  /** Largest accepted body in bytes, before and after gunzip; larger gets 413. @default 10 MiB */
  maxBodyBytes?: number;
  /**
   * On `close()`, how long requests in progress may take to finish before their connections
   * are cut; idle keep-alive connections close at once. @default 2000
   */
  closeGraceMs?: number;
}

/** One batch request as the collector saw it. */
export interface RequestRecord {
  method: string;
  path: string;
  headers: IncomingHttpHeaders;
  /** Status answered; 0 when the connection was dropped on purpose. */
  status: number;
  /** Events in the body (0 if it could not be decoded). */
  events: number;
  batchId?: string;
  /** Epoch ms when the request arrived. */
  at: number;
}

/** A running collector. */
export interface Collector {
  /** Base URL, e.g. `http://127.0.0.1:4318`; pass it as the SDK endpoint. */
  readonly url: string;
  /** The web page at `/` that shows what arrived, live (README "Local collector"). */
  readonly pageUrl: string;
  readonly port: number;
  readonly store: Store;
  /** Batch requests, oldest first, capped to the last 10000. Cleared by `POST /_reset`. */
  readonly requests: RequestRecord[];
  /** Sum of the `dropped` counts clients reported, by reason. */
  readonly clientDropped: Record<string, number>;
  /** Replace the fault options (`{}` clears) and restart the failFirst/dropFirst count. */
  setFaults(faults: FaultOptions): void;
  /**
   * Stop listening, close idle keep-alive sockets, let requests in progress finish (up to
   * `closeGraceMs`, then cut them), and wait for the store to reach disk.
   */
  close(): Promise<void>;
}

const MAX_RECORDS = 10_000;
// "traces": OTLP/HTTP JSON, both kinds in one body (collector/otlp.ts).
const BATCH_ROUTES: Record<string, EventKind | "traces"> = { "/v1/predictions/batch": "prediction", "/v1/labels/batch": "label", "/v1/traces": "traces" };
// Headers a page may send (the preflight's fallback when it names none) and may read: the SDK
// reads Retry-After, which is not CORS-safelisted, to pause sending after a 429 or 503.
// No Access-Control-Allow-Credentials: the SDK never sends cookies, so pages get none of that.
const ALLOW_HEADERS = "content-type, content-encoding, x-api-key, idempotency-key, x-aither-sdk";
const CORS_HEADERS = {
  "access-control-allow-methods": "GET, POST, OPTIONS",
  "access-control-expose-headers": "retry-after",
  "access-control-max-age": "600",
};

/**
 * Start a local collector that speaks the aither wire protocol (SPEC sections 5 and 6).
 * @example
 * const collector = await startCollector({ port: 0, faults: { failFirst: 1 } }); // SDK at collector.url
 * expect(collector.store.predictions()).toHaveLength(1);
 * await collector.close();
 */
export async function startCollector(options: CollectorOptions = {}): Promise<Collector> {
  // The page's aggregates observe the store from its first event, the loaded file included.
  const page = createPage(() => store);
  const store = createStore({ observer: page.observer, ...(options.dataFile === undefined ? {} : { file: options.dataFile }) });
  const faults = createFaults(options.faults);
  const apiKeys = new Set(options.apiKeys ?? []);
  const maxBodyBytes = options.maxBodyBytes ?? 10 * 1024 * 1024;
  const closeGraceMs = options.closeGraceMs ?? 2000;
  if (typeof closeGraceMs !== "number" || !(closeGraceMs >= 0)) {
    throw new TypeError(`closeGraceMs must be a non-negative number, got ${JSON.stringify(closeGraceMs)}`);
  }
  const requests: RequestRecord[] = [];

  const authorized = (req: IncomingMessage, body?: unknown): boolean => {
    if (apiKeys.size === 0) return true;
    const header = req.headers["x-api-key"];
    if (typeof header === "string" && apiKeys.has(header)) return true;
    const inBody = (body as { api_key?: unknown } | null | undefined)?.api_key;
    return typeof inBody === "string" && apiKeys.has(inBody);
  };

  // Bytes of batch bodies as read from the connection (compressed, chunked or not), for GET /v1/stats.
  let wireBytes = 0;

  const handleBatch = async (req: IncomingMessage, res: ServerResponse, kind: EventKind | "traces", raw: RawBody) => {
    const record: RequestRecord = {
      method: "POST",
      path: req.url ?? "",
      headers: req.headers,
      status: 0,
      events: 0,
      at: Date.now(),
    };
    requests.push(record);
    if (requests.length > MAX_RECORDS) requests.shift();
    wireBytes += raw.size;
    const latency = faults.latencyMs;
    if (latency > 0) await new Promise((resolve) => setTimeout(resolve, latency));
    let body: unknown;
    let problem: unknown;
    try {
      body = await decodeJsonBody(req.headers, raw, maxBodyBytes);
      record.events = kind === "traces" ? countSpans(body) : countEvents(kind, body);
      // OTLP bodies have no batch id; the SDK's Idempotency-Key header names the batch.
      const batchId = kind === "traces" ? req.headers["idempotency-key"] : (body as { batch_id?: unknown }).batch_id;
      if (typeof batchId === "string") record.batchId = batchId;
    } catch (error) {
      problem = error;
    }
    const decision = faults.decide();
    if (decision.kind === "drop") {
      options.log?.(`POST ${record.path} dropped connection (fault)`);
      req.socket.destroy();
      return;
    }
    const answer = (status: number, json: unknown, headers: Record<string, string> = {}) => {
      record.status = status;
      sendJson(res, status, json, headers);
      options.log?.(`POST ${record.path} ${status} ${record.events} events ${JSON.stringify(json)}`);
    };
    if (decision.kind === "fail") {
      const headers: Record<string, string> = decision.retryAfter ? { "retry-after": decision.retryAfter } : {};
      return answer(decision.status, { error: `injected fault: answering ${decision.status}` }, headers);
    }
    // Auth before the body's validity: a client without a key learns nothing about the body.
    // An undecodable body has no readable api_key, so only the header can authorize it.
    if (!authorized(req, problem ? undefined : body)) return answer(401, { error: "missing or unknown API key (X-API-Key or api_key)" });
    try {
      if (problem) throw problem;
      if (kind === "traces") {
        const traces = parseTraces(body);
        store.addBatch({ predictions: traces.predictions, labels: traces.labels });
        const key = req.headers["idempotency-key"];
        if (traces.dropped) store.addClientDropped(traces.dropped, typeof key === "string" ? key : undefined);
        // OTLP's success answer; duplicates are not rejections, so nothing is partial.
        return answer(200, { partialSuccess: {} });
      }
      const batch = parseBatch(kind, body);
      const result = kind === "prediction" ? store.addPredictions(batch.events) : store.addLabels(batch.events);
      if (batch.dropped) store.addClientDropped(batch.dropped, batch.batchId);
      answer(200, result);
    } catch (error) {
      // Nothing of the batch is stored when an event cannot be serialized.
      if (error instanceof UnstorableEventError) return answer(400, { error: error.message });
      if (!(error instanceof RequestError)) throw error;
      answer(error.status, { error: error.message });
    }
  };

  // `/_faults` and `/_reset` are for tests and scripts, never for web pages: a request that
  // carries an Origin (every browser POST does) is refused, and keys apply when configured.
  const handleControl = async (req: IncomingMessage, res: ServerResponse, path: string, raw: RawBody): Promise<void> => {
    if (req.headers.origin !== undefined) {
      return sendJson(res, 403, { error: `${path} does not accept requests from web pages (Origin header present)` });
    }
    if (!authorized(req)) return sendJson(res, 401, { error: "missing or unknown API key (X-API-Key)" });
    if (path === "/_faults" && req.method === "POST") {
      const next = validateFaults(await decodeJsonBody(req.headers, raw, maxBodyBytes));
      faults.set(next);
      return sendJson(res, 200, { faults: next });
    }
    if (path === "/_reset" && req.method === "POST") {
      await store.reset();
      requests.length = 0;
      wireBytes = 0;
      return sendJson(res, 200, { ok: true });
    }
    sendJson(res, 404, { error: `no route for ${req.method} ${path}` });
  };

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const url = new URL(req.url ?? "/", "http://collector");
    const path = url.pathname;
    const control = path.startsWith("/_");
    const origin = req.headers.origin;
    if (origin && !control) {
      res.setHeader("access-control-allow-origin", origin);
      for (const [name, value] of Object.entries(CORS_HEADERS)) res.setHeader(name, value);
      // A preflight is answered with the headers it asks for: the SDK's `headers` option may add
      // any (Authorization, a tenant header), and a local collector has nothing to protect.
      const requested = req.headers["access-control-request-headers"];
      res.setHeader("access-control-allow-headers", typeof requested === "string" && requested.trim() !== "" ? requested : ALLOW_HEADERS);
      res.setHeader("vary", "Origin, Access-Control-Request-Headers");
    }
    const raw = await readBody(req, maxBodyBytes);
    if (control) return handleControl(req, res, path, raw);
    if (req.method === "OPTIONS") return void res.writeHead(204).end();
    const batchKind = BATCH_ROUTES[path];
    if (batchKind && req.method === "POST") return handleBatch(req, res, batchKind, raw);
    // HEAD is answered like GET, without the body (sendJson leaves it out).
    const reading = req.method === "GET" || req.method === "HEAD";
    if (path === "/health" && reading) return sendJson(res, 200, { ok: true });
    if (path.startsWith("/v1/") && reading && !authorized(req)) {
      return sendJson(res, 401, { error: "missing or unknown API key (X-API-Key)" });
    }
    if (reading && (await page.handle(req, res, url))) return;
    const read = reading ? readRoute(store, url, wireBytes) : undefined;
    if (read) return sendJson(res, read.status, read.body);
    sendJson(res, 404, { error: `no route for ${req.method} ${path}` });
  };

  const server = createServer((req, res) => {
    handle(req, res).catch((error: unknown) => {
      // TypeError comes from validateFaults; anything else is our bug and answers 500.
      const status = error instanceof RequestError ? error.status : error instanceof TypeError ? 400 : 500;
      if (res.headersSent || res.destroyed) return void res.destroy();
      sendJson(res, status, { error: error instanceof Error ? error.message : String(error) });
    });
  });
  // Idle keep-alive sockets close soon, so SDK clients reuse connections during a burst of flushes.
  server.keepAliveTimeout = 5000;
  const host = options.host ?? "127.0.0.1";
  try {
    await new Promise<void>((resolve, reject) => {
      server.once("error", reject);
      server.listen(options.port ?? 4318, host, () => {
        server.off("error", reject);
        resolve();
      });
    });
  } catch (error) {
    await store.close();
    throw error;
  }
  const port = (server.address() as AddressInfo).port;
  const url = `http://${host.includes(":") ? `[${host}]` : host}:${port}`;

  return {
    url,
    pageUrl: `${url}/`,
    port,
    store,
    requests,
    get clientDropped() {
      return store.clientDropped();
    },
    setFaults: (next) => faults.set(next),
    async close() {
      // server.close() stops accepting and resolves once every connection has ended. Idle
      // keep-alive sockets are closed now and again as requests in progress finish (their socket
      // turns idle); whatever is still busy after the grace period is cut.
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      // Open pages hold a stream each; end them, or they would wait out the grace period.
      page.close();
      const deadline = Date.now() + closeGraceMs;
      let timer: ReturnType<typeof setTimeout> | undefined;
      const sweep = () => {
        if (Date.now() >= deadline) return server.closeAllConnections();
        server.closeIdleConnections();
        timer = setTimeout(sweep, 20);
      };
      sweep();
      await closed;
      clearTimeout(timer);
      await store.close();
    },
  };
}

/** Answer with a JSON body (or none for HEAD, and for 204, 205 and 304, which never have one). */
function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  if (status === 204 || status === 304) return void res.writeHead(status, headers).end();
  if (status === 205) return void res.writeHead(status, { ...headers, "content-length": 0 }).end();
  const text = JSON.stringify(body);
  res.writeHead(status, { ...headers, "content-type": "application/json", "content-length": Buffer.byteLength(text) });
  res.end(res.req.method === "HEAD" ? undefined : text);
}
