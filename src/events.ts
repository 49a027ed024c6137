import { invalid } from "./errors.ts";
import { DEFAULT_TENSOR_LIMITS, normalize } from "./normalize.ts";
import type { TensorLimits } from "./tensor.ts";
import type { DropCounts, WireLabel, WirePrediction } from "./types.ts";

/** A prediction to log. See the README for every field. */
export interface PredictionInput {
  /** The model's name, 1 to 256 characters. */
  modelId: string;
  /** The model's output: any JSON-representable value (normalised). `undefined` is an error. */
  prediction: unknown;
  /** The model's input: object, array or typed array (normalised, copied at call time). */
  features?: unknown;
  /** Plain object of extra context (user id, request id, ...). */
  metadata?: Record<string, unknown>;
  /** Caller-chosen id. @default a random UUID */
  id?: string;
  /** When the prediction was made. @default now */
  timestamp?: Date | number | string;
  /** Version of the model. */
  modelVersion?: string;
  /** Deployment environment. @default the client's `environment` option */
  environment?: string;
  /** Inference time in milliseconds, if the caller measured it. */
  latencyMs?: number;
}

/** Ground truth for an earlier prediction, joined on the server by `predictionId`. */
export interface LabelInput {
  /** The id `logPrediction` returned. */
  predictionId: string;
  /** The true value. `undefined` is an error. */
  label: unknown;
  /** Plain object of extra context. */
  metadata?: Record<string, unknown>;
  /** When the label was observed. @default now */
  timestamp?: Date | number | string;
  /** Caller-chosen id of the label event. @default a random UUID */
  id?: string;
}

/** Lane of the queue (and endpoint) an event belongs to. */
export type EventKind = "prediction" | "label";

/**
 * An event waiting in the queue. The wire object is built at call time (a normalised copy);
 * it is serialized once, off the caller's path, and the text is kept for retries.
 */
export interface QueuedEvent {
  readonly kind: EventKind;
  /** Monotonic position in the queue; flush() waits for everything up to a sequence number. */
  readonly seq: number;
  /** Epoch ms of the event; becomes `timestamp` at serialization, then 0 (a boxed number less per queued event). */
  time: number;
  /**
   * The normalised copy; let go once serialized where the text can be parsed back (aither
   * JSON), so a queued event costs its text, not its objects as well.
   */
  wire: WirePrediction | WireLabel | undefined;
  /** UTF-8 bytes of `json`; 0 until serialized (the queue counts an event once it is). */
  bytes: number;
  /** The serialized event, set once by the batcher. */
  json: string | undefined;
  /** The batch this event went back to the queue from: cut again whole, it keeps its `batch_id`. */
  retryOf: RetriedBatch | undefined;
}

/** A batch given back to the queue, for {@link QueuedEvent.retryOf}. */
export interface RetriedBatch {
  readonly id: string;
  readonly count: number;
  /** The drop counts its body carried: they go with its batch_id, or back to the ledger. */
  reported: DropCounts | undefined;
  /** See {@link Batch.countsMaybeSent}. */
  readonly countsMaybeSent: boolean;
}

/** Longest `modelId`, in characters. */
export const MAX_MODEL_ID = 256;

function describe(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return "an array";
  return typeof value;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (typeof value !== "object" || value === null) return false;
  const proto = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

/** A number, string or boolean as sent (NaN and Infinity as null); undefined for anything else. */
function primitive(value: unknown): unknown {
  switch (typeof value) {
    case "number":
      return value - value === 0 ? value : null;
    case "string":
    case "boolean":
      return value;
    default:
      return undefined;
  }
}

/** Epoch ms of a `timestamp` input, or now. */
export function parseTimestamp(value: Date | number | string | undefined, field: string): number {
  if (value === undefined) return Date.now();
  const ms = value instanceof Date ? value.getTime() : typeof value === "number" ? value : typeof value === "string" ? Date.parse(value) : Number.NaN;
  if (!Number.isFinite(ms) || Math.abs(ms) > 8.64e15) {
    invalid(field, `must be a valid Date, epoch milliseconds or ISO string, got ${typeof value === "string" ? JSON.stringify(value) : String(value)}`);
  }
  // Whole milliseconds, as `new Date(ms)` keeps them (performance.timeOrigin + now() has fractions).
  return Math.trunc(ms);
}

function optionalId(value: unknown, field: string): string | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== "string" || value.length === 0) invalid(field, `must be a non-empty string, got ${describe(value)}`);
  return value;
}

/**
 * An optional text field. Not a SPEC misuse, so never an error: numbers and booleans become
 * their text (`modelVersion: 2` means "2"), anything else is left out.
 */
function optionalText(value: unknown): string | undefined {
  if (typeof value === "string") return value;
  if (typeof value === "number" || typeof value === "boolean" || typeof value === "bigint") return String(value);
  return undefined;
}

function checkMetadata(value: unknown, field: string): void {
  if (value !== undefined && !isPlainObject(value)) invalid(field, `must be a plain object, got ${describe(value)}`);
}

/** Validate a prediction input; throws before anything is normalised or queued. Returns its epoch ms. */
export function validatePrediction(input: PredictionInput): number {
  if (typeof input !== "object" || input === null) {
    invalid("input", `must be an object like { modelId, prediction }, got ${describe(input)}`);
  }
  const { modelId } = input;
  if (typeof modelId !== "string") invalid("modelId", modelId === undefined ? "is required" : `must be a string, got ${describe(modelId)}`);
  if (modelId.length === 0) invalid("modelId", "must not be empty");
  if (modelId.length > MAX_MODEL_ID) invalid("modelId", `must be at most ${MAX_MODEL_ID} characters, got ${modelId.length}`);
  if (input.prediction === undefined) invalid("prediction", "is required (use null for no value)");
  checkMetadata(input.metadata, "metadata");
  optionalId(input.id, "id");
  return parseTimestamp(input.timestamp, "timestamp");
}

/** Build the queued form of a validated prediction: a normalised copy, taken now. */
export function createPrediction(
  input: PredictionInput,
  id: string,
  seq: number,
  environment: string | undefined,
  limits: TensorLimits = DEFAULT_TENSOR_LIMITS,
  time: number = parseTimestamp(input.timestamp, "timestamp"),
): QueuedEvent {
  const wire: WirePrediction = {
    id,
    model_id: input.modelId,
    // A required field stays on the wire: a value that normalises to nothing (a function) is null.
    prediction: primitive(input.prediction) ?? normalize(input.prediction, limits) ?? null,
    features: input.features === undefined ? undefined : normalize(input.features, limits),
    metadata: input.metadata === undefined ? undefined : (normalize(input.metadata, limits) as Record<string, unknown>),
    model_version: optionalText(input.modelVersion),
    environment: optionalText(input.environment) ?? environment,
    latency_ms: Number.isFinite(input.latencyMs) ? input.latencyMs : undefined,
    timestamp: "",
  };
  return { kind: "prediction", seq, time, wire, bytes: 0, json: undefined, retryOf: undefined };
}

/** Validate a label input; returns its epoch ms. */
export function validateLabel(input: LabelInput): number {
  if (typeof input !== "object" || input === null) invalid("input", `must be an object like { predictionId, label }, got ${describe(input)}`);
  const { predictionId } = input;
  if (typeof predictionId !== "string") invalid("predictionId", predictionId === undefined ? "is required" : `must be a string, got ${describe(predictionId)}`);
  if (predictionId.length === 0) invalid("predictionId", "must not be empty");
  if (input.label === undefined) invalid("label", "is required (use null for no value)");
  checkMetadata(input.metadata, "metadata");
  optionalId(input.id, "id");
  return parseTimestamp(input.timestamp, "timestamp");
}

/** Build the queued form of a validated label. */
export function createLabel(
  input: LabelInput,
  id: string,
  seq: number,
  limits: TensorLimits = DEFAULT_TENSOR_LIMITS,
  time: number = parseTimestamp(input.timestamp, "timestamp"),
): QueuedEvent {
  const wire: WireLabel = {
    id,
    prediction_id: input.predictionId,
    label: normalize(input.label, limits) ?? null,
    metadata: input.metadata === undefined ? undefined : (normalize(input.metadata, limits) as Record<string, unknown>),
    timestamp: "",
  };
  return { kind: "label", seq, time, wire, bytes: 0, json: undefined, retryOf: undefined };
}
