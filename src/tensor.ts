/**
 * Tensor summaries: tensors (TensorFlow.js, onnxruntime, transformers.js), typed arrays and long
 * arrays with more than `rows x columns` elements (or rows: [100000, 0] is big too) are logged as
 * `{ _tensor: { dtype, shape, sample, truncated: true } }` instead of every number. Tensors are
 * recognised by their shape, never by importing a model library (the browser bundle stays small).
 * Reading a sample touches only the leading values, so a million-element input costs the same
 * as a fifty-element one.
 */

/** How much of a big tensor is kept: its leading rows, each cut to its leading columns. */
export interface TensorLimits {
  readonly rows: number;
  readonly columns: number;
}

/** A recognised tensor: dtype, shape and its flat row-major values, when they are in CPU memory. */
export interface TensorView {
  dtype: string;
  shape: number[];
  data: ArrayLike<unknown> | undefined;
}

/** The `_tensor` marker that stands for a big value. */
export interface TensorSummary {
  _tensor: { dtype: string; shape: number[]; sample?: unknown[]; truncated: true };
}

/** Copies one sampled element into JSON data (normalize's rules). */
export type CopyValue = (value: unknown) => unknown;

type Fields = Record<string, unknown>;
type Store = { has(id: unknown): boolean; get(id: unknown): { values?: unknown } | undefined };
type TfEngine = { state?: { tensorInfo?: WeakMap<object, { backend?: { data?: Store; texData?: Store } }> } };

/**
 * A tensor of TensorFlow.js (`dtype`, `shape`, `dataId`), onnxruntime or transformers.js
 * (`type`, `dims`, `data`) as a {@link TensorView}; undefined for anything else.
 */
export function asTensor(obj: object): TensorView | undefined {
  const t = obj as Fields;
  if (typeof t.dtype === "string" && Array.isArray(t.shape) && "dataId" in t) {
    return { dtype: t.dtype, shape: t.shape as number[], data: tfjsValues(t) };
  }
  if (typeof t.type === "string" && Array.isArray(t.dims) && "data" in t) {
    // onnxruntime throws on reading `data` of a tensor that lives on a GPU ("gpu-buffer", "texture", "ml-tensor").
    const onCpu = t.location === undefined || t.location === "cpu" || t.location === "cpu-pinned";
    return { dtype: t.type, shape: t.dims as number[], data: onCpu ? (t.data as ArrayLike<unknown>) : undefined };
  }
  return undefined;
}

/**
 * The values of a tfjs tensor only if they already sit in CPU memory (cpu backend, or webgl data
 * not yet uploaded). `dataSync()` would block the caller until a GPU finishes, and `data()`
 * answers too late for a call-time capture, so a tensor on a GPU is logged as dtype and shape
 * only. The engine is the `tf.engine()` singleton tfjs keeps on the global object.
 */
function tfjsValues(t: Fields): ArrayLike<unknown> | undefined {
  if (t.isDisposed === true) return undefined;
  try {
    const backend = (globalThis as { _tfengine?: TfEngine })._tfengine?.state?.tensorInfo?.get(t.dataId as object)?.backend;
    const store = backend?.data ?? backend?.texData;
    // has() first: DataStorage.get() of a missing id would move the data between backends.
    const values = store?.has(t.dataId) ? store.get(t.dataId)?.values : undefined;
    // A string tensor's values are an array of encoded strings (Uint8Array[]), decoded per element.
    return ArrayBuffer.isView(values) || Array.isArray(values) ? (values as unknown as ArrayLike<unknown>) : undefined;
  } catch {
    return undefined;
  }
}

/** dtype of a typed array from its tag (a Node Buffer says "Uint8Array" too): "float32", "int64", ... */
export function viewDtype(view: ArrayBufferView): string {
  const name = (view as unknown as { [Symbol.toStringTag]: string })[Symbol.toStringTag].slice(0, -5).toLowerCase();
  return name.startsWith("big") ? name.slice(3) : name; // bigint64 -> int64, biguint64 -> uint64
}

/** Elements of a shape; NaN when a dimension is not a number. */
function sizeOf(shape: readonly number[]): number {
  let size = 1;
  for (const d of shape) size *= d;
  return size;
}

/**
 * Entries of a shape's nested form: the most values or arrays at any one depth. That is its
 * element count, unless a dimension is 0: [100000, 0] has no element but 100,000 (empty) rows.
 * Infinity (big) when a dimension is not a non-negative integer.
 */
export function extentOf(shape: readonly number[]): number {
  let size = 1;
  let most = 1;
  for (const d of shape) {
    if (!(Number.isInteger(d) && d >= 0)) return Number.POSITIVE_INFINITY;
    size *= d;
    if (size > most) most = size;
  }
  return most;
}

/**
 * A tensor as JSON: whole as nested arrays when its nested form has at most rows x columns
 * entries ({@link extentOf}) and its values are readable, otherwise a `_tensor` summary (without
 * `sample` if they are not).
 */
export function tensorToJson(t: TensorView, limits: TensorLimits, copy: CopyValue): unknown {
  const data = t.data;
  if (data === undefined) return summary(t.dtype, t.shape, undefined);
  const each = elementCopy(t.dtype, data, copy);
  if (extentOf(t.shape) <= limits.rows * limits.columns) return nest(data, t.shape, each);
  return summary(t.dtype, t.shape, sample(data, t.shape, true, limits, each));
}

/**
 * How one element of a tensor becomes JSON, by dtype: half-floats stored as their bits
 * (Uint16Array: onnxruntime, transformers.js) are decoded, `bool` 0/1 become booleans, and tfjs
 * strings (encoded bytes) are decoded. Applied to the copied values only.
 */
function elementCopy(dtype: string, data: ArrayLike<unknown>, copy: CopyValue): CopyValue {
  if (dtype === "float16" && data instanceof Uint16Array) return (v) => copy(halfToNumber(v as number));
  if (dtype === "bool") return (v) => copy(typeof v === "number" ? v !== 0 : v);
  if (dtype === "string") return (v) => copy(v instanceof Uint8Array ? utf8(v) : v);
  return copy;
}

/** An IEEE 754 half-precision value from its 16 bits (subnormals, Infinity and NaN included). */
function halfToNumber(bits: number): number {
  const exponent = (bits >> 10) & 0x1f;
  const fraction = bits & 0x3ff;
  const sign = bits & 0x8000 ? -1 : 1;
  if (exponent === 0) return sign * fraction * 2 ** -24; // zero and subnormals
  if (exponent === 31) return fraction === 0 ? sign * Number.POSITIVE_INFINITY : Number.NaN;
  return sign * (1024 + fraction) * 2 ** (exponent - 25);
}

let decoder: TextDecoder | undefined;
function utf8(bytes: Uint8Array): string {
  decoder ??= new TextDecoder();
  return decoder.decode(bytes);
}

/** The `_tensor` marker. */
export function summary(dtype: string, shape: number[], sample: unknown[] | undefined): TensorSummary {
  const out: TensorSummary["_tensor"] = { dtype, shape: shape.slice(), truncated: true };
  if (sample) out.sample = sample;
  return { _tensor: out };
}

/**
 * Leading values of a big value: a 1-D shape gives its first rows x columns values; a higher one
 * its first `rows` rows, each flattened past the first axis and cut to `columns` values. `flat`:
 * row-major data of the whole shape (tensors, typed arrays), else nested arrays.
 */
export function sample(src: ArrayLike<unknown>, shape: readonly number[], flat: boolean, limits: TensorLimits, copy: CopyValue): unknown[] {
  if (shape.length < 2) return take(src, 0, limits.rows * limits.columns, copy);
  const n = shape[0] as number;
  const width = sizeOf(shape) / n;
  const out: unknown[] = [];
  for (let r = 0; r < n && r < limits.rows; r++) {
    out.push(flat ? take(src, r * width, Math.min(width, limits.columns), copy) : leaves(src[r], limits.columns, [], copy, 0));
  }
  return out;
}

function take(data: ArrayLike<unknown>, start: number, count: number, copy: CopyValue): unknown[] {
  const end = Math.min(start + count, data.length);
  const out: unknown[] = [];
  for (let i = start; i < end; i++) out.push(copy(data[i]) ?? null);
  return out;
}

/** Flat data as nested arrays of `shape` (a scalar for shape []). Only for small tensors. */
function nest(data: ArrayLike<unknown>, shape: readonly number[], copy: CopyValue): unknown {
  let i = 0;
  const build = (dim: number): unknown => {
    if (dim === shape.length) return copy(data[i++]) ?? null;
    const out = new Array<unknown>(shape[dim] as number);
    for (let k = 0; k < out.length; k++) out[k] = build(dim + 1);
    return out;
  };
  return build(0);
}

/**
 * Shape and dtype of a (nested) plain array, read along its first elements: the innermost typed
 * array's dtype, else that of the first value (JS numbers are float64).
 */
export function arrayShape(arr: readonly unknown[]): { shape: number[]; dtype: string } {
  const shape = [arr.length];
  let list: ArrayLike<unknown> = arr;
  // 8 axes bound the walk; an array that contains itself must not loop forever.
  while (shape.length < 8 && isList(list[0])) {
    list = list[0];
    shape.push(list.length);
  }
  if (ArrayBuffer.isView(list)) return { shape, dtype: viewDtype(list) };
  const t = typeof list[0];
  return { shape, dtype: t === "number" ? "float64" : t === "boolean" ? "bool" : t === "bigint" ? "int64" : t };
}

function leaves(v: unknown, k: number, out: unknown[], copy: CopyValue, depth: number): unknown[] {
  if (depth < 8 && isList(v)) {
    const inner = v as ArrayLike<unknown>;
    for (let i = 0; i < inner.length && out.length < k; i++) leaves(inner[i], k, out, copy, depth + 1);
  } else if (out.length < k) out.push(copy(v) ?? null);
  return out;
}

/** An array or a typed array: a nested axis of a plain array. */
export function isList(v: unknown): v is ArrayLike<unknown> {
  return Array.isArray(v) || (ArrayBuffer.isView(v) && !(v instanceof DataView));
}
