import { describe, expect, it } from "vitest";
import { AitherError } from "../../src/errors.ts";
import type { EncodedBody } from "../../src/runtime.ts";
import { eventually } from "../helpers/collector.ts";
import { idOf, type Rig, rig, stored, useCollectors } from "../helpers/delivery.ts";

// The page's unload path: bodies out of the queue, and back, confirmed or dropped.
const collector = useCollectors();
const NO_ENDPOINT = "http://127.0.0.1:9";

interface Body {
  batch_id: string;
  api_key?: string;
  dropped?: Record<string, number>;
  predictions?: { id: string }[];
  labels?: { id: string }[];
}
const parse = (b: EncodedBody): Body => JSON.parse(b.body) as Body;

/** Drop `n` events into the ledger, so the next body carries `{ queue_full: n }`. */
function lose(r: Rig, n: number): void {
  r.log(n);
  r.ledger.drop(r.queue.clear(), "queue_full", undefined);
  r.drops.length = 0;
}

describe("HandOff.takeBodies", () => {
  it("cuts the whole queue into bodies of at most maxBytes, api_key inside, that the collector accepts without a header", async () => {
    const c = await collector({ apiKeys: ["ak_page"] });
    const r = rig({ options: { endpoint: c.url, apiKey: "ak_page" } });
    const predictions = r.log(20);
    const labels = r.log(3, "label");
    const bodies = r.handOff.takeBodies(1024);
    expect(r.queue.length).toBe(0);
    expect(bodies.length).toBeGreaterThan(2);
    expect(bodies.reduce((n, b) => n + b.count, 0)).toBe(23);
    for (const b of bodies) {
      expect(b.bytes).toBeLessThanOrEqual(1024);
      expect(b.bytes).toBe(new TextEncoder().encode(b.body).byteLength);
      expect(b.url).toBe(`${c.url}${b.kind === "prediction" ? "/v1/predictions/batch" : "/v1/labels/batch"}`);
      expect(parse(b)).toMatchObject({ batch_id: b.batchId, api_key: "ak_page" });
      // As a beacon sends it: text/plain, no X-API-Key header.
      const answer = await fetch(b.url, { method: "POST", body: b.body, headers: { "content-type": "text/plain" } });
      expect(answer.status).toBe(200);
    }
    expect(stored(c)).toEqual(predictions.map(idOf));
    expect(stored(c, "label")).toEqual(labels.map(idOf));
  });

  it("puts the ledger's drop counts in one body only", () => {
    const r = rig({ options: { endpoint: NO_ENDPOINT } });
    lose(r, 3);
    r.log(20);
    const bodies = r.handOff.takeBodies(1024);
    expect(bodies.map((b) => parse(b).dropped)).toEqual([{ queue_full: 3 }, ...bodies.slice(1).map(() => undefined)]);
  });

  it("takes batches sleeping out a backoff back from their sleep; their attempt ends without queueing them twice", async () => {
    const c = await collector({ faults: { failFirst: 1, status: 503 } });
    const r = rig({ options: { endpoint: c.url, batchSize: 2, maxRetries: 5 }, runtime: { sleepUnref: () => new Promise(() => {}) } });
    const sleeping = r.log(2);
    const delivering = r.drain.deliver(r.cut(), { kind: "background" });
    expect(await eventually(() => r.sleeps.backgroundCount === 1)).toBe(true);
    const queued = r.log(1);
    const bodies = r.handOff.takeBodies(65_536);
    expect(bodies.flatMap((b) => parse(b).predictions?.map((p) => p.id))).toEqual([...sleeping, ...queued].map(idOf));
    expect(await delivering).toBe(false);
    expect(r.queue.length).toBe(0); // the attempt loop did not put the batch back as well
    expect(r.inFlight.events).toBe(0);
  });
});

describe("HandOff: what the adapter learns later", () => {
  it("restore puts bodies back at the head of the queue; taken again, they keep their batch ids", () => {
    const r = rig({ options: { endpoint: NO_ENDPOINT } });
    r.log(10);
    const first = r.handOff.takeBodies(1024);
    const later = r.log(2);
    r.handOff.restore(first);
    expect(r.queue.length).toBe(12);
    const again = r.handOff.takeBodies(1024);
    expect(again.slice(0, first.length).map((b) => b.batchId)).toEqual(first.map((b) => b.batchId));
    expect(again.slice(first.length).flatMap((b) => parse(b).predictions?.map((p) => p.id))).toEqual(later.map(idOf));
  });

  it("puts back what the last takeBodies took when the adapter never said it was accounted for (a listener the browser stopped)", () => {
    const r = rig({ options: { endpoint: NO_ENDPOINT } });
    r.log(10);
    const lost = r.handOff.takeBodies(1024); // the listener is stopped here: neither stored nor sent
    const later = r.log(2);
    const again = r.handOff.takeBodies(1024); // the next listener
    expect(again.flatMap((b) => parse(b).predictions?.map((p) => p.id))).toHaveLength(12);
    expect(again.slice(0, lost.length).map((b) => b.batchId)).toEqual(lost.map((b) => b.batchId));
    expect(again.slice(lost.length).flatMap((b) => parse(b).predictions?.map((p) => p.id))).toEqual(later.map(idOf));
    r.handOff.accounted();
    expect(r.handOff.takeBodies(1024)).toEqual([]); // accounted for: nothing comes back
  });

  it("confirm counts a body's events as sent, once", () => {
    const r = rig({ options: { endpoint: NO_ENDPOINT } });
    r.log(4);
    const bodies = r.handOff.takeBodies(65_536);
    r.handOff.confirm(bodies);
    r.handOff.confirm(bodies);
    r.handOff.restore(bodies); // confirmed: nothing comes back
    expect(r.stats.sent).toBe(4);
    expect(r.queue.length).toBe(0);
  });

  it("drop drops a body's events with the reason and error, and gives the drop counts it carried back", () => {
    const r = rig({ options: { endpoint: NO_ENDPOINT } });
    lose(r, 2);
    const events = r.log(3);
    const bodies = r.handOff.takeBodies(65_536);
    const error = new AitherError("http", "rejected by the server");
    r.handOff.drop(bodies, "rejected", error);
    r.handOff.drop(bodies, "rejected", error); // a second word on the same body changes nothing
    expect(r.drops).toEqual([{ ids: events.map(idOf), reason: "rejected", count: 3 }]);
    expect(r.errors).toEqual([error]);
    expect(r.ledger.byReason()).toEqual({ queue_full: 2, rejected: 3 });
    expect(r.ledger.claim()).toEqual({ queue_full: 2, rejected: 3 });
  });

  it("ignores bodies it did not hand out", () => {
    const r = rig({ options: { endpoint: NO_ENDPOINT } });
    const stranger: EncodedBody = { kind: "prediction", url: "", body: "{}", bytes: 2, count: 5, batchId: "x" };
    r.handOff.restore([stranger]);
    r.handOff.confirm([stranger]);
    r.handOff.drop([stranger], "rejected", undefined);
    expect([r.queue.length, r.stats.sent, r.ledger.dropped]).toEqual([0, 0, 0]);
  });
});

describe("HandOff.inFlightBodies", () => {
  it("lists requests sent without keepalive (over the page's budget) until their batch settles", async () => {
    const c = await collector({ faults: { latencyMs: 150 } });
    const r = rig({ options: { endpoint: c.url, apiKey: "ak_page", batchSize: 3 }, runtime: { page: { keepalive: () => undefined } } });
    const events = r.log(3);
    const batch = r.cut();
    const delivering = r.drain.deliver(batch, { kind: "background" });
    const [copy, ...rest] = r.handOff.inFlightBodies();
    expect(rest).toEqual([]);
    expect(copy?.body).toMatchObject({ kind: "prediction", count: 3, batchId: batch.id });
    expect(parse(copy?.body as EncodedBody)).toMatchObject({ batch_id: batch.id, api_key: "ak_page" });
    expect(parse(copy?.body as EncodedBody).predictions?.map((p) => p.id)).toEqual(events.map(idOf));
    expect(await delivering).toBe(true);
    await copy?.settled;
    expect(r.handOff.inFlightBodies()).toEqual([]);
  });

  it("lists nothing for requests sent with keepalive", async () => {
    const c = await collector({ faults: { latencyMs: 100 } });
    const r = rig({ options: { endpoint: c.url }, runtime: { page: { keepalive: () => () => {} } } });
    r.log(2);
    const delivering = r.drain.deliver(r.cut(), { kind: "background" });
    expect(r.handOff.inFlightBodies()).toEqual([]);
    expect(await delivering).toBe(true);
  });
});
