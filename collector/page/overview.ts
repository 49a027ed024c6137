import type { EventKind, StoredEvent, StoreObserver } from "../store.ts";
import { GroupStats, type GroupView } from "./group-stats.ts";

// Model ids come from clients; past this many groups the rest share one, so memory stays bounded.
const MAX_GROUPS = 500;
const OVERFLOW = "(other models)";
// Labels whose prediction has not arrived yet, waiting to be joined; the oldest go past this.
const MAX_WAITING_LABELS = 100_000;

/** The page's overview: totals and one {@link GroupView} per model, version and environment. */
export interface OverviewView {
  /** Epoch ms the figures were read. */
  at: number;
  predictions: number;
  labels: number;
  /** Labels whose prediction the collector has not seen (yet). */
  unmatchedLabels: number;
  duplicates: { predictions: number; labels: number };
  /** Client-reported drops by reason (`dropped` in batch bodies). */
  dropped: Record<string, number>;
  groups: GroupView[];
}

/** Aggregates kept as events arrive; plugged into the store as its observer. */
export interface Overview extends StoreObserver {
  view(dropped: Record<string, number>): OverviewView;
  /** The label value first joined to this prediction, if any. */
  labelOf(predictionId: string): unknown;
}

/**
 * Create the aggregates; the store hands each label the prediction it joins.
 * Memory: fixed per group, plus the first label value per labelled prediction (the table
 * shows it) and at most 100,000 labels waiting for their prediction.
 */
export function createOverview(): Overview {
  let groups = new Map<string, GroupStats>();
  let labelled = new Map<string, unknown>();
  let waiting = new Map<string, unknown>();
  let predictions = 0;
  let labels = 0;
  const duplicates = { predictions: 0, labels: 0 };

  const groupOf = (event: StoredEvent): GroupStats => {
    const model = String(event.model_id);
    const version = typeof event.model_version === "string" ? event.model_version : "";
    const environment = typeof event.environment === "string" ? event.environment : "";
    let key = `${model}\u0000${version}\u0000${environment}`;
    let group = groups.get(key);
    if (group) return group;
    if (groups.size >= MAX_GROUPS) {
      key = OVERFLOW;
      group = groups.get(key);
      if (group) return group;
      group = new GroupStats(OVERFLOW, "", "");
    } else {
      group = new GroupStats(model, version, environment);
    }
    groups.set(key, group);
    return group;
  };

  const join = (prediction: StoredEvent, label: unknown): void => {
    if (labelled.has(prediction.id)) return;
    labelled.set(prediction.id, label);
    groupOf(prediction).addLabel(prediction.prediction, label);
  };

  return {
    added(kind: EventKind, event: StoredEvent, receivedAt: number, prediction?: StoredEvent): void {
      if (kind === "prediction") {
        predictions++;
        groupOf(event).addPrediction(event, receivedAt);
        if (waiting.has(event.id)) {
          join(event, waiting.get(event.id));
          waiting.delete(event.id);
        }
        return;
      }
      labels++;
      const predictionId = String(event.prediction_id);
      if (prediction) return void join(prediction, event.label);
      if (waiting.has(predictionId)) return;
      waiting.set(predictionId, event.label);
      // Maps iterate in insertion order: the first key is the label waiting longest.
      if (waiting.size > MAX_WAITING_LABELS) waiting.delete(waiting.keys().next().value as string);
    },
    duplicate(kind: EventKind, event: StoredEvent): void {
      if (kind === "label") return void duplicates.labels++;
      duplicates.predictions++;
      groupOf(event).duplicates++;
    },
    reset(): void {
      groups = new Map();
      labelled = new Map();
      waiting = new Map();
      predictions = 0;
      labels = 0;
      duplicates.predictions = 0;
      duplicates.labels = 0;
    },
    labelOf: (predictionId) => labelled.get(predictionId),
    view(dropped) {
      const at = Date.now();
      const views = [...groups.values()].map((group) => group.view(at));
      views.sort((a, b) => b.predictions - a.predictions || a.model.localeCompare(b.model));
      return { at, predictions, labels, unmatchedLabels: waiting.size, duplicates: { ...duplicates }, dropped, groups: views };
    },
  };
}
