// Small DOM and number helpers shared by the page's modules. Text goes in through textContent
// only, so nothing a client sent is ever parsed as HTML.

/**
 * Create an element: `h("td", { class: "num", title: "x" }, "text", child)`.
 * @param {string} tag
 * @param {Record<string, string | number | boolean | undefined | ((event: Event) => void)>} [attrs]
 * @param {...(Node | string | number | null | undefined)} children
 * @returns {HTMLElement}
 */
export function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs)) {
    if (value === undefined || value === false) continue;
    if (typeof value === "function") el.addEventListener(name, value);
    else el.setAttribute(name, value === true ? "" : String(value));
  }
  for (const child of children) if (child !== null && child !== undefined) el.append(typeof child === "object" ? child : String(child));
  return el;
}

const SVG = "http://www.w3.org/2000/svg";

/**
 * Create an SVG element with attributes.
 * @param {string} tag
 * @param {Record<string, string | number>} [attrs]
 * @returns {SVGElement}
 */
export function svg(tag, attrs = {}) {
  const el = document.createElementNS(SVG, tag);
  for (const [name, value] of Object.entries(attrs)) el.setAttribute(name, String(value));
  return el;
}

/**
 * A count with thousands separators: 1,000,000.
 * @param {number} n
 */
export function count(n) {
  return COUNT_FORMAT.format(n);
}
// One formatter for every call: toLocaleString builds a new one each time, which shows at
// thousands of rows a second.
const COUNT_FORMAT = new Intl.NumberFormat("en-US");

/**
 * A number with three significant digits, or an integer as is: 12.3, 0.0456, 1,234.
 * @param {number | null | undefined} n
 */
export function num(n) {
  if (n === null || n === undefined || !Number.isFinite(n)) return "–";
  if (Number.isInteger(n) || Math.abs(n) >= 1000) return count(Math.round(n));
  return Number(n.toPrecision(3)).toString();
}

/**
 * Milliseconds as "12.3 ms", or "–" when unknown.
 * @param {number | null | undefined} ms
 */
export function ms(ms) {
  return ms === null || ms === undefined ? "–" : `${num(ms)} ms`;
}

/**
 * A share as "87.5%".
 * @param {number} share
 */
export function percent(share) {
  return `${Number((share * 100).toPrecision(3))}%`;
}

/**
 * The time of day of an ISO timestamp, with milliseconds: "14:03:27.512".
 * @param {string} iso
 */
export function clock(iso) {
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return iso;
  const two = (/** @type {number} */ n) => String(n).padStart(2, "0");
  return `${two(date.getHours())}:${two(date.getMinutes())}:${two(date.getSeconds())}.${String(date.getMilliseconds()).padStart(3, "0")}`;
}
