import type { Store } from "./store.ts";

/** A JSON answer to send. */
export interface ReadAnswer {
  status: number;
  body: unknown;
}

const DEFAULT_LIMIT = 100;

/**
 * Answer the GET routes that read the store back, or `undefined` for any other path.
 * `GET /v1/predictions?model_id=&limit=`, `GET /v1/labels?prediction_id=&limit=` (newest last,
 * limit 100 by default; an empty `model_id` or `prediction_id` means no filter) and `GET /v1/stats`
 * (counts, and the process's memory).
 */
export function readRoute(store: Store, url: URL, wireBytes = 0): ReadAnswer | undefined {
  const query = url.searchParams;
  switch (url.pathname) {
    case "/v1/predictions":
    case "/v1/labels": {
      const limit = parseLimit(query.get("limit"));
      if (typeof limit === "string") return { status: 400, body: { error: limit } };
      if (url.pathname === "/v1/labels") {
        const predictionId = query.get("prediction_id") || undefined;
        return { status: 200, body: { labels: store.labels({ predictionId, limit }) } };
      }
      const modelId = query.get("model_id") || undefined;
      return { status: 200, body: { predictions: store.predictions({ modelId, limit }) } };
    }
    case "/v1/stats": {
      const byModel = store.counts();
      const stats = {
        predictions: Object.values(byModel).reduce((sum, n) => sum + n, 0),
        labels: store.labels().length,
        by_model: byModel,
        duplicates: store.duplicates(),
        client_dropped: store.clientDropped(),
        wire_bytes: wireBytes,
        // The collector's own process, for sizing it (the load test prints these).
        memory: { rss_bytes: process.memoryUsage.rss(), heap_used_bytes: process.memoryUsage().heapUsed },
      };
      return { status: 200, body: stats };
    }
    default:
      return undefined;
  }
}

/** The limit as a number, or an error message. */
function parseLimit(value: string | null): number | string {
  if (value === null || value === "") return DEFAULT_LIMIT;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0) return `limit must be a non-negative integer, got "${value}"`;
  return n;
}
