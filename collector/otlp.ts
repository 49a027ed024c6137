import { RequestError } from "./body.ts";
import type { StoredEvent } from "./store.ts";

/**
 * `POST /v1/traces` (OTLP/HTTP JSON): turns the spans the SDK sends with `protocol: "otlp"`
 * back into the events of the aither routes, so both protocols read back the same way.
 * `ml.prediction` spans become predictions, `label_update` spans labels; other spans (a shared
 * pipeline may forward any trace) are accepted and ignored.
 */

/** Events found in one ExportTraceServiceRequest. */
export interface ParsedTraces {
  predictions: StoredEvent[];
  labels: StoredEvent[];
  /** Sum of the scopes' `aither.dropped.<reason>` attributes, when any. */
  dropped?: Record<string, number>;
}

type Json = Record<string, unknown>;

const DROPPED_PREFIX = "aither.dropped.";

/** Spans in a decoded body, for the request log; 0 when the shape is wrong. */
export function countSpans(body: unknown): number {
  let n = 0;
  for (const scope of scopes(body)) if (Array.isArray(scope.spans)) n += scope.spans.length;
  return n;
}

/**
 * Validate an ExportTraceServiceRequest and read its aither spans. All or nothing, like the
 * batch routes: one bad aither span rejects the request.
 * @throws {RequestError} 400 naming the span and field, e.g. "span 2 (ml.prediction) has no ml.model.name".
 */
export function parseTraces(body: unknown): ParsedTraces {
  try {
    return readTraces(body);
  } catch (error) {
    // Attribute values are decoded recursively: kvlists nested thousands deep overflow the stack.
    if (error instanceof RangeError) throw new RequestError(400, `body is nested too deeply to read (${error.message})`);
    throw error;
  }
}

function readTraces(body: unknown): ParsedTraces {
  if (!isObject(body) || !Array.isArray(body.resourceSpans))
    throw new RequestError(400, 'body must be an OTLP ExportTraceServiceRequest with a "resourceSpans" array');
  const out: ParsedTraces = { predictions: [], labels: [] };
  let index = 0;
  for (const scope of scopes(body)) {
    const scopeAttributes = attributes(isObject(scope.scope) ? scope.scope.attributes : undefined);
    for (const [key, value] of Object.entries(scopeAttributes)) {
      if (!key.startsWith(DROPPED_PREFIX) || typeof value !== "number") continue;
      // Null prototype: a reason named "constructor" or "__proto__" counts like any other.
      out.dropped ??= Object.create(null) as Record<string, number>;
      const reason = key.slice(DROPPED_PREFIX.length);
      out.dropped[reason] = (out.dropped[reason] ?? 0) + value;
    }
    for (const span of Array.isArray(scope.spans) ? scope.spans : []) {
      const where = `span ${index++}`;
      if (!isObject(span)) throw new RequestError(400, `${where} must be an object`);
      if (span.name === "ml.prediction") out.predictions.push(prediction(span, `${where} (ml.prediction)`));
      else if (span.name === "label_update") out.labels.push(label(span, `${where} (label_update)`));
    }
  }
  return out;
}

function prediction(span: Json, where: string): StoredEvent {
  const a = attributes(span.attributes);
  const event: StoredEvent = {
    id: idOf(a["ml.prediction.id"], span.traceId, where),
    model_id: requiredString(a, "ml.model.name", where),
    prediction: jsonish(a["ml.prediction"]),
  };
  if (a["ml.features"] !== undefined) event.features = parseJson(a["ml.features"], "ml.features", where);
  if (a["ml.metadata"] !== undefined) event.metadata = parseJson(a["ml.metadata"], "ml.metadata", where);
  if (typeof a["ml.model.version"] === "string") event.model_version = a["ml.model.version"];
  if (typeof a["ml.environment"] === "string") event.environment = a["ml.environment"];
  if (typeof a["ml.latency_ms"] === "number") event.latency_ms = a["ml.latency_ms"];
  event.timestamp = isoOf(span.endTimeUnixNano, where);
  return event;
}

function label(span: Json, where: string): StoredEvent {
  const a = attributes(span.attributes);
  const id = typeof a["ml.label.id"] === "string" ? a["ml.label.id"] : typeof span.spanId === "string" ? span.spanId : "";
  if (id === "") throw new RequestError(400, `${where} has neither ml.label.id nor a spanId`);
  const event: StoredEvent = {
    id,
    prediction_id: idOf(a["ml.prediction.id"], span.traceId, where),
    label: jsonish(a["ml.label"]),
  };
  if (a["ml.metadata"] !== undefined) event.metadata = parseJson(a["ml.metadata"], "ml.metadata", where);
  event.timestamp = isoOf(span.endTimeUnixNano, where);
  return event;
}

/** The prediction id: the `ml.prediction.id` attribute, else the trace id written as a UUID. */
function idOf(attribute: unknown, traceId: unknown, where: string): string {
  if (typeof attribute === "string" && attribute !== "") return attribute;
  if (typeof traceId !== "string" || !/^[0-9a-fA-F]{32}$/.test(traceId)) throw new RequestError(400, `${where} traceId must be 32 hex digits`);
  const h = traceId.toLowerCase();
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}

function requiredString(a: Json, key: string, where: string): string {
  const value = a[key];
  if (typeof value !== "string" || value === "") throw new RequestError(400, `${where} has no ${key}`);
  return value;
}

function parseJson(value: unknown, key: string, where: string): unknown {
  if (typeof value !== "string") return value;
  try {
    return JSON.parse(value) as unknown;
  } catch {
    throw new RequestError(400, `${where} ${key} is not valid JSON`);
  }
}

/** `ml.prediction`/`ml.label`: primitives as sent; objects and arrays arrive as JSON strings. */
function jsonish(value: unknown): unknown {
  if (typeof value !== "string" || !/^[[{]/.test(value)) return value ?? null;
  try {
    return JSON.parse(value) as unknown;
  } catch {
    return value; // a string prediction that merely starts with a bracket
  }
}

function isoOf(nanos: unknown, where: string): string {
  // Nanoseconds pass 2^53, so the string is cut to milliseconds rather than read as a number.
  const text = typeof nanos === "number" ? String(Math.trunc(nanos)) : nanos;
  if (typeof text !== "string" || !/^\d+$/.test(text)) throw new RequestError(400, `${where} endTimeUnixNano must be a decimal string`);
  return new Date(text.length > 6 ? Number(text.slice(0, -6)) : 0).toISOString();
}

/** OTLP KeyValue list -> plain object (AnyValue decoded). */
function attributes(list: unknown): Json {
  if (!Array.isArray(list)) return {};
  const entries: Array<[string, unknown]> = [];
  for (const kv of list) if (isObject(kv) && typeof kv.key === "string") entries.push([kv.key, anyValue(kv.value)]);
  // fromEntries defines own properties: a "__proto__" key stays a key instead of replacing the
  // prototype (which would let a span pass inherited attributes off as its own).
  return Object.fromEntries(entries);
}

function anyValue(value: unknown): unknown {
  if (!isObject(value)) return null;
  if ("stringValue" in value) return value.stringValue;
  if ("boolValue" in value) return value.boolValue;
  // int64 may arrive as a JSON string (proto3 mapping) or a number (the JS SDKs).
  if ("intValue" in value) return Number(value.intValue);
  if ("doubleValue" in value) return Number(value.doubleValue);
  if ("bytesValue" in value) return value.bytesValue;
  if (isObject(value.arrayValue)) return Array.isArray(value.arrayValue.values) ? value.arrayValue.values.map(anyValue) : [];
  if (isObject(value.kvlistValue)) return attributes(value.kvlistValue.values);
  return null;
}

function* scopes(body: unknown): Generator<Json> {
  if (!isObject(body) || !Array.isArray(body.resourceSpans)) return;
  for (const rs of body.resourceSpans) {
    if (!isObject(rs) || !Array.isArray(rs.scopeSpans)) continue;
    for (const ss of rs.scopeSpans) if (isObject(ss)) yield ss;
  }
}

function isObject(value: unknown): value is Json {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}
