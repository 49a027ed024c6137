import { type BodyFormat, isoTime, joinEvents } from "./batch.ts";
import type { RuntimeName } from "./runtime.ts";
import type { WireLabel, WirePrediction } from "./types.ts";
import { utf8Bytes } from "./utf8.ts";
import { VERSION } from "./version.ts";

/**
 * OTLP/HTTP JSON (`ExportTraceServiceRequest`) for `protocol: "otlp"`: one span per event,
 * serialized once like every event, joined into one resource and scope per body. Hand-written so
 * the SDK carries no OpenTelemetry dependency; test/unit/otlp.test.ts checks it against the
 * official encoder. Span shape: README, "OpenTelemetry (OTLP) export".
 */

/** OTLP `AnyValue`, as its JSON mapping spells it. */
export type OtlpValue = { stringValue: string } | { boolValue: boolean } | { intValue: number } | { doubleValue: number } | Record<string, never>;

// Lower-case canonical UUIDs (what createId makes) map to trace ids and back without loss.
const UUID = /^[0-9a-f]{8}(-[0-9a-f]{4}){3}-[0-9a-f]{12}$/;
// SpanKind INTERNAL (API 0, offset by 1 in OTLP); flags: sampled | "has is_remote" (not remote),
// what the official SDK writes for a root span.
const KIND_INTERNAL = 1;
const FLAGS = 0x101;

/**
 * 32 hex digits of the trace that holds a prediction (and its labels): a UUID's own digits, or
 * for any other caller-chosen id a deterministic 128-bit hash, so labels logged later (in
 * another process, too) land on the same trace.
 */
export function traceIdOf(predictionId: string): string {
  if (UUID.test(predictionId)) return predictionId.replace(/-/g, "");
  let hex = "";
  for (let lane = 0; lane < 4; lane++) {
    // FNV-1a per lane with a lane-salted basis, then murmur3's finalizer so every bit mixes.
    let h = 0x811c9dc5 ^ Math.imul(lane + 1, 0x9e3779b9);
    for (let i = 0; i < predictionId.length; i++) h = Math.imul(h ^ predictionId.charCodeAt(i), 0x01000193);
    h = Math.imul(h ^ (h >>> 16), 0x85ebca6b);
    h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
    hex += ((h ^ (h >>> 16)) >>> 0).toString(16).padStart(8, "0");
  }
  return hex;
}

/** Epoch ms (fractions kept to the nanosecond) as OTLP's unix-nanosecond string. */
export function unixNanos(ms: number): string {
  if (!(ms > 0)) return "0"; // fixed64 cannot hold a time before 1970
  const whole = Math.floor(ms);
  const frac = Math.round((ms - whole) * 1e6);
  // Strings, not numbers: nanoseconds since 1970 pass 2^53 (OTLP JSON encodes 64-bit as strings).
  return frac >= 1e6 ? `${whole + 1}000000` : `${whole}${String(frac).padStart(6, "0")}`;
}

/**
 * A value as an OTLP AnyValue: primitives as their own type (integers as `intValue` while they
 * are safe in int64 and JSON), null as the empty value, anything else as a JSON string.
 */
export function anyValue(value: unknown): OtlpValue {
  if (typeof value === "string") return { stringValue: value };
  if (typeof value === "boolean") return { boolValue: value };
  if (typeof value === "number") return Number.isSafeInteger(value) ? { intValue: value } : { doubleValue: value };
  return value === null || value === undefined ? {} : { stringValue: JSON.stringify(value) };
}

/** `,{"key":...,"value":...}`: one attribute, written as text (no objects built per event). */
function attr(key: string, value: string): string {
  return `,{"key":"${key}","value":${value}}`;
}

function text(key: string, value: string | undefined): string {
  return value === undefined ? "" : attr(key, `{"stringValue":${JSON.stringify(value)}}`);
}

function json(value: unknown): string | undefined {
  return value === undefined ? undefined : JSON.stringify(value);
}

function hex8(): string {
  // Span ids need uniqueness within a trace, not secrecy: Math.random is enough and everywhere.
  return ((Math.random() * 0x100000000) >>> 0).toString(16).padStart(8, "0");
}

/**
 * One event as an OTLP span's JSON. The prediction id names the trace; the span ends at the
 * event's timestamp and starts `latency_ms` before it. `ml.prediction` spans carry the model,
 * features (JSON), prediction, environment and latency; `label_update` spans carry `ml.label`.
 * Fields at their proto3 default (no events, links, dropped counts, unset status) are left
 * out, as the JSON mapping allows.
 */
export function encodeSpan(wire: WirePrediction | WireLabel, kind: "prediction" | "label", time: number): string {
  const w = wire as WirePrediction & WireLabel;
  const isPrediction = kind === "prediction";
  // String(): a beforeSend hook may hand back anything, and serializing must not throw.
  const id = String(isPrediction ? w.id : w.prediction_id);
  // `timestamp` is the ISO text of `time` (cached per second) unless beforeSend moved it.
  const parsed = w.timestamp === isoTime(time) ? time : Date.parse(w.timestamp);
  const end = Number.isFinite(parsed) ? parsed : time;
  const latency = isPrediction ? w.latency_ms : undefined;
  let attributes = text("ml.prediction.id", UUID.test(id) ? undefined : id);
  if (isPrediction) {
    attributes +=
      text("ml.model.name", w.model_id) +
      text("ml.model.version", w.model_version) +
      text("ml.features", json(w.features)) +
      attr("ml.prediction", JSON.stringify(anyValue(w.prediction))) +
      text("ml.environment", w.environment) +
      // Always a double, so backends see one type for the attribute whatever the value.
      (latency === undefined ? "" : attr("ml.latency_ms", `{"doubleValue":${JSON.stringify(latency)}}`));
  } else {
    attributes += text("ml.label.id", w.id) + attr("ml.label", JSON.stringify(anyValue(w.label)));
  }
  attributes += text("ml.metadata", json(w.metadata));
  const start = latency !== undefined && latency > 0 ? end - latency : end;
  return `{"traceId":"${traceIdOf(id)}","spanId":"${hex8()}${hex8()}","name":"${isPrediction ? "ml.prediction" : "label_update"}","kind":${KIND_INTERNAL},"startTimeUnixNano":"${unixNanos(start)}","endTimeUnixNano":"${unixNanos(end)}","attributes":[${attributes.slice(1)}],"flags":${FLAGS}}`;
}

/**
 * The OTLP body format: `POST {endpoint}/v1/traces` for both kinds. Client-side drop counts
 * go on the scope as `aither.dropped.<reason>` integer attributes (OTLP has no field for them).
 * The API key never goes into the body: it would land in the telemetry backend.
 */
export function createOtlpFormat(serviceName: string, runtime: RuntimeName): BodyFormat {
  const resource =
    text("service.name", serviceName) +
    text("telemetry.sdk.name", "aither-js") +
    // OpenTelemetry's "webjs" for web platforms, "nodejs" for the server runtimes.
    text("telemetry.sdk.language", runtime === "node" || runtime === "bun" || runtime === "deno" ? "nodejs" : "webjs") +
    text("telemetry.sdk.version", VERSION);
  const head = `{"resourceSpans":[{"resource":{"attributes":[${resource.slice(1)}]},"scopeSpans":[{"scope":{"name":"aither-js","version":"${VERSION}"`;
  return {
    paths: { prediction: "/v1/traces", label: "/v1/traces" },
    // The fixed head, plus room for seven drop counts as scope attributes.
    envelopeBytes: utf8Bytes(head) + 640,
    event: encodeSpan as BodyFormat["event"],
    body: (batch, _sentAt, dropped) =>
      `${head}${dropped ? `,"attributes":[${Object.entries(dropped).map(([reason, n]) => attr(`aither.dropped.${reason}`, `{"intValue":${n}}`).slice(1))}]` : ""}},"spans":[${joinEvents(batch.events)}]}]}]}`,
  };
}
