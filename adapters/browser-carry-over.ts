import type { EncodedBody } from "../src/runtime.ts";

/** localStorage key of the carry-over: one per origin, shared by every client and tab. */
export const CARRY_OVER_KEY = "aither:carry-over";
/** Most body bytes kept; past it the oldest entries are dropped. localStorage holds about 5 MB per origin. */
export const MAX_CARRY_OVER_BYTES: number = 1024 * 1024;

/** A body kept for a later page load: batch id, URL, body (api_key inside), event count, bytes. */
export interface CarryOverEntry {
  id: string;
  url: string;
  body: string;
  count: number;
  bytes: number;
}

/**
 * Bodies handed to a closing page's browser, kept in localStorage until an answer confirms
 * them; what is left is sent again by the next page load (event ids make a repeat harmless).
 * Every call survives localStorage being absent (Web Workers), blocked (sandboxed frames,
 * privacy settings throw on access) or full.
 */
export interface CarryOver {
  /** Add bodies; returns the batch ids that are stored (none when storage is unavailable). */
  save(bodies: readonly EncodedBody[]): Set<string>;
  /** Remove entries by batch id. */
  remove(id: string): void;
  /** Entries, oldest first. */
  list(): CarryOverEntry[];
}

/** The carry-over in `localStorage`, bounded to `maxBytes` of bodies. */
export function createCarryOver(maxBytes: number = MAX_CARRY_OVER_BYTES, onDiscard?: (entry: CarryOverEntry) => void): CarryOver {
  const list = (): CarryOverEntry[] => {
    try {
      const parsed: unknown = JSON.parse(storage()?.getItem(CARRY_OVER_KEY) ?? "[]");
      return Array.isArray(parsed) ? (parsed as CarryOverEntry[]).filter(isEntry) : [];
    } catch {
      return []; // unreadable or not ours: start over
    }
  };
  // Write the newest entries that fit; on a quota error drop the oldest and try again.
  const write = (entries: CarryOverEntry[]): CarryOverEntry[] => {
    const store = storage();
    if (!store) return [];
    let total = entries.reduce((sum, e) => sum + e.bytes, 0);
    while (entries.length > 0) {
      if (total <= maxBytes) {
        try {
          store.setItem(CARRY_OVER_KEY, JSON.stringify(entries));
          return entries;
        } catch {
          // QuotaExceededError: fall through and drop the oldest
        }
      }
      const oldest = entries.shift() as CarryOverEntry;
      total -= oldest.bytes;
      onDiscard?.(oldest);
    }
    try {
      store.removeItem(CARRY_OVER_KEY);
    } catch {
      // nothing more to do
    }
    return [];
  };
  return {
    list,
    save(bodies) {
      if (bodies.length === 0 || !storage()) return new Set();
      const added = new Set(bodies.map((b) => b.batchId));
      const entries = list().filter((e) => !added.has(e.id));
      for (const b of bodies) entries.push({ id: b.batchId, url: b.url, body: b.body, count: b.count, bytes: b.bytes });
      const kept = new Set(write(entries).map((e) => e.id));
      return new Set([...added].filter((id) => kept.has(id)));
    },
    remove(id) {
      const entries = list();
      const rest = entries.filter((e) => e.id !== id);
      if (rest.length !== entries.length) write(rest);
    },
  };
}

function storage(): Storage | undefined {
  try {
    // The getter itself throws a SecurityError where storage is blocked.
    return (globalThis as { localStorage?: Storage }).localStorage ?? undefined;
  } catch {
    return undefined;
  }
}

function isEntry(value: unknown): value is CarryOverEntry {
  const e = value as CarryOverEntry | null;
  return typeof e?.id === "string" && typeof e.url === "string" && typeof e.body === "string" && typeof e.bytes === "number";
}
