// The collector's page: wires the key, the live stream, the overview, the table, the filters,
// the exports and the event view together.
import { download, getJson, KeyNeeded, readKey, saveKey, stream } from "./api.js";
import { showEvent } from "./event-view.js";
import { renderGroups, renderTotals } from "./overview.js";
import { createTable, updateChoices } from "./table.js";

/** @param {string} id */
const $ = (id) => /** @type {any} */ (document.getElementById(id));

let key = readKey();
/** @type {AbortController | undefined} */
let connection;
const selects = { model: $("filter-model"), version: $("filter-version"), environment: $("filter-environment") };
const table = createTable($("latest").tBodies[0], $("no-rows"), openEvent);

/** The filter as a query string for the stream and the exports. */
function filterQuery() {
  const query = new URLSearchParams();
  for (const [name, select] of Object.entries(selects)) if (select.value) query.set(name, select.value);
  const text = $("filter-text").value.trim();
  if (text) query.set("q", text);
  return query;
}

/** @param {"connecting" | "live" | "reconnecting" | "key"} state */
function setState(state) {
  const status = $("status");
  status.dataset.state = state;
  status.textContent = state === "key" ? "API key needed" : state;
  if (state === "key") askForKey();
}

function askForKey() {
  $("key-form").hidden = false;
  $("key-error").textContent = key ? "That key was not accepted." : "";
  $("key-input").focus();
}

/** (Re)open the stream with the current filter; its first message redraws everything. */
function connect() {
  connection?.abort();
  connection = new AbortController();
  setState("connecting");
  stream(`/v1/page/live?${filterQuery()}`, key, connection.signal, {
    message(data) {
      $("key-form").hidden = true;
      renderTotals($("totals"), data.overview);
      renderGroups($("groups"), data.overview);
      $("empty").hidden = data.overview.groups.length > 0;
      updateChoices(selects, data.overview.groups);
      table.update(data.rows, data.initial);
      document.body.dataset.loaded = "true";
    },
    state: setState,
  });
}

/** @param {string} id */
async function openEvent(id) {
  try {
    showEvent($("event-view"), $("event-body"), await getJson(`/v1/page/event?id=${encodeURIComponent(id)}`, key));
  } catch (error) {
    if (error instanceof KeyNeeded) setState("key");
    else console.warn("[aither collector page]", error);
  }
}

/** @param {"jsonl" | "csv"} format */
async function exportAs(format) {
  const query = filterQuery();
  query.set("format", format);
  try {
    await download(`/v1/page/export?${query}`, key, `aither-predictions.${format}`);
  } catch (error) {
    if (error instanceof KeyNeeded) setState("key");
    else console.warn("[aither collector page]", error);
  }
}

$("key-form").addEventListener("submit", (/** @type {Event} */ event) => {
  event.preventDefault();
  key = $("key-input").value.trim();
  saveKey(key);
  connect();
});
$("filters").addEventListener("submit", (/** @type {Event} */ event) => event.preventDefault());
for (const select of Object.values(selects)) select.addEventListener("change", connect);
let typing = 0;
$("filter-text").addEventListener("input", () => {
  clearTimeout(typing);
  typing = setTimeout(connect, 250);
});
$("export-jsonl").addEventListener("click", () => exportAs("jsonl"));
$("export-csv").addEventListener("click", () => exportAs("csv"));
$("event-close").addEventListener("click", () => $("event-view").close());
$("event-view").addEventListener("click", (/** @type {MouseEvent} */ event) => {
  // A click on the backdrop (the dialog element itself, outside its content) closes it.
  if (event.target === $("event-view")) $("event-view").close();
});
connect();
