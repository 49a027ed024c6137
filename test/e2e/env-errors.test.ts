// Configuration the code did not pass (environment variables read by the lazy global client, a
// Worker's env or withAither's options function) must not take the host down: it is reported
// once and leaves a disabled client. Options written in code still throw, naming the option.
import { afterEach, describe, expect, it, vi } from "vitest";
import { startTestCollector } from "../helpers/collector.ts";

afterEach(() => {
  vi.unstubAllEnvs();
  vi.restoreAllMocks();
});

type Entry = typeof import("../../src/index.ts");

/** A fresh copy of an entry, so its global client is made from the environment stubbed now. */
async function freshEntry(path: string): Promise<Entry> {
  vi.resetModules();
  return (await import(path)) as Entry;
}

function warnings(warn: { mock: { calls: unknown[][] } }): string[] {
  return warn.mock.calls.map((call) => String(call[0]));
}

describe.each([
  ["the Node entry", "../../adapters/node.ts"],
  ["the portable entry", "../../src/index.ts"],
])("a bad AITHER_ENDPOINT, with %s", (_, path) => {
  it("leaves the module-level functions working on a disabled client, warned about once, naming AITHER_ENDPOINT", async () => {
    vi.stubEnv("AITHER_ENDPOINT", "not a url");
    vi.stubEnv("AITHER_API_KEY", "ak_env");
    const warn = vi.spyOn(console, "warn").mockImplementation(() => {});
    const aither = await freshEntry(path);

    const ids: string[] = [];
    for (let i = 0; i < 3; i++) ids.push(aither.logPrediction({ modelId: "m", prediction: i }));
    ids.push(aither.logPrediction({ id: "mine", modelId: "m", prediction: 1 }));
    ids.push(aither.logLabel({ predictionId: "mine", label: 1 }));
    const model = aither.wrap((x: number) => x * 2, { modelId: "double" });
    expect(model(21)).toBe(42);
    for (const id of ids) expect(id).toMatch(/^[0-9a-f-]{36}$|^mine$/);
    expect(ids[3]).toBe("mine");
    expect(new Set(ids).size).toBe(ids.length);

    expect(aither.stats()).toMatchObject({ queued: 0, inFlight: 0, sent: 0, dropped: 0 });
    expect(await aither.flush()).toEqual({ ok: true, sent: 0, dropped: 0, pending: 0 });

    expect(warnings(warn)).toHaveLength(1);
    expect(warnings(warn)[0]).toMatch(/^\[aither\] AITHER_ENDPOINT .*"not a url"/);
    await aither.close();
    expect(warnings(warn)).toHaveLength(1);
  });

  it("still throws for misuse in code: a bad call, a bad option given to init()", async () => {
    vi.stubEnv("AITHER_ENDPOINT", "not a url");
    vi.spyOn(console, "warn").mockImplementation(() => {});
    const aither = await freshEntry(path);
    expect(() => aither.logPrediction({ modelId: "", prediction: 1 })).toThrow(/modelId/);
    expect(() => aither.logLabel({ predictionId: "p", label: undefined })).toThrow(/label/);
    const flushInterval = (() => aither.init({ endpoint: "http://127.0.0.1:9", flushInterval: -1 })) as () => unknown;
    expect(flushInterval).toThrow(aither.AitherValidationError);
    expect(flushInterval).toThrow(/^flushInterval /);
    expect(() => aither.init({ endpoint: "ftp://x" })).toThrow(/^endpoint /);
  });
});

describe("withAither's configuration (the Workers entry, run in Node)", () => {
  type Cloudflare = typeof import("../../adapters/cloudflare.ts");

  async function invoke(cf: Cloudflare, options: Parameters<Cloudflare["withAither"]>[1], env: Record<string, unknown>, times = 3): Promise<string[]> {
    const worker = cf.withAither(
      {
        async fetch(_request: Request, _env: unknown, _ctx: unknown): Promise<Response> {
          return new Response(cf.logPrediction({ modelId: "m", prediction: 1 }));
        },
      },
      options,
    );
    const bodies: string[] = [];
    for (let i = 0; i < times; i++) {
      const settled: Promise<unknown>[] = [];
      const res = (await worker.fetch?.(
        new Request("http://worker/") as never,
        env as never,
        { waitUntil: (p: Promise<unknown>) => settled.push(p) } as never,
      )) as Response;
      expect(res.status).toBe(200);
      bodies.push(await res.text());
      await Promise.all(settled);
    }
    return bodies;
  }

  it("a bad env.AITHER_ENDPOINT: the handler's own response, every time, and one warning naming it", async () => {
    const warn = vi.spyOn(console, "warn").mockImplementation(() => {});
    const cf = (await freshEntry("../../adapters/cloudflare.ts")) as unknown as Cloudflare;
    const bodies = await invoke(cf, undefined, { AITHER_ENDPOINT: "not a url" });
    for (const id of bodies) expect(id).toMatch(/^[0-9a-f-]{36}$/);
    expect(warnings(warn)).toHaveLength(1);
    expect(warnings(warn)[0]).toMatch(/^\[aither\] withAither: env\.AITHER_ENDPOINT: endpoint .*"not a url"/);
  });

  it("an options function that throws or returns a bad option: the handler's own response, one warning, nothing sent", async () => {
    // A loopback endpoint in env: a regression that fell back to defaults would show here, not
    // on the internet.
    const c = await startTestCollector();
    const env = { AITHER_ENDPOINT: c.url };
    const warn = vi.spyOn(console, "warn").mockImplementation(() => {});
    let cf = (await freshEntry("../../adapters/cloudflare.ts")) as unknown as Cloudflare;
    await invoke(
      cf,
      () => {
        throw new Error("no such binding");
      },
      env,
    );
    expect(warnings(warn)).toEqual([expect.stringMatching(/^\[aither\] withAither: the options function threw \(no such binding\)/)]);

    warn.mockClear();
    cf = (await freshEntry("../../adapters/cloudflare.ts")) as unknown as Cloudflare;
    await invoke(cf, () => ({ batchSize: 0 }), env);
    expect(warnings(warn)).toEqual([expect.stringMatching(/^\[aither\] withAither: the options: batchSize /)]);
    expect(c.requests).toEqual([]);
    await c.close();
  });

  it("options written in code are checked by withAither() itself: a bad one throws there, naming it", async () => {
    const cf = (await freshEntry("../../adapters/cloudflare.ts")) as unknown as Cloudflare;
    expect(() => cf.withAither({ fetch: () => new Response("ok") }, { flushInterval: -1 })).toThrow(/^flushInterval /);
  });
});
