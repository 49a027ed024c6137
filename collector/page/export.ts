import { once } from "node:events";
import type { ServerResponse } from "node:http";
import type { Store, StoredEvent } from "../store.ts";
import { type EventFilter, matches } from "./filter.ts";

/** Export formats of `GET /v1/page/export?format=`. */
export type ExportFormat = "jsonl" | "csv";

const FIXED_COLUMNS = ["id", "timestamp", "model_id", "model_version", "environment", "latency_ms", "prediction", "label"];
const CHUNK_CHARS = 256 * 1024;

/**
 * Stream every stored prediction that passes the filter, oldest first, with its labels.
 * JSONL: one stored prediction per line plus `"labels": [label events]` when it has any.
 * CSV: one row per prediction; `label` is its first label; each top-level feature gets a
 * `features.<name>` column; objects and arrays are written as JSON.
 */
export async function exportPredictions(res: ServerResponse, store: Store, filter: EventFilter, format: ExportFormat): Promise<void> {
  const labels = new Map<string, StoredEvent[]>();
  for (const label of store.oldest("label")) {
    const id = String(label.prediction_id);
    const list = labels.get(id);
    if (list) list.push(label);
    else labels.set(id, [label]);
  }
  const featureNames = format === "csv" ? collectFeatureNames(store, filter) : [];
  res.writeHead(200, {
    "content-type": format === "csv" ? "text/csv; charset=utf-8" : "application/x-ndjson",
    "content-disposition": `attachment; filename="aither-predictions.${format}"`,
    "cache-control": "no-store",
  });
  let chunk = format === "csv" ? `${[...FIXED_COLUMNS, ...featureNames.map((name) => `features.${name}`)].map(csvCell).join(",")}\r\n` : "";
  for (const event of store.oldest("prediction")) {
    if (!matches(event, filter)) continue;
    const own = labels.get(event.id);
    chunk += format === "csv" ? csvRow(event, own?.[0]?.label, featureNames) : `${JSON.stringify(own ? { ...event, labels: own } : event)}\n`;
    if (chunk.length < CHUNK_CHARS) continue;
    // Wait for the socket to drain, so a million rows never sit in memory at once.
    if (!res.write(chunk)) await Promise.race([once(res, "drain"), once(res, "close")]);
    chunk = "";
    if (res.destroyed) return;
  }
  res.end(chunk);
}

/** Top-level feature names of the matching predictions, in first-seen order. */
function collectFeatureNames(store: Store, filter: EventFilter): string[] {
  const names = new Set<string>();
  for (const event of store.oldest("prediction")) {
    const features = event.features;
    if (typeof features !== "object" || features === null || Array.isArray(features) || "_tensor" in features) continue;
    if (!matches(event, filter)) continue;
    for (const name of Object.keys(features)) names.add(name);
  }
  return [...names];
}

function csvRow(event: StoredEvent, label: unknown, featureNames: string[]): string {
  const features = (typeof event.features === "object" && event.features !== null ? event.features : {}) as Record<string, unknown>;
  const cells = [event.id, event.timestamp, event.model_id, event.model_version, event.environment, event.latency_ms, event.prediction, label];
  for (const name of featureNames) cells.push(features[name]);
  return `${cells.map(csvCell).join(",")}\r\n`;
}

/** RFC 4180 quoting; objects as JSON; a cell starting with = + - @ gets a leading ' so spreadsheets do not run it. */
function csvCell(value: unknown): string {
  if (value === undefined || value === null) return "";
  let text = typeof value === "object" ? JSON.stringify(value) : String(value);
  if (typeof value === "string" && /^[=+\-@\t\r]/.test(text)) text = `'${text}`;
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}
