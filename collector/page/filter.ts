import type { StoredEvent } from "../store.ts";
import { featurePreview, preview } from "./values.ts";

/** The page's filter: exact model, version and environment, and text anywhere in the event. */
export interface EventFilter {
  model?: string;
  version?: string;
  environment?: string;
  /** Lower-cased text the event's JSON must contain. */
  text?: string;
}

/** One row of the latest-predictions table. */
export interface EventRow {
  id: string;
  timestamp: string;
  model: string;
  version: string;
  environment: string;
  prediction: string;
  features: string;
  latencyMs: number | null;
  /** The label joined to the prediction, as text, if any. */
  label: string | null;
}

/** Read the filter from `model`, `version`, `environment` and `q` (empty means no filter). */
export function parseFilter(query: URLSearchParams): EventFilter {
  const filter: EventFilter = {};
  const model = query.get("model");
  const version = query.get("version");
  const environment = query.get("environment");
  const text = query.get("q")?.trim().toLowerCase();
  if (model) filter.model = model;
  if (version) filter.version = version;
  if (environment) filter.environment = environment;
  if (text) filter.text = text;
  return filter;
}

/** Whether a stored prediction passes the filter; the text test serializes, so it runs last. */
export function matches(event: StoredEvent, filter: EventFilter): boolean {
  if (filter.model !== undefined && event.model_id !== filter.model) return false;
  if (filter.version !== undefined && (event.model_version ?? "") !== filter.version) return false;
  if (filter.environment !== undefined && (event.environment ?? "") !== filter.environment) return false;
  return filter.text === undefined || JSON.stringify(event).toLowerCase().includes(filter.text);
}

/** The newest `limit` predictions that pass, newest first. */
export function newestMatching(events: Iterable<StoredEvent>, filter: EventFilter, limit: number): StoredEvent[] {
  const out: StoredEvent[] = [];
  if (limit <= 0) return out;
  for (const event of events) {
    if (!matches(event, filter)) continue;
    out.push(event);
    if (out.length >= limit) break;
  }
  return out;
}

/** The table row of a stored prediction. */
export function toRow(event: StoredEvent, label: unknown): EventRow {
  return {
    id: event.id,
    timestamp: typeof event.timestamp === "string" ? event.timestamp : "",
    model: String(event.model_id),
    version: typeof event.model_version === "string" ? event.model_version : "",
    environment: typeof event.environment === "string" ? event.environment : "",
    prediction: preview(event.prediction),
    features: featurePreview(event.features),
    latencyMs: typeof event.latency_ms === "number" ? event.latency_ms : null,
    label: label === undefined ? null : preview(label, 40),
  };
}
