import { RequestError } from "./body.ts";
import type { EventKind, StoredEvent } from "./store.ts";

/** A batch body that passed validation. */
export interface ParsedBatch {
  kind: EventKind;
  events: StoredEvent[];
  batchId?: string;
  /** The client's own drop counts by reason, when it sent any. */
  dropped?: Record<string, number>;
}

/** The body's array field for each kind. */
export const ARRAY_FIELD: Readonly<Record<EventKind, "predictions" | "labels">> = Object.freeze({
  prediction: "predictions",
  label: "labels",
});

// Fields each event must carry: [name, must be a non-empty string].
const REQUIRED: Record<EventKind, Array<[string, boolean]>> = {
  prediction: [
    ["id", true],
    ["model_id", true],
    ["prediction", false],
  ],
  label: [
    ["id", true],
    ["prediction_id", true],
    ["label", false],
  ],
};

/** Events in a decoded body, for the request log; 0 when the shape is wrong. */
export function countEvents(kind: EventKind, body: unknown): number {
  const list = isObject(body) ? body[ARRAY_FIELD[kind]] : undefined;
  return Array.isArray(list) ? list.length : 0;
}

/**
 * Validate a decoded batch body (SPEC section 5). All or nothing: one bad event rejects the batch.
 * @throws {RequestError} 400 naming the field, e.g. "predictions[2].model_id must be a non-empty string".
 */
export function parseBatch(kind: EventKind, body: unknown): ParsedBatch {
  const field = ARRAY_FIELD[kind];
  if (!isObject(body)) throw new RequestError(400, "body must be a JSON object");
  const list = body[field];
  if (!Array.isArray(list)) throw new RequestError(400, `body must have a "${field}" array`);
  list.forEach((event: unknown, i) => {
    if (!isObject(event)) throw new RequestError(400, `${field}[${i}] must be an object`);
    for (const [name, needsString] of REQUIRED[kind]) {
      const value = event[name];
      if (value === undefined) throw new RequestError(400, `${field}[${i}].${name} is missing`);
      if (needsString && (typeof value !== "string" || value === "")) {
        throw new RequestError(400, `${field}[${i}].${name} must be a non-empty string`);
      }
    }
  });
  const batch: ParsedBatch = { kind, events: list as StoredEvent[] };
  if (body.batch_id !== undefined) {
    if (typeof body.batch_id !== "string") throw new RequestError(400, "batch_id must be a string");
    batch.batchId = body.batch_id;
  }
  if (body.dropped !== undefined) batch.dropped = parseDropped(body.dropped);
  return batch;
}

function parseDropped(value: unknown): Record<string, number> {
  if (!isObject(value)) throw new RequestError(400, "dropped must be an object of counts by reason");
  for (const [reason, n] of Object.entries(value)) {
    if (typeof n !== "number" || !Number.isInteger(n) || n < 0) {
      throw new RequestError(400, `dropped.${reason} must be a non-negative integer`);
    }
  }
  return value as Record<string, number>;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}
