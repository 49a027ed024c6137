import http from "node:http";
import type { AddressInfo } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { AitherClient as NodeClient } from "../../adapters/node.ts";
import { AitherClient as CoreClient } from "../../src/client.ts";
import { AitherHttpError, type AitherError } from "../../src/errors.ts";
import { AitherClient as PortableClient } from "../../src/index.ts";
import type { AitherOptions } from "../../src/options.ts";
import { createPortableAdapter } from "../../src/portable-adapter.ts";
import { fetchTransport } from "../../src/transport.ts";
import type { DropReason } from "../../src/types.ts";
import { logMany } from "./helpers.ts";

// A redirect must never count as delivery: fetch follows 301/302/303 by resending the POST as a
// body-less GET, whose 200 would report the batch sent. Every transport sends with
// redirect "manual" (node:http follows nothing) and drops a 3xx answer as `rejected`, naming
// where it points.

interface Hit {
  method: string;
  url: string;
  bytes: number;
}

interface Server {
  url: string;
  hits: Hit[];
  close(): Promise<void>;
}

/** A loopback server that records every request and answers it with `answer`. */
async function server(answer: (req: http.IncomingMessage, res: http.ServerResponse) => void): Promise<Server> {
  const hits: Hit[] = [];
  const s = http.createServer((req, res) => {
    let bytes = 0;
    req.on("data", (chunk: Buffer) => {
      bytes += chunk.byteLength;
    });
    req.on("end", () => {
      hits.push({ method: req.method ?? "", url: req.url ?? "", bytes });
      answer(req, res);
    });
  });
  await new Promise<void>((resolve) => s.listen(0, "127.0.0.1", resolve));
  return {
    url: `http://127.0.0.1:${(s.address() as AddressInfo).port}`,
    hits,
    close: () =>
      new Promise<void>((resolve) => {
        s.closeAllConnections();
        s.close(() => resolve());
      }),
  };
}

const open: { close(options?: { timeoutMs: number }): Promise<unknown> }[] = [];
afterEach(async () => {
  for (const x of open.splice(0).reverse()) await x.close({ timeoutMs: 500 });
});

/** The final URL (answers 200 to anything) and a server redirecting every request to it with `status`. */
async function redirecting(status: number, location: (target: string, path: string) => string | undefined): Promise<{ from: Server; to: Server }> {
  const to = await server((_req, res) => {
    res.writeHead(200, { "content-type": "application/json" });
    res.end('{"accepted":1}');
  });
  const from = await server((req, res) => {
    const where = location(to.url, req.url ?? "/");
    res.writeHead(status, where === undefined ? {} : { location: where });
    res.end("moved");
  });
  open.push(to, from);
  return { from, to };
}

type Make = (options: AitherOptions) => CoreClient;

const entries: Record<string, Make> = {
  // node:http, keep-alive agent: follows nothing.
  "Node entry (node:http)": (options) => new NodeClient(options),
  // A `fetch` option on the Node entry goes through ofetch.
  "Node entry with a fetch option (ofetch)": (options) => new NodeClient({ fetch: (input, init) => globalThis.fetch(input, init), ...options }),
  // The portable `default` entry: ofetch over the global fetch (also what Bun, Deno and Workers use).
  "portable entry (ofetch)": (options) => new PortableClient(options),
  // The browser entry's transport: plain fetch.
  fetchTransport: (options) => new CoreClient(options, { ...createPortableAdapter("browser"), transport: fetchTransport }),
};

function recording(make: Make, endpoint: string): { client: CoreClient; errors: AitherError[]; drops: [number, DropReason][] } {
  const errors: AitherError[] = [];
  const drops: [number, DropReason][] = [];
  const client = make({
    endpoint,
    apiKey: "ak_test",
    flushInterval: 60_000,
    onError: (e) => errors.push(e),
    onDrop: (events, reason) => drops.push([events.length, reason]),
  });
  open.push(client);
  return { client, errors, drops };
}

describe.each(Object.entries(entries))("redirects through the %s", (_name, make) => {
  it.each([301, 302, 303, 307, 308])("drops a batch answered %i as rejected, naming the Location; the target gets nothing", async (status) => {
    const { from, to } = await redirecting(status, (target, path) => `${target}${path}`);
    const { client, errors, drops } = recording(make, from.url);
    logMany(client, 3);
    const result = await client.flush({ timeoutMs: 5000 });
    expect(result).toEqual({ ok: false, sent: 0, dropped: 3, pending: 0 });
    expect(client.stats()).toMatchObject({ sent: 0, dropped: 3, droppedByReason: { rejected: 3 } });
    expect(drops).toEqual([[3, "rejected"]]);
    expect(errors).toHaveLength(1);
    const error = errors[0] as AitherHttpError;
    expect(error).toBeInstanceOf(AitherHttpError);
    expect(error.status).toBe(status);
    expect(error.message).toContain(`answered ${status}`);
    expect(error.message).toContain(`redirected to ${to.url}/v1/predictions/batch: set endpoint to the final URL`);
    // One POST with its body, not retried, and nothing followed it to the target.
    expect(from.hits).toEqual([{ method: "POST", url: "/v1/predictions/batch", bytes: expect.any(Number) }]);
    expect(from.hits[0]?.bytes).toBeGreaterThan(0);
    expect(to.hits).toEqual([]);
  });

  it("resolves a relative Location against the request URL, and names a missing one", async () => {
    const relative = await redirecting(302, () => "/elsewhere/v1/predictions/batch");
    const a = recording(make, relative.from.url);
    logMany(a.client, 1);
    expect(await a.client.flush({ timeoutMs: 5000 })).toEqual({ ok: false, sent: 0, dropped: 1, pending: 0 });
    expect(a.errors[0]?.message).toContain(`redirected to ${relative.from.url}/elsewhere/v1/predictions/batch`);
    expect(relative.from.hits.map((h) => h.method)).toEqual(["POST"]); // the relative target is on the same server

    const none = await redirecting(301, () => undefined);
    const b = recording(make, none.from.url);
    logMany(b.client, 1);
    expect(await b.client.flush({ timeoutMs: 5000 })).toEqual({ ok: false, sent: 0, dropped: 1, pending: 0 });
    expect(b.errors[0]?.message).toContain("answered 301: redirected without a Location: set endpoint to the final URL");
    expect(b.drops).toEqual([[1, "rejected"]]);
  });
});
