/** How a prediction or label value is counted: as a number, as a class name, or not at all. */
export type ValueKind = { number: number } | { class: string };

const MAX_CLASS_CHARS = 60;

/**
 * Numbers count as numbers; strings, booleans and null as classes. Structured values count as
 * the class they name: a `{ label }` object or a list of them (classifier pipelines) as the
 * first label, a `_tensor` summary as its dtype and shape, anything else as its JSON type.
 */
export function kindOf(value: unknown): ValueKind | undefined {
  if (typeof value === "number") return Number.isFinite(value) ? { number: value } : undefined;
  if (typeof value === "string") return { class: value.length > MAX_CLASS_CHARS ? `${value.slice(0, MAX_CLASS_CHARS)}…` : value };
  if (typeof value === "boolean" || value === null) return { class: String(value) };
  if (typeof value !== "object") return undefined;
  const labelled = Array.isArray(value) ? value[0] : value;
  const label = (labelled as { label?: unknown } | undefined)?.label;
  if (typeof label === "string") return kindOf(label);
  const tensor = tensorOf(value);
  if (tensor) return { class: `tensor ${tensor.dtype}[${tensor.shape.join(",")}]` };
  return { class: Array.isArray(value) ? `array[${value.length}]` : "object" };
}

/** A `_tensor` summary (SPEC section 2). */
export interface TensorSummary {
  dtype: string;
  shape: number[];
  sample?: unknown;
  truncated?: boolean;
}

/** The `_tensor` summary a value carries, if any. */
export function tensorOf(value: unknown): TensorSummary | undefined {
  const tensor = (value as { _tensor?: unknown } | null)?._tensor as Partial<TensorSummary> | undefined;
  if (typeof tensor !== "object" || tensor === null || !Array.isArray(tensor.shape)) return undefined;
  return { ...tensor, dtype: String(tensor.dtype ?? "?"), shape: tensor.shape };
}

/** A short one-line text for a table cell: tensors as dtype and shape, the rest as compact JSON. */
export function preview(value: unknown, maxChars = 80): string {
  const tensor = tensorOf(value);
  const text = tensor
    ? `tensor ${tensor.dtype} [${tensor.shape.join(", ")}]`
    : typeof value === "string"
      ? value
      : // Six significant digits: enough to tell values apart in a table; the event view shows all.
        (JSON.stringify(value, (_key, v: unknown) => (typeof v === "number" && !Number.isInteger(v) ? Number(v.toPrecision(6)) : v)) ?? "");
  return text.length > maxChars ? `${text.slice(0, maxChars - 1)}…` : text;
}

/** The first `n` features as `name=value` pairs, for the table. */
export function featurePreview(features: unknown, n = 3): string {
  if (typeof features !== "object" || features === null) return features === undefined ? "" : preview(features, 60);
  const tensor = tensorOf(features);
  if (tensor || Array.isArray(features)) return preview(features, 60);
  const entries = Object.entries(features);
  const shown = entries.slice(0, n).map(([name, value]) => `${name}=${preview(value, 24)}`);
  if (entries.length > n) shown.push(`+${entries.length - n}`);
  return shown.join(" ");
}
