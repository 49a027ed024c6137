import { type Collector, type CollectorOptions, startCollector } from "../../collector/index.ts";

/** A real collector on 127.0.0.1 with a free port and memory storage, closed by the caller. */
export function startTestCollector(options: CollectorOptions = {}): Promise<Collector> {
  return startCollector({ port: 0, ...options });
}

/** Ids of the stored predictions, and a check that each appears once. */
export function storedIds(collector: Collector, kind: "prediction" | "label" = "prediction"): string[] {
  const events = kind === "prediction" ? collector.store.predictions({ limit: 1e9 }) : collector.store.labels({ limit: 1e9 });
  return events.map((e) => e.id);
}

/** Poll until `check()` is true or `ms` pass; returns the last value of check. */
export async function eventually(check: () => boolean, ms = 10_000): Promise<boolean> {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if (check()) return true;
    await new Promise((r) => setTimeout(r, 20));
  }
  return check();
}
