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

/** Poll until `check()` (which may be async) is true or `ms` pass; returns the last value of check. */
export async function eventually(check: () => boolean | Promise<boolean>, ms = 10_000): Promise<boolean> {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if (await check()) return true;
    await new Promise((r) => setTimeout(r, 20));
  }
  return check();
}

/**
 * Poll `read` until it gives the same value for `quietMs` (equal reads that far apart), for a
 * count that stops growing when the last of an unknown number of requests has landed. Throws
 * after `ms`. Returns the steady value.
 */
export async function steady<T>(read: () => T, quietMs = 500, ms = 10_000): Promise<T> {
  const end = Date.now() + ms;
  let value = read();
  let since = Date.now();
  for (;;) {
    await new Promise((r) => setTimeout(r, 25));
    const next = read();
    if (!Object.is(next, value)) {
      value = next;
      since = Date.now();
    } else if (Date.now() - since >= quietMs) {
      return value;
    }
    if (Date.now() > end) throw new Error(`value kept changing for ${ms} ms (last ${String(value)})`);
  }
}
