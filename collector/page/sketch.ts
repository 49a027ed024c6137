/**
 * Bounded summaries the page's figures are read from: each takes values one at a time and
 * keeps a fixed amount of state, however many values arrive.
 */

// Relative accuracy of the latency quantiles: 1% (DDSketch's log buckets, gamma = 1.02).
const GAMMA = 1.02;
const LOG_GAMMA = Math.log(GAMMA);
// Values below this share one bucket: 1 µs is finer than any latency a client measures.
const MIN_VALUE = 1e-3;

/** Latency quantiles within 1% of the exact nearest-rank value, in at most ~1,700 buckets. */
export class QuantileSketch {
  count = 0;
  #buckets = new Map<number, number>();

  add(value: number): void {
    if (!Number.isFinite(value) || value < 0) return;
    const key = value < MIN_VALUE ? -Infinity : Math.ceil(Math.log(value) / LOG_GAMMA);
    this.#buckets.set(key, (this.#buckets.get(key) ?? 0) + 1);
    this.count++;
  }

  /** The value at rank ceil(q * count), or null when empty. */
  quantile(q: number): number | null {
    if (this.count === 0) return null;
    const rank = Math.max(1, Math.ceil(q * this.count));
    const keys = [...this.#buckets.keys()].sort((a, b) => a - b);
    let seen = 0;
    for (const key of keys) {
      seen += this.#buckets.get(key) ?? 0;
      // The bucket (gamma^(k-1), gamma^k] answers with the point equally far, relatively, from both ends.
      if (seen >= rank) return key === -Infinity ? 0 : (2 * GAMMA ** key) / (GAMMA + 1);
    }
    return null;
  }
}

/** One bar of a histogram: values in [from, to). */
export interface Bin {
  from: number;
  to: number;
  count: number;
}

const BINS = 24;

/**
 * A histogram of numbers whose range is not known in advance: 24 bins of equal width, aligned
 * to multiples of the width; a value outside them doubles the width (merging pairs of bins)
 * until it fits. Counts stay exact; only the resolution coarsens.
 */
export class NumberHistogram {
  count = 0;
  sum = 0;
  min: number = Infinity;
  max: number = -Infinity;
  #width = 0;
  #start = 0;
  #counts = new Float64Array(BINS);

  add(value: number): void {
    if (!Number.isFinite(value)) return;
    this.count++;
    this.sum += value;
    this.min = Math.min(this.min, value);
    this.max = Math.max(this.max, value);
    if (this.#width === 0) {
      // The first value picks a fine width (about 1/64 of itself); a wider spread widens it.
      this.#width = value === 0 ? 2 ** -10 : 2 ** Math.floor(Math.log2(Math.abs(value) / 64));
      this.#start = (Math.floor(value / this.#width) - BINS / 2) * this.#width;
    }
    while (value < this.#start || value >= this.#start + BINS * this.#width) this.#widen(value < this.#start);
    const i = Math.min(BINS - 1, Math.floor((value - this.#start) / this.#width));
    this.#counts[i] = (this.#counts[i] ?? 0) + 1;
  }

  /** Non-empty range of bins, lowest first. */
  bins(): Bin[] {
    const out: Bin[] = [];
    let first = this.#counts.findIndex((n) => n > 0);
    let last = BINS - 1;
    while (last > 0 && this.#counts[last] === 0) last--;
    if (first === -1) return out;
    // A single value gets a few empty neighbours so it reads as a bar, not the whole chart.
    if (first === last) [first, last] = [Math.max(0, first - 2), Math.min(BINS - 1, last + 2)];
    for (let i = first; i <= last; i++) {
      const from = this.#start + i * this.#width;
      out.push({ from, to: from + this.#width, count: this.#counts[i] ?? 0 });
    }
    return out;
  }

  /** Double the width, growing the range down (`lower`) or up, so the old range fits whole. */
  #widen(lower: boolean): void {
    const width = this.#width * 2;
    const start = lower ? this.#start - BINS * this.#width : this.#start;
    const next = new Float64Array(BINS);
    this.#counts.forEach((n, i) => {
      if (n === 0) return;
      const j = Math.floor((this.#start + (i + 0.5) * this.#width - start) / width);
      next[j] = (next[j] ?? 0) + n;
    });
    this.#width = width;
    this.#start = start;
    this.#counts = next;
  }
}

const MAX_CLASSES = 200;
export const OTHER_CLASS = "(other)";

/** Counts per class name; past 200 distinct names the rest count as "(other)". */
export class ClassCounts {
  count = 0;
  #counts = new Map<string, number>();

  add(name: string): void {
    this.count++;
    const key = this.#counts.has(name) || this.#counts.size < MAX_CLASSES ? name : OTHER_CLASS;
    this.#counts.set(key, (this.#counts.get(key) ?? 0) + 1);
  }

  /** The `n` largest classes, largest first, then "(other)" summing the rest. */
  top(n: number): Array<[string, number]> {
    const sorted = [...this.#counts].filter(([name]) => name !== OTHER_CLASS).sort((a, b) => b[1] - a[1]);
    const shown = sorted.slice(0, n);
    const rest = sorted.slice(n).reduce((sum, [, c]) => sum + c, this.#counts.get(OTHER_CLASS) ?? 0);
    if (rest > 0) shown.push([OTHER_CLASS, rest]);
    return shown;
  }
}
