import { describe, expect, it } from "vitest";
import { ClassCounts, NumberHistogram, QuantileSketch } from "../../collector/page/sketch.ts";

/** Nearest-rank quantile of a list. */
const exact = (values: number[], q: number) => [...values].sort((a, b) => a - b)[Math.max(1, Math.ceil(q * values.length)) - 1] as number;

describe("the page's bounded summaries", () => {
  it("answers latency quantiles within 1% of the exact nearest-rank value, from values of any spread", () => {
    const sketch = new QuantileSketch();
    const values: number[] = [];
    for (let i = 0; i < 20_000; i++) {
      // Log-normal-ish latencies from 0.05 ms to several seconds.
      const v = Math.exp(Math.sin(i * 12.9898) * 4 + 2);
      values.push(v);
      sketch.add(v);
    }
    for (const q of [0.01, 0.5, 0.95, 0.99, 1]) {
      const want = exact(values, q);
      expect(Math.abs((sketch.quantile(q) as number) - want) / want).toBeLessThanOrEqual(0.01);
    }
    expect(sketch.count).toBe(20_000);
  });

  it("keeps exact histogram counts while the range grows both ways", () => {
    const histogram = new NumberHistogram();
    const values = [0.5, 0.51, 0.49, 12, -30, 0.5, 1000, -0.001];
    for (const v of values) histogram.add(v);
    const bins = histogram.bins();
    expect(bins.reduce((sum, b) => sum + b.count, 0)).toBe(values.length);
    for (const v of values) {
      const bin = bins.find((b) => v >= b.from && v < b.to);
      expect(bin, `a bin holds ${v}`).toBeDefined();
    }
    expect(bins.length).toBeLessThanOrEqual(24);
    expect([histogram.min, histogram.max, histogram.count]).toEqual([-30, 1000, 8]);
  });

  it("counts classes past 200 distinct names as (other)", () => {
    const classes = new ClassCounts();
    for (let i = 0; i < 250; i++) classes.add(`c${i}`);
    classes.add("c0");
    const top = classes.top(3);
    expect(top[0]).toEqual(["c0", 2]);
    expect(top.at(-1)).toEqual(["(other)", 251 - 2 - 1 - 1]);
    expect(top.reduce((sum, [, n]) => sum + n, 0)).toBe(251);
  });
});
