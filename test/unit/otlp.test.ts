import { type HrTime, SpanKind, SpanStatusCode } from "@opentelemetry/api";
import { JsonTraceSerializer } from "@opentelemetry/otlp-transformer";
import { resourceFromAttributes } from "@opentelemetry/resources";
import type { ReadableSpan } from "@opentelemetry/sdk-trace";
import { describe, expect, it } from "vitest";
import { type Batch, type BodyFormat, cutBatch, type SerializeContext } from "../../src/batch.ts";
import { createLabel, createPrediction, type LabelInput, type PredictionInput, type QueuedEvent } from "../../src/events.ts";
import { resolveOptions } from "../../src/options.ts";
import { anyValue, createOtlpFormat, traceIdOf, unixNanos } from "../../src/otlp.ts";
import { EventQueue } from "../../src/queue.ts";
import type { DropCounts, WireEvent } from "../../src/types.ts";
import { VERSION } from "../../src/version.ts";

// The official OpenTelemetry JS encoder is the reference: for the same span it must produce the
// same OTLP JSON as ours, up to what the proto3 JSON mapping leaves to the writer (fields at their
// default value may be omitted; attributes are a map, so their order does not matter).

type Json = Record<string, unknown>;

const T0 = Date.UTC(2026, 10, 25, 11, 59, 59, 512);
const RESOURCE_ATTRIBUTES = {
  "service.name": "churn-service",
  "telemetry.sdk.name": "aither-js",
  "telemetry.sdk.language": "nodejs",
  "telemetry.sdk.version": VERSION,
};

let seq = 0;

function context(format: BodyFormat, overrides: Partial<SerializeContext> = {}): SerializeContext & { truncations: number } {
  const ctx = {
    format,
    truncations: 0,
    maxEventBytes: 262_144,
    beforeSend: undefined as ((event: WireEvent) => WireEvent | null) | undefined,
    drop(_event: QueuedEvent, reason: string, detail: string): void {
      throw new Error(`unexpected drop ${reason}: ${detail}`);
    },
    truncated(): void {
      ctx.truncations++;
    },
    ...overrides,
  };
  return ctx;
}

/** Our body for events of one kind, parsed, plus the batch. */
function ourBody(
  events: QueuedEvent[],
  options: { dropped?: DropCounts; runtime?: "node" | "browser"; ctx?: Partial<SerializeContext> } = {},
): { body: Json; batch: Batch } {
  const format = createOtlpFormat("churn-service", options.runtime ?? "node");
  const queue = new EventQueue(1000, 1e9);
  for (const e of events) queue.push(e);
  const batch = cutBatch(queue, events[0]?.kind ?? "prediction", 100, 1e7, context(format, options.ctx)) as Batch;
  return { body: JSON.parse(format.body(batch, new Date().toISOString(), options.dropped)) as Json, batch };
}

const prediction = (input: Partial<PredictionInput>, id: string = crypto.randomUUID()): QueuedEvent =>
  createPrediction({ modelId: "churn-classifier-v2", prediction: 0.73, timestamp: T0, ...input }, id, ++seq, undefined);
const label = (input: Partial<LabelInput> & { predictionId: string }, id: string = crypto.randomUUID()): QueuedEvent =>
  createLabel({ label: 1, timestamp: T0, ...input }, id, ++seq);

function hrTime(ms: number): HrTime {
  const seconds = Math.floor(ms / 1000);
  return [seconds, Math.round((ms - seconds * 1000) * 1e6)];
}

const resource = resourceFromAttributes(RESOURCE_ATTRIBUTES);

/** The ReadableSpan the official SDK would have recorded for one of our spans. */
function readableSpan(
  ours: Json,
  attributes: Record<string, string | number | boolean>,
  times: { start: number; end: number },
  scope: { name: string; version: string; attributes?: Record<string, number> } = { name: "aither-js", version: VERSION },
): ReadableSpan {
  const context = { traceId: ours.traceId as string, spanId: ours.spanId as string, traceFlags: 1 };
  return {
    name: ours.name as string,
    kind: SpanKind.INTERNAL,
    spanContext: () => context,
    parentSpanContext: undefined,
    startTime: hrTime(times.start),
    endTime: hrTime(times.end),
    duration: hrTime(times.end - times.start),
    status: { code: SpanStatusCode.UNSET },
    attributes,
    links: [],
    events: [],
    ended: true,
    resource,
    instrumentationScope: scope,
    droppedAttributesCount: 0,
    droppedEventsCount: 0,
    droppedLinksCount: 0,
  };
}

function reference(spans: ReadableSpan[]): Json {
  return JSON.parse(new TextDecoder().decode(JsonTraceSerializer.serializeRequest(spans))) as Json;
}

// Fields the proto3 JSON mapping lets a writer leave out at their default value.
const DEFAULT_FIELDS: Record<string, (value: unknown) => boolean> = {
  droppedAttributesCount: (v) => v === 0,
  droppedEventsCount: (v) => v === 0,
  droppedLinksCount: (v) => v === 0,
  events: (v) => Array.isArray(v) && v.length === 0,
  links: (v) => Array.isArray(v) && v.length === 0,
  status: (v) => JSON.stringify(v) === '{"code":0}',
};

/** Drop default-valued fields and sort attribute lists by key, recursively. */
function normalize(value: unknown): unknown {
  if (Array.isArray(value)) {
    const items = value.map(normalize);
    const isAttributes = items.every((x) => typeof x === "object" && x !== null && "key" in x && "value" in x);
    return isAttributes && items.length > 0 ? items.sort((a, b) => String((a as Json).key).localeCompare(String((b as Json).key))) : items;
  }
  if (typeof value !== "object" || value === null) return value;
  const out: Json = {};
  for (const [k, v] of Object.entries(value)) {
    if (DEFAULT_FIELDS[k]?.(v)) continue;
    out[k] = normalize(v);
  }
  return out;
}

function spansOf(body: Json): Json[] {
  const rs = (body.resourceSpans as Json[])[0] as Json;
  return ((rs.scopeSpans as Json[])[0] as Json).spans as Json[];
}

describe("OTLP encoding matches the official OpenTelemetry encoder", () => {
  it("encodes a prediction with every field like JsonTraceSerializer", () => {
    const id = crypto.randomUUID();
    const event = prediction(
      {
        prediction: 0.73,
        features: { tenure: 24, monthly_charges: 65.5, plan: "pro" },
        metadata: { user_id: "u_123" },
        modelVersion: "1.2.0",
        environment: "production",
        latencyMs: 3.25,
      },
      id,
    );
    const { body } = ourBody([event]);
    const ours = spansOf(body)[0] as Json;
    const expected = reference([
      readableSpan(
        ours,
        {
          "ml.model.name": "churn-classifier-v2",
          "ml.model.version": "1.2.0",
          "ml.features": JSON.stringify({ tenure: 24, monthly_charges: 65.5, plan: "pro" }),
          "ml.prediction": 0.73,
          "ml.environment": "production",
          "ml.latency_ms": 3.25,
          "ml.metadata": JSON.stringify({ user_id: "u_123" }),
        },
        { start: T0 - 3.25, end: T0 },
      ),
    ]);
    expect(normalize(body)).toEqual(normalize(expected));
    // The UUID's own digits are the trace id, so the id can be read back from any backend.
    expect(ours.traceId).toBe(id.replace(/-/g, ""));
    expect(ours.spanId).toMatch(/^[0-9a-f]{16}$/);
    expect(ours).toMatchObject({ name: "ml.prediction", endTimeUnixNano: `${T0}000000`, startTimeUnixNano: `${T0 - 4}750000` });
  });

  it("encodes primitive and structured predictions as the right AnyValue", () => {
    const values: unknown[] = [1, -7, 0.5, true, "churn", null, { label: "yes", p: 0.9 }, [0.1, 0.9]];
    const events = values.map((p) => prediction({ prediction: p }));
    const { body } = ourBody(events);
    const ours = spansOf(body);
    const spans = ours.map((span, i) => {
      const p = values[i];
      const attributes: Record<string, string | number | boolean> = { "ml.model.name": "churn-classifier-v2" };
      // The OpenTelemetry API has no null attribute: our empty AnyValue is what its encoder makes of null.
      if (p !== null) attributes["ml.prediction"] = typeof p === "object" ? JSON.stringify(p) : (p as string | number | boolean);
      return readableSpan(span, attributes, { start: T0, end: T0 });
    });
    const expected = reference(spans);
    const nullIndex = values.indexOf(null);
    // Put the null prediction's attribute into the reference as its encoder writes null (toAnyValue(null) -> {}).
    const refSpan = spansOf(expected)[nullIndex] as Json;
    (refSpan.attributes as Json[]).push({ key: "ml.prediction", value: {} });
    expect(normalize(body)).toEqual(normalize(expected));
    expect((spansOf(body)[0]?.attributes as Json[] | undefined)?.[1]).toEqual({ key: "ml.prediction", value: { intValue: 1 } });
  });

  it("hashes a caller-chosen non-UUID id into the trace id and keeps it as ml.prediction.id", () => {
    const { body } = ourBody([prediction({ prediction: "yes" }, "order-42")]);
    const ours = spansOf(body)[0] as Json;
    const expected = reference([
      readableSpan(ours, { "ml.prediction.id": "order-42", "ml.model.name": "churn-classifier-v2", "ml.prediction": "yes" }, { start: T0, end: T0 }),
    ]);
    expect(normalize(body)).toEqual(normalize(expected));
    expect(ours.traceId).toBe(traceIdOf("order-42"));
  });

  it("encodes a label as a label_update span on its prediction's trace", () => {
    const predictionId = crypto.randomUUID();
    const labelId = crypto.randomUUID();
    const { body } = ourBody([label({ predictionId, label: "churned", metadata: { source: "crm" } }, labelId)]);
    const ours = spansOf(body)[0] as Json;
    const expected = reference([
      readableSpan(ours, { "ml.label.id": labelId, "ml.label": "churned", "ml.metadata": '{"source":"crm"}' }, { start: T0, end: T0 }),
    ]);
    expect(normalize(body)).toEqual(normalize(expected));
    expect(ours).toMatchObject({ name: "label_update", traceId: predictionId.replace(/-/g, "") });
  });

  it("puts many spans under one resource and scope, and drop counts on the scope", () => {
    const events = [prediction({ prediction: 1 }), prediction({ prediction: 2 }), prediction({ prediction: 3 })];
    const { body } = ourBody(events, { dropped: { queue_full: 12, too_large: 1 } });
    const scope = { name: "aither-js", version: VERSION, attributes: { "aither.dropped.queue_full": 12, "aither.dropped.too_large": 1 } };
    const spans = spansOf(body).map((s, i) =>
      readableSpan(s, { "ml.model.name": "churn-classifier-v2", "ml.prediction": i + 1 }, { start: T0, end: T0 }, scope),
    );
    expect(normalize(body)).toEqual(normalize(reference(spans)));
    expect(spansOf(body)).toHaveLength(3);
  });

  it("says webjs for a browser and nodejs for servers in the resource", () => {
    const lang = (body: Json) =>
      ((((body.resourceSpans as Json[])[0] as Json).resource as Json).attributes as Json[]).find((a) => a.key === "telemetry.sdk.language")?.value;
    expect(lang(ourBody([prediction({})], { runtime: "browser" }).body)).toEqual({ stringValue: "webjs" });
    expect(lang(ourBody([prediction({})], { runtime: "node" }).body)).toEqual({ stringValue: "nodejs" });
  });
});

describe("OTLP span details", () => {
  it("derives the same trace id for the same non-UUID id, and different ones otherwise", () => {
    expect(traceIdOf("order-42")).toBe(traceIdOf("order-42"));
    expect(traceIdOf("order-42")).toMatch(/^[0-9a-f]{32}$/);
    const ids = new Set(Array.from({ length: 1000 }, (_, i) => traceIdOf(`order-${i}`)));
    expect(ids.size).toBe(1000);
    // An upper-case UUID is not the canonical form, so it keeps its text in ml.prediction.id.
    expect(traceIdOf("0B1C0000-0000-4000-8000-000000000000")).not.toBe("0b1c0000000040008000000000000000");
  });

  it("writes unix nanoseconds as exact decimal strings past 2^53", () => {
    expect(unixNanos(T0)).toBe(`${T0}000000`);
    expect(unixNanos(T0 + 0.25)).toBe(`${T0}250000`);
    expect(unixNanos(T0 - 3.25)).toBe(`${T0 - 4}750000`);
    expect(unixNanos(1.5)).toBe("1500000");
    expect(unixNanos(0)).toBe("0");
    expect(unixNanos(-5)).toBe("0");
  });

  it("writes integers beyond int64-safe range as doubles", () => {
    expect(anyValue(2 ** 60)).toEqual({ doubleValue: 2 ** 60 });
    expect(anyValue(42)).toEqual({ intValue: 42 });
  });

  it("truncates oversized features to the marker inside ml.features", () => {
    const event = prediction({ features: { blob: "x".repeat(5000) } });
    const { body } = ourBody([event], { ctx: { maxEventBytes: 2000 } });
    const attrs = spansOf(body)[0]?.attributes as Json[];
    const features = attrs.find((a) => a.key === "ml.features")?.value as { stringValue: string };
    expect(JSON.parse(features.stringValue)).toEqual({ _aither_truncated: { bytes: JSON.stringify({ blob: "x".repeat(5000) }).length } });
  });

  it("uses a timestamp that beforeSend changed", () => {
    const later = "2026-12-01T00:00:00.000Z";
    const { body } = ourBody([prediction({})], { ctx: { beforeSend: (e) => ({ ...e, timestamp: later }) } });
    expect(spansOf(body)[0]?.endTimeUnixNano).toBe(`${Date.parse(later)}000000`);
  });

  it("never puts the API key into the body", () => {
    const format = createOtlpFormat("s", "browser");
    const queue = new EventQueue(10, 1e6);
    queue.push(prediction({}));
    const batch = cutBatch(queue, "prediction", 10, 1e6, context(format)) as Batch;
    expect(format.body(batch, "t", undefined, "ak_secret")).not.toContain("ak_secret");
  });
});

describe("protocol and serviceName options", () => {
  it("defaults to the aither protocol and service name aither-js", () => {
    expect(resolveOptions({}, {})).toMatchObject({ protocol: "aither", serviceName: "aither-js" });
    expect(resolveOptions({ protocol: "otlp", serviceName: "churn" }, {})).toMatchObject({ protocol: "otlp", serviceName: "churn" });
  });

  it("rejects an unknown protocol or an empty serviceName, naming the option", () => {
    expect(() => resolveOptions({ protocol: "zipkin" as "otlp" }, {})).toThrow(/^protocol must be "aither" or "otlp", got "zipkin"$/);
    expect(() => resolveOptions({ serviceName: "" }, {})).toThrow(/^serviceName must not be empty$/);
    expect(() => resolveOptions({ serviceName: 3 as unknown as string }, {})).toThrow(/^serviceName must be a string/);
  });
});
