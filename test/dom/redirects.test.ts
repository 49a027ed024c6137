// Redirects in the browser entry (happy-dom): the batch fetch and the unload hand-off's keepalive
// fetch go out with redirect "manual", so a 3xx is dropped (`rejected`) and never confirms a body
// by the 200 of a body-less GET. A real browser hides a manual redirect (type "opaqueredirect",
// status 0): that too is a redirect, not "no answer" to retry forever.
import http from "node:http";
import type { AddressInfo } from "node:net";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { CARRY_OVER_KEY } from "../../adapters/browser-carry-over.ts";
import type { AitherError, AitherHttpError, DropReason, WireEvent } from "../../src/public.ts";
import { hidePage, showPage, until } from "./helpers.ts";

type Entry = typeof import("../../adapters/browser.ts");
type Client = InstanceType<Entry["AitherClient"]>;

interface Redirector {
  url: string;
  /** Requests that reached the redirect's target. */
  followed: string[];
  posts: number;
  close(): Promise<void>;
}

/** A loopback server answering CORS like the collector and every POST with `status` to its own /moved path. */
async function redirector(status: number): Promise<Redirector> {
  const state = { followed: [] as string[], posts: 0 };
  const server = http.createServer((req, res) => {
    req.resume();
    req.on("end", () => {
      const origin = req.headers.origin;
      if (origin) {
        res.setHeader("access-control-allow-origin", origin);
        res.setHeader("access-control-allow-credentials", "true");
        res.setHeader("access-control-expose-headers", "location");
      }
      if (req.method === "OPTIONS") {
        res.setHeader("access-control-allow-methods", "GET, POST, OPTIONS");
        res.setHeader("access-control-allow-headers", String(req.headers["access-control-request-headers"] ?? "content-type"));
        res.writeHead(204).end();
      } else if (req.url?.startsWith("/moved")) {
        state.followed.push(`${req.method} ${req.url}`);
        res.writeHead(200, { "content-type": "application/json" }).end('{"accepted":1}');
      } else {
        state.posts++;
        res.writeHead(status, { location: `/moved${req.url}` }).end("moved");
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url,
    get followed() {
      return state.followed;
    },
    get posts() {
      return state.posts;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** What a browser gives for a `redirect: "manual"` fetch that was redirected. */
function opaqueRedirect(): Promise<Response> {
  const response = { type: "opaqueredirect", status: 0, statusText: "", ok: false, redirected: false, url: "", headers: new Headers(), body: null };
  return Promise.resolve({ ...response, text: async () => "" } as unknown as Response);
}

const clients: Client[] = [];
const servers: Redirector[] = [];

/** A client on a fresh page (page-wide state starts over) that records what it reports and drops. */
async function pageClient(endpoint: string, options: { fetch?: typeof fetch } = {}) {
  vi.resetModules();
  const page: Entry = await import("../../adapters/browser.ts");
  const errors: AitherError[] = [];
  const drops: [number, DropReason][] = [];
  const client = new page.AitherClient({
    endpoint,
    flushInterval: 60_000,
    batchSize: 10_000,
    onError: (e) => errors.push(e),
    onDrop: (events: WireEvent[], reason) => drops.push([events.length, reason]),
    ...options,
  });
  clients.push(client);
  return { client, errors, drops, http: () => errors.filter((e): e is AitherHttpError => e.code === "http") };
}

function log(client: Client, n: number): void {
  for (let i = 0; i < n; i++) client.logPrediction({ modelId: "redirected", prediction: i });
}

beforeEach(() => {
  localStorage.clear();
  showPage();
});
afterEach(async () => {
  await Promise.all(clients.splice(0).map((c) => c.close({ timeoutMs: 200 })));
  vi.restoreAllMocks();
  await Promise.all(servers.splice(0).map((s) => s.close()));
});

describe("browser entry: redirects are dropped, never followed", () => {
  it.each([301, 302, 307, 308])("flush(): a batch answered %i is dropped as rejected, naming the Location", async (status) => {
    const r = await redirector(status);
    servers.push(r);
    const { client, drops, http } = await pageClient(r.url);
    log(client, 4);
    expect(await client.flush({ timeoutMs: 3000 })).toEqual({ ok: false, sent: 0, dropped: 4, pending: 0 });
    expect(drops).toEqual([[4, "rejected"]]);
    expect(http()[0]?.status).toBe(status);
    expect(http()[0]?.message).toContain(`redirected to ${r.url}/moved/v1/predictions/batch: set endpoint to the final URL`);
    expect(r.posts).toBe(1);
    expect(r.followed).toEqual([]);
  });

  it("flush(): a hidden (opaque) redirect is dropped as rejected, not retried as a network error", async () => {
    const fetch = vi.fn<typeof globalThis.fetch>(opaqueRedirect);
    const { client, drops, http } = await pageClient("http://127.0.0.1:9", { fetch });
    log(client, 3);
    expect(await client.flush({ timeoutMs: 3000 })).toEqual({ ok: false, sent: 0, dropped: 3, pending: 0 });
    expect(fetch).toHaveBeenCalledTimes(1);
    expect(fetch.mock.calls[0]?.[1]).toMatchObject({ method: "POST", redirect: "manual" });
    expect(drops).toEqual([[3, "rejected"]]);
    expect(http()[0]?.message).toContain("redirected (the browser hides where to): set endpoint to the final URL");
  });

  it("unload hand-off: a keepalive body answered 301 is dropped as rejected, not confirmed by the redirect's GET", async () => {
    const r = await redirector(301);
    servers.push(r);
    const { client, drops, http } = await pageClient(r.url);
    log(client, 5);
    hidePage();
    await until(() => client.stats().dropped === 5, "5 events dropped", 3000);
    expect(client.stats()).toMatchObject({ sent: 0, droppedByReason: { rejected: 5 } });
    expect(drops).toEqual([[5, "rejected"]]);
    expect(http()[0]?.status).toBe(301);
    expect(http()[0]?.message).toContain(`redirected to ${r.url}/moved/v1/predictions/batch`);
    expect(r.followed).toEqual([]);
    expect(localStorage.getItem(CARRY_OVER_KEY)).toBeNull(); // settled: not resent on the next load
  });

  it("unload hand-off: a hidden (opaque) redirect is dropped as rejected, not kept to be resent", async () => {
    const fetch = vi.spyOn(globalThis, "fetch").mockImplementation(opaqueRedirect);
    const { client, drops, http } = await pageClient("http://127.0.0.1:9");
    log(client, 2);
    hidePage();
    await until(() => client.stats().dropped === 2, "2 events dropped", 3000);
    expect(fetch.mock.calls[0]?.[1]).toMatchObject({ method: "POST", keepalive: true, redirect: "manual" });
    expect(drops).toEqual([[2, "rejected"]]);
    expect(http()[0]?.message).toContain("redirected (the browser hides where to)");
    expect(localStorage.getItem(CARRY_OVER_KEY)).toBeNull();
  });
});
