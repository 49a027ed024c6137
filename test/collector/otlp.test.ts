import { describe, expect, it } from "vitest";
import { post, useCollector } from "./helpers.ts";

const start = useCollector();

const END = "1795607999512000000"; // 2026-11-25T11:59:59.512Z
const TRACE = "0b1c2d3e4f5061728394a5b6c7d8e9f0";
const TRACE_UUID = "0b1c2d3e-4f50-6172-8394-a5b6c7d8e9f0";

type Attr = { key: string; value: Record<string, unknown> };
const s = (key: string, value: string): Attr => ({ key, value: { stringValue: value } });

function span(name: string, attributes: Attr[], traceId = TRACE, spanId = "b7ad6b7169203331"): Record<string, unknown> {
  return { traceId, spanId, name, kind: 1, startTimeUnixNano: END, endTimeUnixNano: END, attributes };
}

/** An ExportTraceServiceRequest as an OpenTelemetry SDK or Collector sends it. */
function request(spans: unknown[], scopeAttributes: Attr[] = []): Record<string, unknown> {
  return {
    resourceSpans: [
      {
        resource: { attributes: [s("service.name", "churn-service")] },
        scopeSpans: [{ scope: { name: "aither-js", version: "0.1.0", attributes: scopeAttributes }, spans }],
      },
    ],
  };
}

const predictionSpan = (traceId = TRACE, extra: Attr[] = []) =>
  span(
    "ml.prediction",
    [
      s("ml.model.name", "churn-v2"),
      s("ml.model.version", "1.2.0"),
      s("ml.features", '{"tenure":24}'),
      { key: "ml.prediction", value: { doubleValue: 0.73 } },
      s("ml.environment", "production"),
      { key: "ml.latency_ms", value: { doubleValue: 3.25 } },
      s("ml.metadata", '{"user_id":"u_1"}'),
      ...extra,
    ],
    traceId,
  );

describe("collector OTLP route", () => {
  it("stores an ml.prediction span as a prediction and answers partialSuccess", async () => {
    const c = await start();
    const res = await post(`${c.url}/v1/traces`, request([predictionSpan()]), { headers: { "idempotency-key": "b1" } });
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ partialSuccess: {} });
    expect(c.store.predictions()).toEqual([
      {
        id: TRACE_UUID,
        model_id: "churn-v2",
        prediction: 0.73,
        features: { tenure: 24 },
        metadata: { user_id: "u_1" },
        model_version: "1.2.0",
        environment: "production",
        latency_ms: 3.25,
        timestamp: "2026-11-25T11:59:59.512Z",
      },
    ]);
    expect(c.requests[0]).toMatchObject({ path: "/v1/traces", status: 200, events: 1, batchId: "b1" });
  });

  it("takes the id from ml.prediction.id when present, and reads int64 sent as a string", async () => {
    const c = await start();
    const p = span("ml.prediction", [s("ml.prediction.id", "order-42"), s("ml.model.name", "m"), { key: "ml.prediction", value: { intValue: "7" } }]);
    await post(`${c.url}/v1/traces`, request([p]));
    expect(c.store.predictions()[0]).toMatchObject({ id: "order-42", model_id: "m", prediction: 7 });
  });

  it("parses JSON-string predictions back and keeps the empty AnyValue as null", async () => {
    const c = await start();
    const spans = [
      span("ml.prediction", [s("ml.model.name", "m"), s("ml.prediction", '{"label":"yes"}')], "1".repeat(32)),
      span("ml.prediction", [s("ml.model.name", "m"), { key: "ml.prediction", value: {} }], "2".repeat(32)),
      span("ml.prediction", [s("ml.model.name", "m"), s("ml.prediction", "churn")], "3".repeat(32)),
    ];
    await post(`${c.url}/v1/traces`, request(spans));
    expect(c.store.predictions().map((p) => p.prediction)).toEqual([{ label: "yes" }, null, "churn"]);
  });

  it("stores a label_update span as a label of the prediction on its trace", async () => {
    const c = await start();
    const l = span("label_update", [s("ml.label.id", "l1"), { key: "ml.label", value: { boolValue: true } }]);
    await post(`${c.url}/v1/traces`, request([predictionSpan(), l]));
    expect(c.store.labels()).toEqual([{ id: "l1", prediction_id: TRACE_UUID, label: true, timestamp: "2026-11-25T11:59:59.512Z" }]);
    expect(c.requests[0]?.events).toBe(2);
  });

  it("stores each span once when the same request comes again", async () => {
    const c = await start();
    const body = request([predictionSpan(), span("label_update", [s("ml.label.id", "l1"), s("ml.label", "x")])]);
    await post(`${c.url}/v1/traces`, body);
    const again = await post(`${c.url}/v1/traces`, body);
    expect(await again.json()).toEqual({ partialSuccess: {} });
    expect(c.store.predictions()).toHaveLength(1);
    expect(c.store.labels()).toHaveLength(1);
    expect(c.store.duplicates()).toBe(2);
  });

  it("accepts gzip and ignores spans that are not aither's", async () => {
    const c = await start();
    const other = span("GET /checkout", [s("http.method", "GET")], "f".repeat(32));
    const res = await post(`${c.url}/v1/traces`, request([other, predictionSpan()]), { gzip: true });
    expect(await res.json()).toEqual({ partialSuccess: {} });
    expect(c.store.predictions().map((p) => p.id)).toEqual([TRACE_UUID]);
  });

  it("adds the scope's aither.dropped.* counts to the client drop counts", async () => {
    const c = await start();
    await post(`${c.url}/v1/traces`, request([predictionSpan()], [{ key: "aither.dropped.queue_full", value: { intValue: 12 } }]));
    expect(c.clientDropped).toEqual({ queue_full: 12 });
  });

  it("rejects an aither span without ml.model.name with 400 naming it, storing nothing", async () => {
    const c = await start();
    const bad = span("ml.prediction", [s("ml.prediction", "x")], "4".repeat(32));
    const res = await post(`${c.url}/v1/traces`, request([predictionSpan(), bad]));
    expect(res.status).toBe(400);
    expect(((await res.json()) as { error: string }).error).toBe("span 1 (ml.prediction) has no ml.model.name");
    expect(c.store.predictions()).toHaveLength(0);
  });

  it("rejects a body without resourceSpans, and protobuf with 415", async () => {
    const c = await start();
    expect((await post(`${c.url}/v1/traces`, { spans: [] })).status).toBe(400);
    const proto = await post(`${c.url}/v1/traces`, undefined, { raw: "\u0000", headers: { "content-type": "application/x-protobuf" } });
    expect(proto.status).toBe(415);
  });

  it("requires the API key when started with keys", async () => {
    const c = await start({ apiKeys: ["k1"] });
    expect((await post(`${c.url}/v1/traces`, request([predictionSpan()]))).status).toBe(401);
    expect((await post(`${c.url}/v1/traces`, request([predictionSpan()]), { headers: { "x-api-key": "k1" } })).status).toBe(200);
    expect(c.store.predictions()).toHaveLength(1);
  });

  it("answers fault injection on /v1/traces like the batch routes", async () => {
    const c = await start({ faults: { failFirst: 1, status: 503 } });
    expect((await post(`${c.url}/v1/traces`, request([predictionSpan()]))).status).toBe(503);
    expect((await post(`${c.url}/v1/traces`, request([predictionSpan()]))).status).toBe(200);
  });
});
