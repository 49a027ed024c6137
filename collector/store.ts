import { mkdirSync } from "node:fs";
import { dirname } from "node:path";
import { createAppender } from "./appender.ts";
import { readLines } from "./store-file.ts";

/** Which batch route an event arrived on. */
export type EventKind = "prediction" | "label";

/** A stored event: the wire object as received (must have a string `id`). */
export type StoredEvent = { id: string } & Record<string, unknown>;

/** One line of the JSONL file. */
export interface StoredLine {
  kind: EventKind;
  event: StoredEvent;
  /** ISO time the collector stored the event. */
  received_at: string;
}

/** Told about every event the store takes or turns away, loaded ones included (the page's aggregates). */
export interface StoreObserver {
  /**
   * A new event, with the epoch ms it was received (from the file when loading); for a label,
   * the stored prediction it names, if that has arrived.
   */
  added(kind: EventKind, event: StoredEvent, receivedAt: number, prediction?: StoredEvent): void;
  /** An event whose id was stored already. */
  duplicate(kind: EventKind, event: StoredEvent): void;
  /** The store was emptied. */
  reset(): void;
}

/** Options for {@link createStore}. */
export interface StoreOptions {
  /** JSONL file to load on start and append to. Parent folders are created. Omit for memory only. */
  file?: string;
  /** Receives every event as it is stored (and as the file loads). @default none */
  observer?: StoreObserver;
}

/** Result of adding one batch. */
export interface AddResult {
  accepted: number;
  duplicates: number;
}

/** Read filter; results are in arrival order, newest last. */
export interface ReadFilter {
  modelId?: string | undefined;
  predictionId?: string | undefined;
  /** Keep only the newest `limit` events. @default all */
  limit?: number | undefined;
}

/**
 * Thrown by a store add when an event of the batch cannot be serialized to JSON (nested too
 * deeply for `JSON.stringify`); nothing of the batch is stored. The collector answers 400.
 */
export class UnstorableEventError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "UnstorableEventError";
  }
}

/** Events of both kinds to store together, as one batch. */
export interface EventBatch {
  predictions?: readonly StoredEvent[];
  labels?: readonly StoredEvent[];
}

/** Append-only event store with an in-memory index and dedup by event id per kind. */
export interface Store {
  /**
   * Store predictions whose id is new; the rest count as duplicates. All or nothing: every
   * event is serialized before any is stored.
   * @throws {UnstorableEventError} when an event cannot be serialized; nothing is stored.
   */
  addPredictions(events: readonly StoredEvent[]): AddResult;
  /** Like {@link Store.addPredictions}, for labels. @throws {UnstorableEventError} */
  addLabels(events: readonly StoredEvent[]): AddResult;
  /**
   * Store predictions and labels as one batch (OTLP bodies carry both): all or nothing.
   * @throws {UnstorableEventError} when an event cannot be serialized; nothing is stored.
   */
  addBatch(batch: EventBatch): AddResult;
  /**
   * Add the `dropped` counts a client reported in a batch body, once per `batchId` (a retry of
   * a batch that arrived carries the same counts). Memory only.
   */
  addClientDropped(dropped: Record<string, number>, batchId?: string): void;
  predictions(filter?: ReadFilter): StoredEvent[];
  labels(filter?: ReadFilter): StoredEvent[];
  /** The stored prediction with this id. */
  prediction(id: string): StoredEvent | undefined;
  /** Stored events of one kind, newest first, without copying the list. */
  newest(kind: EventKind): Iterable<StoredEvent>;
  /** Stored events of one kind, oldest first, without copying the list. */
  oldest(kind: EventKind): Iterable<StoredEvent>;
  /** Stored predictions per `model_id`. */
  counts(): Record<string, number>;
  /** Events rejected as duplicates since start (or the last reset). */
  duplicates(): number;
  /** Sum of the `dropped` counts clients reported, by reason. */
  clientDropped(): Record<string, number>;
  /** Resolves once every accepted event is on disk. */
  flushed(): Promise<void>;
  /** Forget everything and truncate the file. */
  reset(): Promise<void>;
  /** Wait for pending writes and close the file. Further adds are kept in memory only. */
  close(): Promise<void>;
}

/**
 * Create a store, loading `file` first when it exists so data survives a restart.
 * Unparseable lines (a write cut short by a crash) are skipped, never fatal.
 * @example
 * const store = createStore({ file: ".aither/collector.jsonl" });
 */
export function createStore(options: StoreOptions = {}): Store {
  // Predictions by id (dedup and lookup), label ids (dedup only).
  const ids = { prediction: new Map<string, StoredEvent>(), label: new Set<string>() };
  let preds: StoredEvent[] = [];
  let labels: StoredEvent[] = [];
  // Null-prototype counters: model ids and drop reasons come from clients, and "constructor"
  // or "__proto__" must count like any other name.
  let byModel: Record<string, number> = counter();
  let dupes = 0;
  let dropped: Record<string, number> = counter();
  // Batches whose drop counts are in `dropped` already.
  const countedBatches = new Set<string>();

  const observer = options.observer;
  const index = (kind: EventKind, event: StoredEvent, receivedAt: number): boolean => {
    if (ids[kind].has(event.id)) {
      observer?.duplicate(kind, event);
      return false;
    }
    if (kind === "label") {
      ids.label.add(event.id);
      labels.push(event);
    } else {
      ids.prediction.set(event.id, event);
      preds.push(event);
      const model = String(event.model_id);
      byModel[model] = (byModel[model] ?? 0) + 1;
    }
    if (observer) observer.added(kind, event, receivedAt, kind === "label" ? ids.prediction.get(String(event.prediction_id)) : undefined);
    return true;
  };

  const file = options.file;
  let pendingText = "";
  if (file !== undefined) {
    mkdirSync(dirname(file), { recursive: true });
    const endsWithNewline = readLines(file, (line) => {
      const parsed = parseLine(line);
      if (parsed) index(parsed.kind, parsed.event, Date.parse(parsed.received_at));
    });
    // A crash can leave a partial last line; start on a fresh line so the next record stays whole.
    if (!endsWithNewline) pendingText = "\n";
  }
  const writer = file === undefined ? undefined : createAppender(file, pendingText);

  const add = (batch: EventBatch): AddResult => {
    // Serialize every event before indexing any: an event JSON.stringify cannot handle (nested
    // thousands deep) must reject the whole batch, not leave half of it indexed but not on disk.
    const parts: Array<[EventKind, StoredEvent, string]> = [];
    for (const kind of ["prediction", "label"] as const) {
      const events = (kind === "prediction" ? batch.predictions : batch.labels) ?? [];
      events.forEach((event, i) => {
        parts.push([kind, event, serialize(kind, event, i)]);
      });
    }
    const now = Date.now();
    const receivedAt = JSON.stringify(new Date(now).toISOString());
    let lines = "";
    let accepted = 0;
    for (const [kind, event, text] of parts) {
      if (!index(kind, event, now)) continue;
      accepted++;
      if (writer) lines += `{"kind":"${kind}","event":${text},"received_at":${receivedAt}}\n`;
    }
    dupes += parts.length - accepted;
    if (writer && lines) writer.append(lines);
    return { accepted, duplicates: parts.length - accepted };
  };

  return {
    addPredictions: (events) => add({ predictions: events }),
    addLabels: (events) => add({ labels: events }),
    addBatch: add,
    addClientDropped(counts, batchId) {
      if (batchId !== undefined) {
        if (countedBatches.has(batchId)) return;
        countedBatches.add(batchId);
      }
      for (const [reason, n] of Object.entries(counts)) dropped[reason] = (dropped[reason] ?? 0) + n;
    },
    predictions: (filter = {}) => select(preds, filter.modelId === undefined ? undefined : (e) => e.model_id === filter.modelId, filter.limit),
    labels: (filter = {}) => select(labels, filter.predictionId === undefined ? undefined : (e) => e.prediction_id === filter.predictionId, filter.limit),
    prediction: (id) => ids.prediction.get(id),
    newest: (kind) => walk(kind === "prediction" ? preds : labels, -1),
    oldest: (kind) => walk(kind === "prediction" ? preds : labels, 1),
    counts: () => Object.assign(counter(), byModel),
    duplicates: () => dupes,
    clientDropped: () => Object.assign(counter(), dropped),
    flushed: async () => writer?.idle(),
    async reset() {
      ids.prediction.clear();
      ids.label.clear();
      preds = [];
      labels = [];
      byModel = counter();
      dupes = 0;
      dropped = counter();
      countedBatches.clear();
      observer?.reset();
      await writer?.truncate();
    },
    close: async () => writer?.close(),
  };
}

/** An empty counter object without a prototype (no inherited "constructor", settable "__proto__"). */
function counter(): Record<string, number> {
  return Object.create(null) as Record<string, number>;
}

/** One event as JSON. @throws {UnstorableEventError} naming the event, e.g. "predictions[2] ...". */
function serialize(kind: EventKind, event: StoredEvent, i: number): string {
  try {
    return JSON.stringify(event);
  } catch (error) {
    const where = `${kind === "prediction" ? "predictions" : "labels"}[${i}]`;
    throw new UnstorableEventError(`${where} cannot be stored: it does not serialize to JSON (${(error as Error).message}; nested too deeply?)`);
  }
}

function parseLine(line: string): StoredLine | undefined {
  if (line.trim() === "") return undefined;
  try {
    const value = JSON.parse(line) as Partial<StoredLine>;
    const kindOk = value.kind === "prediction" || value.kind === "label";
    if (kindOk && typeof value.event === "object" && typeof value.event?.id === "string") return value as StoredLine;
  } catch {
    // A torn write; the rest of the file is still good.
  }
  return undefined;
}

function select(events: StoredEvent[], keep: ((event: StoredEvent) => boolean) | undefined, limit: number | undefined): StoredEvent[] {
  const matched = keep ? events.filter(keep) : events;
  return limit === undefined ? matched.slice() : matched.slice(Math.max(0, matched.length - limit));
}

/** Iterate a list in either direction; a list replaced by reset() is still walked to its end. */
function* walk(events: StoredEvent[], step: 1 | -1): Generator<StoredEvent> {
  const end = events.length;
  for (let i = step === 1 ? 0 : end - 1; i >= 0 && i < end; i += step) yield events[i] as StoredEvent;
}
