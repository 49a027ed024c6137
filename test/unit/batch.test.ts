import { describe, expect, it } from "vitest";
import { cutBatch, encodeBody, ENVELOPE_BYTES, type SerializeContext, serializeEvent, splitBatch } from "../../src/batch.ts";
import { createLabel, createPrediction, type QueuedEvent } from "../../src/events.ts";
import { EventQueue } from "../../src/queue.ts";
import type { DropReason } from "../../src/types.ts";

function context(overrides: Partial<SerializeContext> = {}): SerializeContext & { drops: [string, DropReason, string | undefined][]; truncations: number } {
  const ctx = {
    drops: [] as [string, DropReason, string | undefined][],
    truncations: 0,
    maxEventBytes: 262_144,
    beforeSend: undefined,
    drop(event: QueuedEvent, reason: DropReason, detail: string | undefined) {
      ctx.drops.push([(event.wire as { id: string }).id, reason, detail]);
    },
    truncated() {
      ctx.truncations++;
    },
    ...overrides,
  };
  return ctx;
}

let seq = 0;
const prediction = (features: unknown = { a: 1 }, metadata?: Record<string, unknown>) =>
  createPrediction({ modelId: "m", prediction: 0.5, features, metadata, timestamp: 0 }, `id${++seq}`, seq, undefined);

describe("serializeEvent", () => {
  it("writes the ISO timestamp and keeps the text for retries", () => {
    const e = prediction();
    const id = e.wire?.id;
    expect(serializeEvent(e, context())).toBe(true);
    expect(e.wire).toBeUndefined(); // the text is kept, the objects are let go
    expect(JSON.parse(e.json as string)).toMatchObject({ id, timestamp: "1970-01-01T00:00:00.000Z", features: { a: 1 } });
    expect(e.bytes).toBe((e.json as string).length);
  });

  it("replaces features and metadata of an oversized event with the truncation marker", () => {
    const features = Object.fromEntries(Array.from({ length: 2000 }, (_, i) => [`f${i}`, 1.25])); // long arrays would be summarised
    const e = prediction(features, { note: "x".repeat(100) });
    const id = e.wire?.id;
    const ctx = context({ maxEventBytes: 2000 });
    expect(serializeEvent(e, ctx)).toBe(true);
    const sent = JSON.parse(e.json as string);
    expect(sent.features).toEqual({ _aither_truncated: { bytes: JSON.stringify(features).length } });
    expect(sent.metadata).toEqual({ _aither_truncated: { bytes: JSON.stringify({ note: "x".repeat(100) }).length } });
    expect(sent).toMatchObject({ id, model_id: "m", prediction: 0.5 });
    expect(ctx.truncations).toBe(1);
  });

  it("drops an event still too large without features (too_large)", () => {
    const e = createPrediction({ modelId: "m", prediction: "p".repeat(5000) }, "big", 1, undefined);
    const ctx = context({ maxEventBytes: 1000 });
    expect(serializeEvent(e, ctx)).toBe(false);
    expect(ctx.drops[0]?.[1]).toBe("too_large");
  });

  it("lets beforeSend redact, and drops (filtered) on null or a throw", () => {
    const redact = context({ beforeSend: (ev) => ({ ...ev, metadata: { user: "[redacted]" } }) });
    const a = prediction({ a: 1 }, { user: "alice" });
    serializeEvent(a, redact);
    expect(JSON.parse(a.json as string).metadata).toEqual({ user: "[redacted]" });
    const none = context({ beforeSend: () => null });
    expect(serializeEvent(prediction(), none)).toBe(false);
    const thrower = context({
      beforeSend: () => {
        throw new Error("oops");
      },
    });
    expect(serializeEvent(prediction(), thrower)).toBe(false);
    expect(none.drops[0]?.[1]).toBe("filtered");
    expect(none.drops[0]?.[2]).toBeUndefined(); // the hook's choice: nothing to report as an error
    expect(thrower.drops[0]?.[2]).toContain("oops");
  });

  it("counts UTF-8 bytes, not UTF-16 units", () => {
    const e = prediction({ text: "ü😀" });
    serializeEvent(e, context());
    expect(e.bytes).toBe(new TextEncoder().encode(e.json as string).length);
  });
});

describe("cutBatch", () => {
  it("cuts by batchSize and keeps the rest queued", () => {
    const q = new EventQueue(1000, 1e9);
    for (let i = 0; i < 25; i++) q.push(prediction());
    const b = cutBatch(q, "prediction", 10, 1e6, context());
    expect(b?.events).toHaveLength(10);
    expect(q.length).toBe(15);
  });

  it("cuts by maxBatchBytes: no body over the limit", () => {
    const q = new EventQueue(1000, 1e9);
    for (let i = 0; i < 50; i++) q.push(prediction(new Array(100).fill(0.123)));
    const max = 5000;
    const bodies: string[] = [];
    for (let b = cutBatch(q, "prediction", 100, max, context()); b; b = cutBatch(q, "prediction", 100, max, context())) {
      bodies.push(encodeBody(b, new Date().toISOString(), { queue_full: 3 }));
    }
    expect(bodies.length).toBeGreaterThan(5);
    for (const body of bodies) expect(body.length).toBeLessThanOrEqual(max);
    expect(bodies.flatMap((b) => JSON.parse(b).predictions)).toHaveLength(50);
    expect(max - ENVELOPE_BYTES).toBeGreaterThan(0);
  });
});

describe("cutBatch of events given back by a failed batch", () => {
  // What the sender does when a batch goes back to the queue.
  const giveBack = (q: EventQueue, batch: { id: string; events: QueuedEvent[] }) => {
    const retryOf = { id: batch.id, count: batch.events.length, reported: undefined, countsMaybeSent: false };
    for (const e of batch.events) e.retryOf = retryOf;
    q.restore(batch.events);
  };

  it("keeps the batch_id when the same events are cut again, alone", () => {
    const q = new EventQueue(1000, 1e9);
    for (let i = 0; i < 5; i++) q.push(prediction());
    const first = cutBatch(q, "prediction", 3, 1e6, context()) as NonNullable<ReturnType<typeof cutBatch>>;
    giveBack(q, first);
    const again = cutBatch(q, "prediction", 100, 1e6, context());
    expect(again?.id).toBe(first.id);
    expect(again?.events.map((e) => e.seq)).toEqual(first.events.map((e) => e.seq)); // not merged with the 2 behind
    expect(cutBatch(q, "prediction", 100, 1e6, context())?.events).toHaveLength(2);
  });

  it("gives a new batch_id to a smaller cut of them, and to what is left", () => {
    const q = new EventQueue(1000, 1e9);
    for (let i = 0; i < 4; i++) q.push(prediction());
    const first = cutBatch(q, "prediction", 4, 1e6, context()) as NonNullable<ReturnType<typeof cutBatch>>;
    giveBack(q, first);
    const part = cutBatch(q, "prediction", 3, 1e6, context());
    const rest = cutBatch(q, "prediction", 3, 1e6, context());
    expect(part?.events).toHaveLength(3);
    expect(rest?.events).toHaveLength(1);
    expect(new Set([first.id, part?.id, rest?.id]).size).toBe(3);
  });
});

describe("encodeBody", () => {
  it("joins the serialized events into the v1 envelope, with dropped counts and api_key only when given", () => {
    const q = new EventQueue(10, 1e9);
    q.push(createLabel({ predictionId: "p1", label: 1, timestamp: 0 }, "l1", 1));
    const b = cutBatch(q, "label", 10, 1e6, context());
    if (!b) throw new Error("no batch");
    const plain = JSON.parse(encodeBody(b, "2026-11-25T12:00:00.000Z", undefined));
    expect(plain).toEqual({
      batch_id: b.id,
      sent_at: "2026-11-25T12:00:00.000Z",
      labels: [{ id: "l1", prediction_id: "p1", label: 1, timestamp: "1970-01-01T00:00:00.000Z" }],
    });
    const full = JSON.parse(encodeBody(b, "t", { queue_full: 2 }, "ak_1"));
    expect(full).toMatchObject({ dropped: { queue_full: 2 }, api_key: "ak_1" });
  });

  it("splits a batch in two halves with new batch ids", () => {
    const q = new EventQueue(10, 1e9);
    for (let i = 0; i < 5; i++) q.push(prediction());
    const b = cutBatch(q, "prediction", 10, 1e6, context());
    if (!b) throw new Error("no batch");
    const [x, y] = splitBatch(b);
    expect([x.events.length, y.events.length]).toEqual([3, 2]);
    expect(new Set([b.id, x.id, y.id]).size).toBe(3);
  });
});

describe("isoTime", () => {
  it("matches toISOString for every millisecond of a second, negative and far times", async () => {
    const { isoTime } = await import("../../src/batch.ts");
    for (const base of [Date.parse("2026-11-25T12:00:00Z"), 0, -1500, Date.parse("1969-12-31T23:59:59.999Z"), 8.64e15 - 1000]) {
      for (let ms = 0; ms < 1000; ms += 7) expect(isoTime(base + ms)).toBe(new Date(base + ms).toISOString());
    }
  });
});
