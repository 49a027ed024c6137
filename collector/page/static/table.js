// The latest-predictions table: the newest rows first, at most 100, filled from the stream.
import { clock, h, ms } from "./dom.js";

const MAX_ROWS = 100;

/**
 * Create the table over its <tbody>; `open(id)` shows one event.
 * @param {HTMLTableSectionElement} body
 * @param {HTMLElement} empty shown when no row matches
 * @param {(id: string) => void} open
 */
export function createTable(body, empty, open) {
  /** @type {any[]} rows to add on the next frame, newest first */
  let pending = [];
  let replace = false;
  let scheduled = false;

  // New rows are put on top and the oldest taken off the bottom: the rows already shown are
  // not rebuilt, so thousands of events a second cost only the rows that arrive.
  const render = () => {
    scheduled = false;
    const fresh = pending.slice(0, MAX_ROWS).map((row) => rowElement(row, open));
    pending = [];
    if (replace) body.replaceChildren(...fresh);
    else body.prepend(...fresh);
    replace = false;
    while (body.rows.length > MAX_ROWS) body.rows[body.rows.length - 1]?.remove();
    empty.hidden = body.rows.length > 0;
  };

  return {
    /**
     * Take the rows of a stream message, newest first.
     * @param {any[]} incoming
     * @param {boolean} replaceAll the first message of a stream: its rows are the whole table
     */
    update(incoming, replaceAll) {
      if (!replaceAll && incoming.length === 0) return;
      if (replaceAll) {
        pending = incoming;
        replace = true;
      } else {
        pending = [...incoming, ...pending].slice(0, MAX_ROWS);
      }
      if (scheduled) return;
      scheduled = true;
      // Messages come four times a second at most; draw once per frame.
      requestAnimationFrame(render);
    },
  };
}

/**
 * @param {any} row an EventRow
 * @param {(id: string) => void} open
 */
function rowElement(row, open) {
  const tags = [row.version && `v${row.version}`, row.environment].filter(Boolean).join(" · ");
  return h(
    "tr",
    { "data-id": row.id, tabindex: 0, title: "open the stored event", click: () => open(row.id), keydown: (e) => e.key === "Enter" && open(row.id) },
    h("td", { class: "time" }, clock(row.timestamp)),
    h("td", { class: "model" }, row.model, tags ? h("small", {}, ` ${tags}`) : null),
    h("td", { class: "prediction" }, row.prediction),
    h("td", { class: "label" }, row.label ?? ""),
    h("td", { class: "features" }, row.features),
    h("td", { class: "num" }, ms(row.latencyMs)),
  );
}

/**
 * Keep the filter's model, version and environment choices in step with the groups seen.
 * @param {Record<"model" | "version" | "environment", HTMLSelectElement>} selects
 * @param {any[]} groups GroupViews
 */
export function updateChoices(selects, groups) {
  for (const [field, select] of Object.entries(selects)) {
    const known = new Set([...select.options].map((o) => o.value));
    for (const g of groups) {
      const value = g[field];
      if (!value || known.has(value)) continue;
      select.append(h("option", { value }, value));
      known.add(value);
    }
  }
}
