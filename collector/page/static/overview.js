// The overview: totals in the header and one card per model, version and environment.
import { classBars, histogram, rateChart } from "./charts.js";
import { count, h, ms, num, percent } from "./dom.js";

/**
 * Render the totals strip.
 * @param {HTMLElement} el
 * @param {any} view the collector's OverviewView
 */
export function renderTotals(el, view) {
  const dropped = Object.entries(view.dropped).sort((a, b) => b[1] - a[1]);
  const droppedTotal = dropped.reduce((sum, [, n]) => sum + n, 0);
  const item = (name, value, detail, title) =>
    h("div", { "data-total": name, title }, h("dt", {}, name), h("dd", {}, value, detail ? h("small", {}, ` ${detail}`) : null));
  el.replaceChildren(
    item("predictions", count(view.predictions)),
    item(
      "labels",
      count(view.labels),
      view.unmatchedLabels ? `${count(view.unmatchedLabels)} unmatched` : "",
      "labels whose prediction has not arrived are unmatched",
    ),
    item("duplicates", count(view.duplicates.predictions + view.duplicates.labels), "", "events received again with an id already stored (retries)"),
    item(
      "dropped by clients",
      count(droppedTotal),
      dropped.map(([reason, n]) => `${reason} ${count(n)}`).join(", "),
      "events the SDK dropped before sending, as it reported them in later batches",
    ),
  );
}

/**
 * Render every group's card.
 * @param {HTMLElement} el
 * @param {any} view the collector's OverviewView
 */
export function renderGroups(el, view) {
  el.replaceChildren(...view.groups.map(groupCard));
}

/** @param {any} g a GroupView */
function groupCard(g) {
  const recent = g.rate.slice(-6, -1);
  const perSecond = recent.reduce((sum, n) => sum + n, 0) / Math.max(1, recent.length);
  const labels = g.labels;
  const tags = [g.version && `v${g.version}`, g.environment].filter(Boolean).join(" · ");
  return h(
    "article",
    { class: "group", "data-model": g.model, "data-version": g.version, "data-environment": g.environment },
    h("header", {}, h("h3", {}, g.model), h("span", { class: "tags" }, tags || "no version or environment")),
    h(
      "div",
      { class: "figures" },
      figure("predictions", count(g.predictions), `${count(g.duplicates)} duplicate${g.duplicates === 1 ? "" : "s"}`, "duplicates"),
      h(
        "div",
        { class: "figure wide" },
        h("span", { class: "name" }, "per second"),
        h("span", { class: "value", "data-figure": "per-second" }, num(perSecond)),
        rateChart(g.rate),
      ),
      figure(
        "latency p50",
        ms(g.latency.p50),
        g.latency.count ? `p95 ${num(g.latency.p95)} · p99 ${num(g.latency.p99)} ms` : "no latency_ms sent",
        "p95-p99",
        "p50",
      ),
      figure("labelled", percent(labels.coverage), `${count(labels.labelled)} of ${count(g.predictions)}`, "labelled", "coverage"),
      agreement(labels),
    ),
    h(
      "div",
      { class: "distributions" },
      distribution("prediction", g.prediction),
      labels.distribution.count > 0
        ? distribution("label", labels.distribution)
        : h("div", { class: "distribution empty" }, h("h4", {}, "label"), "no labels yet"),
    ),
  );
}

/**
 * A figure: name, big value, a line of detail. `key` names it for tests and styles.
 * @param {string} name
 * @param {string} value
 * @param {string} detail
 * @param {string} detailKey
 * @param {string} [key]
 */
function figure(name, value, detail, detailKey, key = name) {
  return h(
    "div",
    { class: "figure" },
    h("span", { class: "name" }, name),
    h("span", { class: "value", "data-figure": key }, value),
    h("span", { class: "detail", "data-figure": detailKey }, detail),
  );
}

/** Accuracy for class labels, mean absolute error for number labels, both when both exist. */
function agreement(labels) {
  if (labels.accuracy && !labels.mae)
    return figure("accuracy", percent(labels.accuracy.value), `over ${count(labels.accuracy.n)} labels`, "accuracy-n", "accuracy");
  if (labels.mae && !labels.accuracy) return figure("abs. error", num(labels.mae.value), `mean over ${count(labels.mae.n)} labels`, "mae-n", "mae");
  if (labels.mae && labels.accuracy) {
    return figure("accuracy", percent(labels.accuracy.value), `MAE ${num(labels.mae.value)} (${count(labels.mae.n)} number labels)`, "mae", "accuracy");
  }
  return figure("agreement", "–", "needs labels of the prediction's type", "agreement-n", "agreement");
}

/**
 * @param {string} title
 * @param {any} dist a DistributionView
 */
function distribution(title, dist) {
  const parts = [h("h4", {}, title)];
  if (dist.numbers) parts.push(histogram(dist.numbers));
  if (dist.classes.length > 0) parts.push(classBars(dist.classes, dist.count));
  return h("div", { class: "distribution", "data-distribution": title }, ...parts);
}
