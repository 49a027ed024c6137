import { afterEach } from "vitest";
import type { Collector, CollectorOptions } from "../../collector/index.ts";
import { AITHER_FORMAT, type Batch, cutBatch, type SerializeContext, serializeEvent } from "../../src/batch.ts";
import type { AttemptParts } from "../../src/delivery/attempt.ts";
import { Drain } from "../../src/delivery/drain.ts";
import { DropLedger } from "../../src/delivery/drop-ledger.ts";
import type { FlushParts } from "../../src/delivery/flush.ts";
import { HandOff } from "../../src/delivery/hand-off.ts";
import { InFlight } from "../../src/delivery/in-flight.ts";
import { type DeliveryParts, Gate } from "../../src/delivery/parts.ts";
import { Requests } from "../../src/delivery/request.ts";
import { Sleeps } from "../../src/delivery/sleeps.ts";
import type { AitherError } from "../../src/errors.ts";
import { createLabel, createPrediction, type EventKind, type QueuedEvent } from "../../src/events.ts";
import { type AitherOptions, resolveOptions } from "../../src/options.ts";
import { createPortableAdapter } from "../../src/portable-adapter.ts";
import { EventQueue } from "../../src/queue.ts";
import { createReporter } from "../../src/report.ts";
import type { RuntimeAdapter } from "../../src/runtime.ts";
import { Stats } from "../../src/stats.ts";
import { fetchTransport, type Transport } from "../../src/transport.ts";
import type { DropReason } from "../../src/types.ts";
import { startTestCollector } from "./collector.ts";

// The delivery engine's parts wired by hand, as src/delivery/index.ts wires them, but with every
// part reachable, so a unit test can drive one part and watch the others.

/** A drop as onDrop saw it. */
export interface SeenDrop {
  ids: string[];
  reason: DropReason;
  count: number;
}

/** The engine's parts, wired, plus what its callbacks recorded. */
export interface Rig extends FlushParts, AttemptParts {
  readonly parts: DeliveryParts;
  readonly queue: EventQueue;
  readonly ledger: DropLedger;
  readonly stats: Stats;
  readonly serialize: SerializeContext;
  readonly handOff: HandOff;
  readonly errors: AitherError[];
  readonly drops: SeenDrop[];
  readonly debug: string[];
  readonly warnings: string[];
  /** Queue `n` events of `kind` (staged, then settled); returns them. */
  log(n: number, kind?: EventKind): QueuedEvent[];
  /** Cut the next batch of `kind` from the queue, as a lane does. */
  cut(kind?: EventKind): Batch;
}

export interface RigOptions {
  /** Options as a user passes them; endpoint is required (a collector's url). */
  options: AitherOptions & { endpoint: string };
  /** Fields of the runtime adapter to replace on the portable adapter. */
  runtime?: Partial<RuntimeAdapter>;
  /** The transport; default fetchTransport (plain fetch) with the options' timeout. */
  transport?: Transport;
}

let seq = 0;

/** Build the parts around a real queue, ledger, stats, reporter and transport. */
export function rig({ options, runtime: overrides, transport }: RigOptions): Rig {
  const o = resolveOptions({ apiKey: "ak_unit", flushInterval: 60_000, ...options }, {});
  const runtime: RuntimeAdapter = { ...createPortableAdapter("node"), ...overrides };
  const errors: AitherError[] = [];
  const drops: SeenDrop[] = [];
  const debug: string[] = [];
  const warnings: string[] = [];
  const reporter = createReporter({
    onError: (e) => errors.push(e),
    debug: true,
    console: { warn: (m: string) => warnings.push(m), log: (m: string) => debug.push(m) },
  });
  const ledger = new DropLedger({
    reporter,
    onDrop: (events, reason, count) => drops.push({ ids: events.map((e) => e.id), reason, count }),
    windowMs: 0,
    wireOf: (event) => event.wire ?? JSON.parse(event.json as string),
    later: (ms, fn) => void runtime.sleepUnref(ms).then(fn),
  });
  const stats = new Stats();
  const serialize: SerializeContext = {
    format: AITHER_FORMAT,
    maxEventBytes: o.maxEventBytes,
    beforeSend: o.beforeSend,
    drop: (event, reason, detail) => ledger.dropOne(event, reason, detail),
    truncated: () => {
      stats.truncated++;
    },
    release: (counts) => ledger.release(counts),
  };
  const queue = new EventQueue(o.maxQueueSize, o.maxQueueBytes, {
    prepare: (event) => serializeEvent(event, serialize),
    evict: (event) => ledger.dropOne(event, "queue_full", "full"),
  });
  const parts: DeliveryParts = {
    options: o,
    queue,
    stats,
    ledger,
    reporter,
    transport: transport ?? fetchTransport({ fetch: undefined, timeoutMs: o.timeout }),
    runtime,
  };
  const gate = new Gate();
  const inFlight = new InFlight();
  const sleeps = new Sleeps(gate, runtime);
  const requests = new Requests(parts, gate, AITHER_FORMAT);
  const drain = new Drain({ parts, gate, sleeps, requests }, inFlight, serialize);
  const handOff = new HandOff(parts, gate, AITHER_FORMAT, serialize, requests, sleeps);
  return {
    parts,
    queue,
    ledger,
    stats,
    serialize,
    gate,
    inFlight,
    sleeps,
    requests,
    drain,
    handOff,
    errors,
    drops,
    debug,
    warnings,
    log(n, kind = "prediction") {
      const made = Array.from({ length: n }, () => {
        seq++;
        return kind === "prediction"
          ? createPrediction({ modelId: "unit", prediction: seq, features: { n: seq } }, `ev-${seq}`, seq, undefined)
          : createLabel({ predictionId: `p-${seq}`, label: 1 }, `lb-${seq}`, seq);
      });
      for (const event of made) queue.stage(event);
      queue.settle();
      return made;
    },
    cut(kind = "prediction") {
      const batch = cutBatch(queue, kind, o.batchSize, o.maxBatchBytes, serialize);
      if (!batch) throw new Error(`nothing queued of kind ${kind}`);
      return batch;
    },
  };
}

/** A batch of no events, for parts that only hold batches (sleeps, in-flight). */
export function emptyBatch(id: string): Batch {
  return { kind: "prediction", id, events: [], reported: undefined, claimed: false, countsMaybeSent: false };
}

/** Collectors on loopback, closed after each test (requests left hanging are cut at once). */
export function useCollectors(): (options?: CollectorOptions) => Promise<Collector> {
  const open: Collector[] = [];
  afterEach(async () => {
    await Promise.all(open.splice(0).map((c) => c.close()));
  });
  return async (options = {}) => {
    const c = await startTestCollector({ closeGraceMs: 0, ...options });
    open.push(c);
    return c;
  };
}

/** Ids of the events the collector stored, of one kind. */
export function stored(c: Collector, kind: EventKind = "prediction"): string[] {
  return (kind === "prediction" ? c.store.predictions({ limit: 1e9 }) : c.store.labels({ limit: 1e9 })).map((e) => e.id);
}

/** The id of a queued event (its wire object is let go once serialized). */
export function idOf(event: QueuedEvent | undefined): string {
  if (!event) throw new Error("no event");
  return event.wire?.id ?? (JSON.parse(event.json as string) as { id: string }).id;
}
