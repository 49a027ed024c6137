import type { IncomingMessage, ServerResponse } from "node:http";
import type { Store, StoreObserver } from "../store.ts";
import { readAsset } from "./assets.ts";
import { exportPredictions } from "./export.ts";
import { newestMatching, parseFilter, toRow } from "./filter.ts";
import { createLiveHub } from "./live.ts";
import { createOverview } from "./overview.ts";

/** The collector's web page: its aggregates, its live stream and its routes. */
export interface Page {
  /** Plug into the store: keeps the aggregates and feeds the live stream. */
  observer: StoreObserver;
  /** Answer `GET /`, the page's files and `/v1/page/*`; false for any other request. Auth is checked before. */
  handle(req: IncomingMessage, res: ServerResponse, url: URL): Promise<boolean>;
  /** End the live streams. */
  close(): void;
}

// The page loads only its own files and talks only to its own origin.
const PAGE_HEADERS = {
  "content-security-policy": "default-src 'self'; img-src 'self' data:; base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
  "x-content-type-options": "nosniff",
  "referrer-policy": "no-referrer",
  "cache-control": "no-cache",
};

/** Create the page over a store that is created after it (`getStore` is called only once requests come). */
export function createPage(getStore: () => Store): Page {
  const overview = createOverview();
  const view = () => overview.view(getStore().clientDropped());
  const row = (event: Parameters<typeof toRow>[0]) => toRow(event, overview.labelOf(event.id));
  const live = createLiveHub({ overview: view, row, latest: (filter, limit) => newestMatching(getStore().newest("prediction"), filter, limit) });

  const observer: StoreObserver = {
    added(kind, event, receivedAt, prediction) {
      overview.added(kind, event, receivedAt, prediction);
      if (kind === "prediction") live.push(event);
    },
    duplicate: (kind, event) => overview.duplicate(kind, event),
    reset: () => overview.reset(),
  };

  const handle = async (req: IncomingMessage, res: ServerResponse, url: URL): Promise<boolean> => {
    if (req.method !== "GET" && req.method !== "HEAD") return false;
    const path = url.pathname;
    const asset = path === "/" || path.startsWith("/page/") ? readAsset(path) : undefined;
    if (asset === null) {
      sendText(res, 503, "The page's files were not found next to this collector (collector/page/static in the aither package).");
      return true;
    }
    if (asset) {
      res.writeHead(200, { ...PAGE_HEADERS, "content-type": asset.type, "content-length": asset.body.length });
      res.end(req.method === "HEAD" ? undefined : asset.body);
      return true;
    }
    const store = getStore();
    const filter = parseFilter(url.searchParams);
    switch (path) {
      case "/v1/page/overview":
        sendJson(res, 200, view());
        return true;
      case "/v1/page/live":
        live.subscribe(res, filter);
        return true;
      case "/v1/page/event": {
        const prediction = store.prediction(url.searchParams.get("id") ?? "");
        if (!prediction) sendJson(res, 404, { error: `no stored prediction with id "${url.searchParams.get("id") ?? ""}"` });
        else sendJson(res, 200, { prediction, labels: store.labels({ predictionId: prediction.id, limit: 1000 }) });
        return true;
      }
      case "/v1/page/export": {
        const format = url.searchParams.get("format") ?? "jsonl";
        if (format !== "jsonl" && format !== "csv") sendJson(res, 400, { error: `format must be "jsonl" or "csv", got "${format}"` });
        else await exportPredictions(res, store, filter, format);
        return true;
      }
      default:
        return false;
    }
  };

  return { observer, handle, close: () => live.close() };
}

function sendJson(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { "content-type": "application/json", "content-length": Buffer.byteLength(text), "cache-control": "no-store" });
  res.end(res.req.method === "HEAD" ? undefined : text);
}

function sendText(res: ServerResponse, status: number, text: string): void {
  res.writeHead(status, { "content-type": "text/plain; charset=utf-8", "content-length": Buffer.byteLength(text) });
  res.end(text);
}
