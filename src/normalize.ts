/**
 * The SPEC's JSON normalisation: a copy of a value that `JSON.stringify` turns into the same
 * text every time, whatever the caller does to the original afterwards. Values are normalised,
 * never rejected.
 *
 * This runs on the caller's path (`logPrediction`), so it is written for speed: no closures,
 * no allocation beyond the copy, cycle tracking only for nested objects.
 */

import { messageOf } from "./errors.ts";
import { DEFAULTS } from "./options.ts";
import { arrayShape, asTensor, extentOf, isList, sample, summary, type TensorLimits, tensorToJson, viewDtype } from "./tensor.ts";

/** Nesting deeper than this is cut to a marker string, so a pathological value cannot overflow the stack. */
export const MAX_DEPTH = 64;

const CIRCULAR = "[Circular]";
const TOO_DEEP = "[MaxDepth]";
const objectProto = Object.prototype;

// Ancestors of the object being copied, for cycle detection (shared: normalisation never nests).
const ancestors: object[] = [];

/** The client defaults of `tensorSampleRows` and `tensorSampleColumns`. */
export const DEFAULT_TENSOR_LIMITS: TensorLimits = Object.freeze({ rows: DEFAULTS.tensorSampleRows, columns: DEFAULTS.tensorSampleColumns });
// The limits of the current normalize() call, and the element count above which values are summarised.
let limits: TensorLimits = DEFAULT_TENSOR_LIMITS;
let maxWhole = 50;

/**
 * Copy `value` into plain JSON data: typed arrays become arrays, BigInt a string, NaN and
 * Infinity null, Date an ISO string (null if invalid), Map an object, Set an array, Error
 * `{name, message}`, cycles `"[Circular]"`; functions, symbols and undefined are left out of
 * objects (and become null in arrays, as in JSON). Tensors, typed arrays and arrays with more
 * than rows x columns elements become a `_tensor` summary (see tensor.ts).
 */
export function normalize(value: unknown, tensorLimits: TensorLimits = DEFAULT_TENSOR_LIMITS): unknown {
  // Every enter() is paired with a pop, so the stack is empty here; writing length costs ~70 ns.
  if (ancestors.length !== 0) ancestors.length = 0;
  limits = tensorLimits;
  maxWhole = tensorLimits.rows * tensorLimits.columns;
  try {
    return copyValue(value);
  } catch (error) {
    // A throwing getter or proxy trap must not make logPrediction throw.
    ancestors.length = 0;
    return `[Unserializable: ${messageOf(error)}]`;
  }
}

function copyValue(value: unknown): unknown {
  switch (typeof value) {
    case "string":
      return value;
    case "boolean":
      return value;
    case "number":
      return Number.isFinite(value) ? value : null;
    case "object":
      return value === null ? null : copyObject(value as object);
    case "bigint":
      return (value as bigint).toString();
    default:
      return undefined;
  }
}

function copyObject(obj: object): unknown {
  const proto = Object.getPrototypeOf(obj);
  if (proto === objectProto || proto === null) {
    if (typeof (obj as { toJSON?: unknown }).toJSON === "function") return copyToJSON(obj);
    return enter(obj) ? copyPlain(obj as Record<string, unknown>) : marker(obj);
  }
  if (Array.isArray(obj)) return enter(obj) ? copyArray(obj) : marker(obj);
  if (ArrayBuffer.isView(obj)) return copyView(obj);
  if (obj instanceof Date) {
    const t = obj.getTime();
    return Number.isFinite(t) ? obj.toISOString() : null;
  }
  const tensor = asTensor(obj);
  if (tensor) {
    return tensorToJson(tensor, limits, copyValue);
  }
  if (typeof (obj as { toJSON?: unknown }).toJSON === "function") return copyToJSON(obj);
  if (obj instanceof Map) return enter(obj) ? copyMap(obj) : marker(obj);
  if (obj instanceof Set) return enter(obj) ? copyIterable(obj) : marker(obj);
  if (obj instanceof Error) return { name: obj.name, message: obj.message };
  if (obj instanceof ArrayBuffer) return copyView(new Uint8Array(obj));
  // Class instances: their own enumerable fields, as JSON.stringify would send them.
  return enter(obj) ? copyPlain(obj as Record<string, unknown>) : marker(obj);
}

/** Push `obj` on the ancestor stack; false when it is already there (a cycle) or too deep. */
function enter(obj: object): boolean {
  const n = ancestors.length;
  if (n >= MAX_DEPTH) return false;
  for (let i = 0; i < n; i++) if (ancestors[i] === obj) return false;
  ancestors.push(obj);
  return true;
}

function marker(obj: object): string {
  return ancestors.length >= MAX_DEPTH && !ancestors.includes(obj) ? TOO_DEEP : CIRCULAR;
}

/**
 * Copy an object's own enumerable fields. The spread clones the shape in one step (V8 copies
 * the hidden class), then only values JSON cannot take as they are get replaced: nested
 * objects (copied), BigInt, non-finite numbers. Functions and symbols become undefined, which
 * JSON leaves out, as it does for undefined.
 */
function copyPlain(obj: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = { ...obj };
  for (const key in out) {
    const v = out[key];
    switch (typeof v) {
      case "string":
      case "boolean":
        break;
      case "number":
        if ((v as number) - (v as number) !== 0) out[key] = null; // NaN, Infinity
        break;
      case "object":
        if (v !== null) out[key] = copyObject(v as object);
        break;
      case "bigint":
        out[key] = copyValue(v);
        break;
      default:
        if (v !== undefined) out[key] = undefined; // function, symbol
    }
  }
  ancestors.pop();
  return out;
}

function copyArray(arr: unknown[]): unknown {
  const n = arr.length;
  // Long or nested-and-big arrays become a summary: the cost stays that of rows x columns values.
  // Big counts rows too (extentOf): 100,001 rows, the first of them empty, are not small.
  const first = arr[0];
  if (n > maxWhole || (typeof first === "object" && isList(first))) {
    const { shape, dtype } = arrayShape(arr);
    if (extentOf(shape) > maxWhole) {
      const out = summary(dtype, shape, sample(arr, shape, false, limits, copyValue));
      ancestors.pop();
      return out;
    }
  }
  const out = new Array<unknown>(n);
  for (let i = 0; i < n; i++) {
    const v = copyValue(arr[i]);
    out[i] = v === undefined ? null : v;
  }
  ancestors.pop();
  return out;
}

function copyMap(map: Map<unknown, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of map) {
    const copied = copyValue(v);
    if (copied !== undefined) out[typeof k === "string" ? k : String(copyValue(k) ?? k)] = copied;
  }
  ancestors.pop();
  return out;
}

function copyIterable(items: Iterable<unknown>): unknown[] {
  const out: unknown[] = [];
  for (const item of items) {
    const v = copyValue(item);
    out.push(v === undefined ? null : v);
  }
  ancestors.pop();
  return out;
}

function copyView(view: ArrayBufferView): unknown {
  if (view instanceof DataView) return copyView(new Uint8Array(view.buffer, view.byteOffset, view.byteLength));
  const arr = view as unknown as ArrayLike<number | bigint>;
  const n = arr.length;
  if (n > maxWhole) {
    // Reads only the sampled values: a million-element Float32Array is not copied.
    return summary(viewDtype(view), [n], sample(arr, [n], true, limits, copyValue));
  }
  const out = new Array<unknown>(n);
  if (n > 0 && typeof arr[0] === "bigint") {
    for (let i = 0; i < n; i++) out[i] = String(arr[i]);
  } else if (view instanceof Float32Array || view instanceof Float64Array) {
    for (let i = 0; i < n; i++) {
      const x = arr[i] as number;
      out[i] = Number.isFinite(x) ? x : null;
    }
  } else {
    for (let i = 0; i < n; i++) out[i] = arr[i];
  }
  return out;
}

function copyToJSON(obj: object): unknown {
  let json: unknown;
  try {
    json = (obj as { toJSON(): unknown }).toJSON();
  } catch {
    return null; // a throwing toJSON must not make logPrediction throw
  }
  return json === obj ? null : copyValue(json);
}
