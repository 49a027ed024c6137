import { describe, expect, it } from "vitest";
import { type Collector, createFaults } from "../../collector/index.ts";
import { eventually } from "../helpers/collector.ts";
import { post, prediction, predictionBatch, useCollector } from "./helpers.ts";

const start = useCollector();

const send = (c: Collector, id: string) => post(`${c.url}/v1/predictions/batch`, predictionBatch([prediction(id)]));

describe("collector faults", () => {
  it("answers the first N batches with the fault status and Retry-After, then normally", async () => {
    const c = await start({ faults: { failFirst: 2, status: 429, retryAfter: 3 } });
    const first = await send(c, "a");
    expect(first.status).toBe(429);
    expect(first.headers.get("retry-after")).toBe("3");
    expect(((await first.json()) as { error: string }).error).toMatch(/fault/);
    expect((await send(c, "a")).status).toBe(429);
    const third = await send(c, "a");
    expect(third.status).toBe(200);
    expect(third.headers.get("retry-after")).toBeNull();
    expect(c.store.predictions()).toHaveLength(1);
    expect(c.requests.map((r) => r.status)).toEqual([429, 429, 200]);
    expect(c.requests.map((r) => r.events)).toEqual([1, 1, 1]);
  });

  it("sends an HTTP-date Retry-After as given and defaults the status to 503", async () => {
    const date = new Date(Date.now() + 5000).toUTCString();
    const c = await start({ faults: { failFirst: 1, retryAfter: date } });
    const res = await send(c, "a");
    expect(res.status).toBe(503);
    expect(res.headers.get("retry-after")).toBe(date);
  });

  it("delays batch answers by latencyMs but not health checks", async () => {
    const c = await start({ faults: { latencyMs: 300 } });
    const started = performance.now();
    expect((await send(c, "a")).status).toBe(200);
    // Timing is the subject here; a lower bound cannot flake (timers never fire early by more than 1 ms).
    expect(performance.now() - started).toBeGreaterThanOrEqual(290);
    // A batch held far longer than a health check can take: the check is answered while it waits.
    c.setFaults({ latencyMs: 2000 });
    let batchAnswered = false;
    const slow = send(c, "b").then(() => {
      batchAnswered = true;
    });
    expect(await eventually(() => c.requests.length === 2)).toBe(true); // the batch is held now
    expect((await fetch(`${c.url}/health`)).status).toBe(200);
    expect(batchAnswered).toBe(false);
    await slow;
  });

  it("destroys the socket for the first N batches so fetch rejects", async () => {
    const c = await start({ faults: { dropFirst: 1 } });
    await expect(send(c, "a")).rejects.toThrow();
    expect(c.store.predictions()).toHaveLength(0);
    expect(c.requests[0]?.status).toBe(0);
    expect((await send(c, "a")).status).toBe(200);
    expect(c.store.predictions()).toHaveLength(1);
  });

  it("drops every connection with dropConnectionRate 1", async () => {
    const c = await start({ faults: { dropConnectionRate: 1 } });
    await expect(send(c, "a")).rejects.toThrow();
    await expect(send(c, "b")).rejects.toThrow();
    expect(c.store.predictions()).toHaveLength(0);
  });

  it("fails every batch with errorRate 1 and never the read routes", async () => {
    const c = await start({ faults: { errorRate: 1, status: 500 } });
    for (const id of ["a", "b", "c"]) expect((await send(c, id)).status).toBe(500);
    expect(c.store.predictions()).toHaveLength(0);
    expect((await fetch(`${c.url}/v1/predictions`)).status).toBe(200);
    expect((await fetch(`${c.url}/health`)).status).toBe(200);
  });

  it("changes faults at runtime through POST /_faults and clears them with {}", async () => {
    const c = await start();
    const set = await post(`${c.url}/_faults`, { errorRate: 1, status: 502, retryAfter: 1 });
    expect(set.status).toBe(200);
    const failed = await send(c, "a");
    expect(failed.status).toBe(502);
    expect(failed.headers.get("retry-after")).toBe("1");
    expect((await post(`${c.url}/_faults`, {})).status).toBe(200);
    expect((await send(c, "a")).status).toBe(200);
  });

  it("rejects bad fault options with 400 naming the option", async () => {
    const c = await start();
    const res = await post(`${c.url}/_faults`, { errorRate: 2 });
    expect(res.status).toBe(400);
    expect(((await res.json()) as { error: string }).error).toMatch(/errorRate/);
    const unknown = await post(`${c.url}/_faults`, { errorrate: 1 });
    expect(((await unknown.json()) as { error: string }).error).toMatch(/unknown fault option "errorrate"/);
  });

  it("setFaults restarts the failFirst count", async () => {
    const c = await start({ faults: { failFirst: 1 } });
    expect((await send(c, "a")).status).toBe(503);
    c.setFaults({ failFirst: 1, status: 504 });
    expect((await send(c, "a")).status).toBe(504);
    expect((await send(c, "a")).status).toBe(200);
  });

  it("uses the random source for errorRate", () => {
    let next = 0.4;
    const faults = createFaults({ errorRate: 0.5 }, () => next);
    expect(faults.decide().kind).toBe("fail");
    next = 0.6;
    expect(faults.decide().kind).toBe("pass");
  });
});
