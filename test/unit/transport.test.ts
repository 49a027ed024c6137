import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { nodeHttpTransport } from "../../adapters/node-http.ts";
import type { Collector, CollectorOptions } from "../../collector/index.ts";
import { fetchTransport, type Transport, type TransportFactory } from "../../src/transport.ts";
import { ofetchTransport } from "../../src/transport-ofetch.ts";
import { eventually, startTestCollector, storedIds } from "../helpers/collector.ts";

// Every transport is createTransport around a different POST: plain fetch (browser entry),
// ofetch (Deno, Bun, a custom `fetch`), node:http (Node). Each runs the same cases against the
// real collector on loopback, whose fault injection supplies the answers.
const TRANSPORTS: [string, TransportFactory][] = [
  ["fetch", fetchTransport],
  ["ofetch", ofetchTransport],
  ["node:http", nodeHttpTransport],
];

const open: { close(): Promise<void> }[] = [];
afterEach(async () => {
  await Promise.all(open.splice(0).map((s) => s.close()));
});

async function collector(options: CollectorOptions = {}): Promise<Collector> {
  // closeGraceMs 0: a request the test left hanging (latency) is cut when the test ends.
  const c = await startTestCollector({ closeGraceMs: 0, ...options });
  open.push(c);
  return c;
}

/** A loopback server that answers every request with `answer`, for answers the collector never gives. */
async function plainServer(answer: (req: IncomingMessage, res: ServerResponse) => void): Promise<string> {
  const server = createServer((req, res) => {
    req.resume();
    req.on("end", () => answer(req, res));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  open.push({
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  });
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

/** A prediction batch body as the sender makes it. */
function batch(ids: string[], event: Record<string, unknown> = { model_id: "transport", prediction: 0.5 }): string {
  const now = new Date().toISOString();
  return JSON.stringify({ batch_id: `b-${ids.join("-")}`, sent_at: now, predictions: ids.map((id) => ({ id, ...event, timestamp: now })) });
}

function post(transport: Transport, base: string, body: string, extra: { headers?: Record<string, string>; signal?: AbortSignal } = {}) {
  return transport({
    url: `${base}/v1/predictions/batch`,
    body,
    headers: { "Content-Type": "application/json", ...extra.headers },
    ...(extra.signal ? { signal: extra.signal } : {}),
  });
}

describe.each(TRANSPORTS)("%s transport against the collector", (_name, factory) => {
  const transport = (timeoutMs = 10_000): Transport => factory({ fetch: undefined, timeoutMs });

  it("answers 200 with ok, and the collector stored the batch", async () => {
    const c = await collector();
    expect(await post(transport(), c.url, batch(["ok-1", "ok-2"]))).toEqual({ kind: "ok", status: 200 });
    expect(storedIds(c).sort()).toEqual(["ok-1", "ok-2"]);
  });

  it("answers 503 with Retry-After with a retry after that many ms, carrying the server's message", async () => {
    const c = await collector({ faults: { failFirst: 1, status: 503, retryAfter: 7 } });
    expect(await post(transport(), c.url, batch(["r-1"]))).toEqual({ kind: "retry", status: 503, afterMs: 7000, message: "injected fault: answering 503" });
    expect(storedIds(c)).toEqual([]);
  });

  it("answers 413 with a split, carrying the server's message", async () => {
    const c = await collector({ maxBodyBytes: 200 });
    const body = batch(["s-1", "s-2", "s-3"]);
    expect(body.length).toBeGreaterThan(200);
    expect(await post(transport(), c.url, body)).toEqual({ kind: "split", status: 413, message: "body is larger than the 200 byte limit" });
  });

  it("answers 401 to an unknown key with a drop as unauthorized, and the known key with ok", async () => {
    const c = await collector({ apiKeys: ["ak_known"] });
    expect(await post(transport(), c.url, batch(["u-1"]), { headers: { "X-API-Key": "ak_unknown" } })).toEqual({
      kind: "drop",
      status: 401,
      reason: "unauthorized",
      message: "missing or unknown API key (X-API-Key or api_key)",
    });
    expect(await post(transport(), c.url, batch(["u-1"]), { headers: { "X-API-Key": "ak_known" } })).toEqual({ kind: "ok", status: 200 });
  });

  it("answers 400 with a drop as rejected, carrying the server's message", async () => {
    const c = await collector();
    expect(await post(transport(), c.url, batch(["x-1"], { prediction: 1 }))).toEqual({
      kind: "drop",
      status: 400,
      reason: "rejected",
      message: "predictions[0].model_id is missing",
    });
  });

  it("drops a 3xx as rejected naming where the Location points, without following it", async () => {
    const c = await collector();
    const target = `${c.url}/v1/predictions/batch`;
    const redirecting = await plainServer((_req, res) => res.writeHead(307, { location: target }).end());
    expect(await post(transport(), redirecting, batch(["m-1"]))).toEqual({
      kind: "drop",
      status: 307,
      reason: "rejected",
      message: `redirected to ${target}: set endpoint to the final URL`,
    });
    expect(c.requests).toHaveLength(0); // the POST was not resent to the target
  });

  it("drops a 3xx without a Location as rejected, saying it has none", async () => {
    const c = await collector({ faults: { failFirst: 1, status: 301 } });
    expect(await post(transport(), c.url, batch(["m-2"]))).toEqual({
      kind: "drop",
      status: 301,
      reason: "rejected",
      message: "redirected without a Location: set endpoint to the final URL",
    });
  });

  it("takes the text of an error answer that is not JSON (a proxy's page) as the message, and the status line when there is none", async () => {
    const proxy = await plainServer((req, res) => {
      if (req.url?.startsWith("/text")) res.writeHead(502, { "content-type": "text/plain" }).end("upstream unreachable");
      else res.writeHead(500).end();
    });
    const t = transport();
    expect(await post(t, `${proxy}/text`, batch(["p-1"]))).toEqual({ kind: "retry", status: 502, message: "upstream unreachable" });
    expect(await post(t, `${proxy}/empty`, batch(["p-2"]))).toEqual({ kind: "retry", status: 500, message: "Internal Server Error" });
  });

  it("gives up on an answer slower than the timeout with a retry marked timeout", async () => {
    const c = await collector({ faults: { latencyMs: 60_000 } });
    expect(await post(transport(200), c.url, batch(["t-1"]))).toEqual({ kind: "retry", timeout: true, message: "no answer within 200 ms" });
    expect(c.requests).toHaveLength(1); // it arrived, and was still held when the transport gave up
  });

  it("turns a refused connection (a closed port) into a retry naming the error", async () => {
    const closed = await startTestCollector();
    const url = closed.url;
    await closed.close();
    const outcome = await post(transport(), url, batch(["n-1"]));
    expect(outcome).toMatchObject({ kind: "retry", message: expect.stringMatching(/^network error: .*ECONNREFUSED/) });
    expect(outcome).not.toHaveProperty("status");
    expect(outcome).not.toHaveProperty("timeout");
  });

  it("turns a connection the server drops without an answer into a retry", async () => {
    const c = await collector({ faults: { dropFirst: 1 } });
    const outcome = await post(transport(), c.url, batch(["n-2"]));
    expect(outcome).toMatchObject({ kind: "retry", message: expect.stringMatching(/^network error: /) });
    expect(outcome).not.toHaveProperty("timeout");
    expect(c.requests.map((r) => r.status)).toEqual([0]);
  });

  it("ends a request in flight when its signal aborts: a retry, not a timeout", async () => {
    const c = await collector({ faults: { latencyMs: 60_000 } });
    const controller = new AbortController();
    const outcome = post(transport(30_000), c.url, batch(["a-1"]), { signal: controller.signal });
    expect(await eventually(() => c.requests.length === 1)).toBe(true);
    controller.abort();
    const result = await outcome;
    expect(result).toMatchObject({ kind: "retry", message: expect.stringMatching(/^network error: /) });
    expect(result).not.toHaveProperty("timeout");
  });

  it("sends nothing when the signal was aborted before the call", async () => {
    const c = await collector();
    const t = transport();
    const outcome = await post(t, c.url, batch(["a-2"]), { signal: AbortSignal.abort() });
    expect(outcome).toMatchObject({ kind: "retry", message: expect.stringMatching(/^network error: /) });
    // A request sent after it arrives; the aborted one never does.
    expect(await post(t, c.url, batch(["a-3"]))).toEqual({ kind: "ok", status: 200 });
    expect(storedIds(c)).toEqual(["a-3"]);
  });
});
