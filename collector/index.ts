/**
 * A local aither collector for development and tests: the ingest side of the wire protocol
 * (SPEC section 5) over `node:http`, with auth, gzip and `text/plain` bodies, CORS, dedup by
 * event id, a JSONL file that survives a restart, read-back routes and fault injection.
 * The same server runs from the command line as `npx aither collector`.
 *
 * @example
 * import { startCollector } from "aither/collector";
 *
 * const collector = await startCollector({ port: 0, faults: { failFirst: 1, retryAfter: 1 } });
 * // point the SDK at collector.url, log and flush, then:
 * console.log(collector.store.predictions({ modelId: "churn-v2" }));
 * await collector.close();
 *
 * @module
 */

export type { FaultDecision, FaultOptions, Faults } from "./faults.ts";
export { createFaults, validateFaults } from "./faults.ts";
export type { Collector, CollectorOptions, RequestRecord } from "./server.ts";
export { startCollector } from "./server.ts";
export type { GroupView } from "./page/group-stats.ts";
export type { OverviewView } from "./page/overview.ts";
export type { AddResult, EventBatch, EventKind, ReadFilter, Store, StoredEvent, StoredLine, StoreObserver, StoreOptions } from "./store.ts";
export { createStore, UnstorableEventError } from "./store.ts";
