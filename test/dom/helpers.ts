import { startCollector, type Collector, type StoredEvent } from "../../collector/index.ts";

export { startCollector, type Collector };

/** Poll `check` every 20 ms until it returns true, or fail after `timeoutMs`. */
export async function until(check: () => boolean, what: string, timeoutMs = 5000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/** Features big enough that 300 predictions make about 100 KB of JSON. */
export function features(i: number): Record<string, number | string> {
  return { tenure: i, monthly_charges: 65.5 + i, plan: "premium-annual-with-addons", region: "eu-west-1", score_a: 0.123456789, score_b: 0.987654321 };
}

/** Ids stored by the collector, with how often each occurs (the store dedups, so 1). */
export function storedIds(collector: Collector, modelId?: string): string[] {
  return collector.store.predictions(modelId === undefined ? {} : { modelId }).map((e: StoredEvent) => e.id);
}

/** Make the document report `hidden` and fire visibilitychange (RUNTIMES.md section 9). */
export function hidePage(): void {
  Object.defineProperty(document, "visibilityState", { configurable: true, get: () => "hidden" });
  document.dispatchEvent(new Event("visibilitychange"));
}

/** Undo {@link hidePage}. */
export function showPage(): void {
  Object.defineProperty(document, "visibilityState", { configurable: true, get: () => "visible" });
}
