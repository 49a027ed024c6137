import { describe, expect, it } from "vitest";
import { AitherValidationError } from "../../src/errors.ts";
import { isoTime } from "../../src/batch.ts";
import { createLabel, createPrediction, type PredictionInput, validateLabel, validatePrediction } from "../../src/events.ts";

function errorOf(fn: () => void): AitherValidationError {
  try {
    fn();
  } catch (error) {
    return error as AitherValidationError;
  }
  throw new Error("did not throw");
}

describe("validatePrediction", () => {
  const cases: [string, unknown, string][] = [
    ["missing modelId", { prediction: 1 }, "modelId"],
    ["empty modelId", { modelId: "", prediction: 1 }, "modelId"],
    ["non-string modelId", { modelId: 7, prediction: 1 }, "modelId"],
    ["too long modelId", { modelId: "m".repeat(257), prediction: 1 }, "modelId"],
    ["undefined prediction", { modelId: "m" }, "prediction"],
    ["array metadata", { modelId: "m", prediction: 1, metadata: [] }, "metadata"],
    ["class metadata", { modelId: "m", prediction: 1, metadata: new Map() }, "metadata"],
    ["invalid timestamp string", { modelId: "m", prediction: 1, timestamp: "yesterday" }, "timestamp"],
    ["invalid Date", { modelId: "m", prediction: 1, timestamp: new Date(Number.NaN) }, "timestamp"],
    ["non-string id", { modelId: "m", prediction: 1, id: 42 }, "id"],
    ["not an object", "churn", "input"],
  ];
  for (const [name, input, field] of cases) {
    it(`throws AitherValidationError naming ${field} for ${name}`, () => {
      const error = errorOf(() => {
        validatePrediction(input as PredictionInput);
        // timestamps are read when the event is built
        createPrediction(input as PredictionInput, "id", 1, undefined);
      });
      expect(error).toBeInstanceOf(AitherValidationError);
      expect(error).toBeInstanceOf(TypeError);
      expect(error.field).toBe(field);
      expect(error.message.startsWith(field)).toBe(true);
    });
  }

  it("accepts null as a prediction and every timestamp form", () => {
    for (const timestamp of [new Date(), Date.now(), "2026-11-25T12:00:00Z", undefined]) {
      expect(() => validatePrediction({ modelId: "m", prediction: null, timestamp })).not.toThrow();
      expect(createPrediction({ modelId: "m", prediction: null, timestamp }, "id", 1, undefined).time).toBeGreaterThan(0);
    }
  });
});

describe("data that is not misuse (SPEC: nothing else that depends on the data throws)", () => {
  it("takes a number or boolean modelVersion and environment as text, and leaves other kinds and a non-number latencyMs out", () => {
    const input = { modelId: "m", prediction: 1, modelVersion: 2, environment: true, latencyMs: "12" } as unknown as PredictionInput;
    expect(() => validatePrediction(input)).not.toThrow();
    const wire = createPrediction(input, "a", 1, "prod").wire as unknown as Record<string, unknown>;
    expect(wire).toMatchObject({ model_version: "2", environment: "true" });
    expect(wire.latency_ms).toBeUndefined();
    const odd = { modelId: "m", prediction: 1, modelVersion: null, environment: { name: "x" } } as unknown as PredictionInput;
    expect(() => validatePrediction(odd)).not.toThrow();
    expect(createPrediction(odd, "a", 1, "prod").wire).toMatchObject({ model_version: undefined, environment: "prod" });
  });

  it("keeps a required value that normalises to nothing on the wire as null", () => {
    const wire = createPrediction({ modelId: "m", prediction: () => 1 }, "a", 1, undefined).wire;
    expect(JSON.parse(JSON.stringify(wire)).prediction).toBeNull();
    const label = createLabel({ predictionId: "p", label: Symbol("x") }, "b", 2);
    expect(JSON.parse(JSON.stringify(label.wire)).label).toBeNull();
  });

  it("keeps whole milliseconds of a fractional epoch timestamp, so the ISO text stays valid", () => {
    const event = createPrediction({ modelId: "m", prediction: 1, timestamp: 1_700_000_000_000.75 }, "a", 1, undefined);
    expect(event.time).toBe(1_700_000_000_000);
    expect(isoTime(event.time)).toBe(new Date(1_700_000_000_000.75).toISOString());
  });
});

describe("validateLabel", () => {
  it("names predictionId and label", () => {
    expect(errorOf(() => validateLabel({ label: 1 } as never)).field).toBe("predictionId");
    expect(errorOf(() => validateLabel({ predictionId: "p" } as never)).field).toBe("label");
  });
});

describe("createPrediction", () => {
  it("builds the wire shape, leaves optional fields undefined and uses the default environment", () => {
    const event = createPrediction({ modelId: "m", prediction: 1, latencyMs: Number.NaN }, "abc", 3, "prod");
    expect(event.seq).toBe(3);
    expect(JSON.parse(JSON.stringify(event.wire))).toEqual({ id: "abc", model_id: "m", prediction: 1, environment: "prod", timestamp: "" });
  });
});
