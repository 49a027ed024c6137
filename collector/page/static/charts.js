// The page's small charts, drawn by hand in SVG and HTML: a rate line, a histogram and class
// bars are a few dozen lines, lighter than any chart library.
import { count, h, num, svg } from "./dom.js";

/**
 * Predictions per second over the last minute, as a filled line.
 * @param {number[]} rate per second, oldest first
 */
export function rateChart(rate) {
  const width = 240;
  const height = 40;
  const max = Math.max(1, ...rate);
  const step = width / Math.max(1, rate.length - 1);
  const points = rate.map((n, i) => `${(i * step).toFixed(1)},${(height - 2 - (n / max) * (height - 4)).toFixed(1)}`);
  const chart = svg("svg", { viewBox: `0 0 ${width} ${height}`, class: "rate", role: "img", "aria-label": `predictions per second, last minute, peak ${max}` });
  chart.append(svg("polygon", { points: `0,${height} ${points.join(" ")} ${width},${height}`, class: "area" }));
  chart.append(svg("polyline", { points: points.join(" "), class: "line" }));
  return chart;
}

/**
 * A histogram of numbers.
 * @param {{ min: number, max: number, mean: number, bins: Array<{ from: number, to: number, count: number }> }} numbers
 */
export function histogram(numbers) {
  const width = 240;
  const height = 56;
  const peak = Math.max(1, ...numbers.bins.map((b) => b.count));
  const barWidth = width / numbers.bins.length;
  const chart = svg("svg", { viewBox: `0 0 ${width} ${height}`, class: "histogram", role: "img", "aria-label": "histogram" });
  numbers.bins.forEach((bin, i) => {
    const barHeight = bin.count === 0 ? 0 : Math.max(1.5, (bin.count / peak) * height);
    const rect = svg("rect", {
      x: (i * barWidth + 0.5).toFixed(1),
      y: (height - barHeight).toFixed(1),
      width: Math.max(0.5, barWidth - 1).toFixed(1),
      height: barHeight.toFixed(1),
    });
    const title = svg("title");
    title.textContent = `${num(bin.from)} to ${num(bin.to)}: ${count(bin.count)}`;
    rect.append(title);
    chart.append(rect);
  });
  return h(
    "div",
    { class: "numbers" },
    chart,
    h("div", { class: "axis" }, h("span", {}, num(numbers.min)), h("span", {}, `mean ${num(numbers.mean)}`), h("span", {}, num(numbers.max))),
  );
}

/**
 * Horizontal bars, one per class, largest first.
 * @param {Array<[string, number]>} classes
 * @param {number} total
 */
export function classBars(classes, total) {
  const peak = Math.max(1, ...classes.map(([, n]) => n));
  return h(
    "div",
    { class: "classes" },
    ...classes.map(([name, n]) =>
      h(
        "div",
        { class: "bar-row", "data-class": name },
        h("span", { class: "bar-name", title: name }, name),
        h("span", { class: "bar" }, fill(n / peak)),
        h("span", { class: "bar-count" }, `${count(n)}${total > 0 ? ` · ${Math.round((n / total) * 100)}%` : ""}`),
      ),
    ),
  );
}

/**
 * The filled part of a bar. Set through the style property: the page's CSP refuses style attributes.
 * @param {number} share
 */
function fill(share) {
  const el = h("span");
  el.style.width = `${(share * 100).toFixed(1)}%`;
  return el;
}
