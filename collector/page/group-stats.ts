import { type Bin, ClassCounts, NumberHistogram, QuantileSketch } from "./sketch.ts";
import { kindOf, type ValueKind } from "./values.ts";

const RATE_SECONDS = 60;
const SHOWN_CLASSES = 12;

/** A distribution as the page draws it: a histogram of numbers and/or bars of classes. */
export interface DistributionView {
  count: number;
  numbers: { count: number; min: number; max: number; mean: number; bins: Bin[] } | null;
  classes: Array<[string, number]>;
}

/** Everything the page shows for one model, version and environment. */
export interface GroupView {
  model: string;
  version: string;
  environment: string;
  predictions: number;
  /** Predictions received per second, the last 60 seconds, oldest first. */
  rate: number[];
  latency: { count: number; p50: number | null; p95: number | null; p99: number | null };
  prediction: DistributionView;
  labels: {
    /** Predictions with at least one label. */
    labelled: number;
    coverage: number;
    /** Share of class predictions equal to their label, over `n` such pairs. */
    accuracy: { n: number; value: number } | null;
    /** Mean absolute error of number predictions against number labels, over `n` pairs. */
    mae: { n: number; value: number } | null;
    distribution: DistributionView;
  };
  duplicates: number;
}

/** A distribution of values, numbers and classes kept apart. */
class Distribution {
  numbers: NumberHistogram = new NumberHistogram();
  classes: ClassCounts = new ClassCounts();

  add(kind: ValueKind | undefined): void {
    if (kind === undefined) return;
    if ("number" in kind) this.numbers.add(kind.number);
    else this.classes.add(kind.class);
  }

  view(): DistributionView {
    const n = this.numbers;
    return {
      count: n.count + this.classes.count,
      numbers: n.count === 0 ? null : { count: n.count, min: n.min, max: n.max, mean: n.sum / n.count, bins: n.bins() },
      classes: this.classes.top(SHOWN_CLASSES),
    };
  }
}

/** The running figures of one group; fixed-size state (the sketches are bounded). */
export class GroupStats {
  predictions = 0;
  duplicates = 0;
  labelled = 0;
  #latency = new QuantileSketch();
  #prediction = new Distribution();
  #labels = new Distribution();
  #rate = new Uint32Array(RATE_SECONDS);
  #rateSecond = 0;
  #matches = 0;
  #classPairs = 0;
  #errorSum = 0;
  #numberPairs = 0;

  constructor(
    readonly model: string,
    readonly version: string,
    readonly environment: string,
  ) {}

  addPrediction(event: Record<string, unknown>, receivedAt: number): void {
    this.predictions++;
    if (typeof event.latency_ms === "number") this.#latency.add(event.latency_ms);
    this.#prediction.add(kindOf(event.prediction));
    this.#countSecond(Math.floor(receivedAt / 1000));
  }

  /** The first label of a prediction: coverage, agreement and the label distribution. */
  addLabel(prediction: unknown, label: unknown): void {
    this.labelled++;
    const p = kindOf(prediction);
    const l = kindOf(label);
    this.#labels.add(l);
    if (p && l && "number" in p && "number" in l) {
      this.#numberPairs++;
      this.#errorSum += Math.abs(p.number - l.number);
    } else if (p && l && "class" in p && "class" in l) {
      this.#classPairs++;
      if (p.class === l.class) this.#matches++;
    }
  }

  view(now: number): GroupView {
    const second = Math.floor(now / 1000);
    const rate: number[] = [];
    for (let s = second - RATE_SECONDS + 1; s <= second; s++) {
      const live = s <= this.#rateSecond && s > this.#rateSecond - RATE_SECONDS;
      rate.push(live ? (this.#rate[s % RATE_SECONDS] ?? 0) : 0);
    }
    const l = this.#latency;
    return {
      model: this.model,
      version: this.version,
      environment: this.environment,
      predictions: this.predictions,
      rate,
      latency: { count: l.count, p50: l.quantile(0.5), p95: l.quantile(0.95), p99: l.quantile(0.99) },
      prediction: this.#prediction.view(),
      labels: {
        labelled: this.labelled,
        coverage: this.predictions === 0 ? 0 : this.labelled / this.predictions,
        accuracy: this.#classPairs === 0 ? null : { n: this.#classPairs, value: this.#matches / this.#classPairs },
        mae: this.#numberPairs === 0 ? null : { n: this.#numberPairs, value: this.#errorSum / this.#numberPairs },
        distribution: this.#labels.view(),
      },
      duplicates: this.duplicates,
    };
  }

  /** Count one arrival in its second of the last 60; older arrivals (a loaded file) are not drawn. */
  #countSecond(second: number): void {
    if (second > this.#rateSecond) {
      for (let s = Math.max(this.#rateSecond + 1, second - RATE_SECONDS + 1); s <= second; s++) this.#rate[s % RATE_SECONDS] = 0;
      this.#rateSecond = second;
    }
    if (second <= this.#rateSecond - RATE_SECONDS) return;
    const slot = second % RATE_SECONDS;
    this.#rate[slot] = (this.#rate[slot] ?? 0) + 1;
  }
}
