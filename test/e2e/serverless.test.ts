// withFlush in this process, against the real collector: what the wrapper passes through and
// what it holds. test/runtimes/serverless.test.ts proves delivery against a frozen process.
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import * as aither from "../../adapters/node.ts";
import { AitherValidationError, withFlush } from "../../adapters/node.ts";
import { storedIds } from "../helpers/collector.ts";
import { useTestBed } from "./helpers.ts";

const { collector, client } = useTestBed();
afterEach(() => aither.close({ timeoutMs: 500 }));

const log = (c: aither.AitherClient, id: string) => c.logPrediction({ id, modelId: "m", prediction: 1 });

describe("withFlush", () => {
  it("passes `this` and every argument through, and returns the handler's own value after the flush", async () => {
    const c = await collector();
    const made = client(c);
    const value = { statusCode: 200 };
    const seen: unknown[] = [];
    const handler = withFlush(
      async function (this: { name: string }, event: { n: number }, context: { id: string }) {
        seen.push(this.name, event, context);
        log(made, "w1");
        return value;
      },
      { client: made },
    );
    const event = { n: 1 };
    const context = { id: "ctx" };
    const result = await handler.call({ name: "runtime" }, event, context);
    expect(result).toBe(value);
    expect(seen).toEqual(["runtime", event, context]);
    expect(storedIds(c)).toEqual(["w1"]);
  });

  it("flushes the global client by default, also when no client was ever made", async () => {
    expect(await withFlush(() => "nothing to send")()).toBe("nothing to send");
    const c = await collector();
    aither.init({ endpoint: c.url, flushInterval: 60_000 });
    const handler = withFlush(() => aither.logPrediction({ id: "g1", modelId: "m", prediction: 1 }));
    // A plain value comes back in a Promise, once the flush is done.
    expect(await handler()).toBe("g1");
    expect(storedIds(c)).toEqual(["g1"]);
  });

  it("a handler that throws synchronously: its error comes back as the rejection, after the flush", async () => {
    const c = await collector();
    const made = client(c);
    const thrown = new Error("bad input");
    const handler = withFlush(
      () => {
        log(made, "t1");
        throw thrown;
      },
      { client: made },
    );
    await expect(handler()).rejects.toBe(thrown);
    expect(storedIds(c)).toEqual(["t1"]);
  });

  it("rejects a handler that is not a function, or a bad timeoutMs, naming the field", () => {
    expect(() => withFlush(undefined as never)).toThrow(AitherValidationError);
    expect(() => withFlush(undefined as never)).toThrow(/^handler must be a function/);
    expect(() => withFlush(() => 1, { timeoutMs: -1 })).toThrow(/^timeoutMs must be a non-negative number/);
    expect(() => withFlush(() => 1, { timeoutMs: Number.NaN })).toThrow(AitherValidationError);
  });

  it("(req, res): res.end() is held until every wrapping client has flushed, and every call to it still runs in order", async () => {
    const [c1, c2] = [await collector(), await collector()];
    const [inner, outer] = [client(c1), client(c2)];
    const storedAtFinish: string[][] = [];
    const handler = withFlush(
      withFlush(
        (_req: IncomingMessage, res: ServerResponse) => {
          log(inner, "r1");
          log(outer, "r2");
          res.on("finish", () => storedAtFinish.push(storedIds(c1), storedIds(c2)));
          res.write("a");
          expect(res.end("b")).toBe(res);
          res.end(); // a second end, as frameworks sometimes do: harmless, after the first
        },
        { client: inner },
      ),
      { client: outer },
    );
    const server = createServer(handler);
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    try {
      const answer = await fetch(`http://127.0.0.1:${(server.address() as AddressInfo).port}/`);
      expect(await answer.text()).toBe("ab");
      expect(storedAtFinish).toEqual([["r1"], ["r2"]]);
    } finally {
      await new Promise((resolve) => server.close(resolve));
    }
  });
});
