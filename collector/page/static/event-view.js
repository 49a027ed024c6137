// One stored event, opened from the table: its fields, its labels, and `_tensor` summaries
// shown as dtype, shape and sample rather than as raw JSON.
import { clock, h, ms } from "./dom.js";

/**
 * Fill the dialog with a prediction and its labels, and show it.
 * @param {HTMLDialogElement} dialog
 * @param {HTMLElement} body
 * @param {{ prediction: any, labels: any[] }} data
 */
export function showEvent(dialog, body, data) {
  const p = data.prediction;
  const rest = Object.fromEntries(
    Object.entries(p).filter(
      ([k]) => !["id", "model_id", "model_version", "environment", "timestamp", "latency_ms", "prediction", "features", "metadata"].includes(k),
    ),
  );
  const parts = [
    h("h3", {}, p.model_id, h("small", {}, [p.model_version && ` v${p.model_version}`, p.environment && ` · ${p.environment}`].filter(Boolean).join(""))),
    h(
      "dl",
      { class: "fields" },
      ...field("id", p.id),
      ...field("time", p.timestamp ? `${clock(p.timestamp)} (${p.timestamp})` : "–"),
      ...field("latency", ms(p.latency_ms)),
    ),
    section("prediction", value(p.prediction)),
    p.features !== undefined ? section("features", value(p.features)) : null,
    p.metadata !== undefined ? section("metadata", value(p.metadata)) : null,
    Object.keys(rest).length > 0 ? section("other fields", value(rest)) : null,
    section(
      `labels (${data.labels.length})`,
      data.labels.length === 0
        ? h("p", { class: "hint" }, "no label for this prediction yet")
        : h("div", {}, ...data.labels.map((l) => h("div", { class: "label-event" }, value(l.label), h("small", {}, `${l.id} · ${l.timestamp ?? ""}`)))),
    ),
  ];
  body.replaceChildren(...parts.filter((part) => part !== null));
  if (!dialog.open) dialog.showModal();
}

/**
 * @param {string} name
 * @param {string} text
 */
function field(name, text) {
  return [h("dt", {}, name), h("dd", {}, text)];
}

/**
 * @param {string} title
 * @param {Node} content
 */
function section(title, content) {
  return h("section", { "data-section": title.split(" ")[0] }, h("h4", {}, title), content);
}

/**
 * A value as readable DOM: tensor summaries as such, objects holding one key by key, the rest as JSON.
 * @param {unknown} v
 * @returns {Node}
 */
function value(v) {
  const tensor = v !== null && typeof v === "object" && "_tensor" in v ? v._tensor : undefined;
  if (tensor && typeof tensor === "object" && Array.isArray(tensor.shape)) return tensorView(tensor);
  if (v !== null && typeof v === "object" && !Array.isArray(v) && JSON.stringify(v).includes('"_tensor"')) {
    return h("dl", { class: "fields" }, ...Object.entries(v).flatMap(([k, child]) => [h("dt", {}, k), h("dd", {}, value(child))]));
  }
  if (v === null || typeof v !== "object") return h("code", {}, typeof v === "string" ? v : String(v));
  return h("pre", {}, JSON.stringify(v, null, 2));
}

/** @param {{ dtype?: string, shape: number[], sample?: unknown, truncated?: boolean }} t */
function tensorView(t) {
  const sample = Array.isArray(t.sample) ? t.sample : [];
  const more = (/** @type {unknown} */ v) => (typeof v === "string" ? "more" : "");
  // A 1-D sample wraps like text; a 2-D one is a table of rows and columns.
  const body = sample.some(Array.isArray)
    ? h(
        "table",
        { class: "sample" },
        h("tbody", {}, ...sample.map((row) => h("tr", {}, ...(Array.isArray(row) ? row : [row]).map((v) => h("td", { class: more(v) }, fmt(v)))))),
      )
    : h("div", { class: "sample-values" }, ...sample.map((v) => h("span", { class: more(v) }, fmt(v))));
  return h(
    "div",
    { class: "tensor", "data-tensor": "" },
    h(
      "p",
      {},
      h("b", {}, "tensor "),
      h("span", { "data-tensor-field": "dtype" }, String(t.dtype ?? "?")),
      " shape ",
      h("span", { "data-tensor-field": "shape" }, `[${t.shape.join(", ")}]`),
      t.truncated ? h("span", { class: "hint" }, " · sample of the leading values") : null,
    ),
    sample.length > 0 ? h("div", { class: "sample-scroll" }, body) : h("p", { class: "hint" }, "no sample (values not on the CPU)"),
  );
}

/** @param {unknown} cell */
function fmt(cell) {
  if (typeof cell === "number") return Number.isInteger(cell) ? String(cell) : Number(cell.toPrecision(4)).toString();
  return typeof cell === "string" ? cell : JSON.stringify(cell);
}
