// wrap(env.AI) in workerd (miniflare 4): the Workers AI binding is a stand-in made the way
// workerd makes the real one (a wrapped binding module, test/fixtures/workers-ai-binding.js),
// and the predictions are checked at the real collector. Needs `npx tsup` first (dist/).
import { readFileSync } from "node:fs";
import type { Readable } from "node:stream";
import { Miniflare } from "miniflare";
import { afterEach, describe, expect, it } from "vitest";
import type { Collector } from "../../collector/index.ts";
import { eventually, startTestCollector } from "../helpers/collector.ts";
import { bundleWorker } from "./workerd-harness.ts";

const AI_MODULE = readFileSync(new URL("../fixtures/workers-ai-binding.js", import.meta.url), "utf8");

const open: { close(): Promise<unknown> }[] = [];
const workers: Miniflare[] = [];
afterEach(async () => {
  await Promise.all(workers.splice(0).map((mf) => mf.dispose()));
  await Promise.all(open.splice(0).map((c) => c.close()));
});

/** Bundle a worker as Wrangler would (`workerd` condition first: aither's Cloudflare entry). */
async function bundle(entry: string): Promise<string> {
  const { script, inputs } = await bundleWorker(entry);
  expect(inputs).toContain("dist/cloudflare.js");
  return script;
}

async function start(entry: string): Promise<{ mf: Miniflare; c: Collector; output: string[] }> {
  const c = await startTestCollector();
  open.push(c);
  const output: string[] = [];
  const capture = (stream: Readable) => stream.on("data", (chunk: Buffer) => output.push(chunk.toString()));
  const mf = new Miniflare({
    cf: false,
    verbose: true,
    handleRuntimeStdio(stdout: Readable, stderr: Readable) {
      capture(stdout);
      capture(stderr);
    },
    workers: [
      {
        name: "main",
        modules: true,
        compatibilityDate: "2025-09-01",
        script: await bundle(entry),
        bindings: { AITHER_ENDPOINT: c.url, ENVIRONMENT: "test" },
        wrappedBindings: { AI: { scriptName: "workers-ai-standin", bindings: { DELAY_MS: 20 } } },
      },
      // A wrapped binding runs with its user's compatibility settings: it may not set its own.
      { name: "workers-ai-standin", modules: true, script: AI_MODULE },
    ],
  });
  await mf.ready;
  workers.push(mf);
  return { mf, c, output };
}

type Stored = { id: string; model_id: string; features?: unknown; prediction: unknown; latency_ms?: number; metadata?: unknown; environment?: string };
const stored = (c: Collector): Stored[] => c.store.predictions({ limit: 1e9 }) as unknown as Stored[];

describe("wrap(env.AI) inside withAither in workerd", () => {
  it("logs run(model, inputs) with the model name as modelId, the inputs as features and the answer as prediction", async () => {
    const { mf, c, output } = await start("test/fixtures/worker-workers-ai.ts");
    const res = await mf.dispatchFetch("http://worker/?prompt=hello%20there");
    const { id, answer } = (await res.json()) as { id: string; answer: { response: string } };
    expect(answer.response).toBe("You said: hello there");
    expect(id).toMatch(/^[0-9a-f-]{36}$/);
    expect(await eventually(() => stored(c).length === 1)).toBe(true);
    const [event] = stored(c);
    expect(event).toMatchObject({ id, model_id: "@cf/meta/llama-3.1-8b-instruct", features: { prompt: "hello there" }, prediction: answer });
    // workerd advances performance.now() across I/O, so the stand-in's 20 ms wait shows.
    expect(event?.latency_ms).toBeGreaterThanOrEqual(15);
    expect(output.join("")).not.toMatch(/\[aither\]|Cannot perform I\/O/);
  });

  it("uses modelId from the options when given", async () => {
    const { mf, c } = await start("test/fixtures/worker-workers-ai.ts");
    await (await mf.dispatchFetch("http://worker/?modelId=assistant-v1")).arrayBuffer();
    expect(await eventually(() => stored(c).length === 1)).toBe(true);
    expect(stored(c)[0]?.model_id).toBe("assistant-v1");
  });

  it("passes the binding's other members through, runs them on the real binding, and logs only run()", async () => {
    const { mf, c } = await start("test/fixtures/worker-workers-ai.ts");
    const body = (await (await mf.dispatchFetch("http://worker/extras")).json()) as { models: number; logId: string | null };
    expect(body.models).toBe(2);
    expect(body.logId).toMatch(/^log-\d+$/);
    expect(await eventually(() => stored(c).length === 1)).toBe(true);
    expect(stored(c)[0]).toMatchObject({
      model_id: "@cf/huggingface/distilbert-sst-2-int8",
      features: { text: "good" },
      prediction: [
        { label: "POSITIVE", score: 0.998 },
        { label: "NEGATIVE", score: 0.002 },
      ],
    });
  });

  it("hands a streamed answer to the caller untouched and logs it with prediction null", async () => {
    const { mf, c } = await start("test/fixtures/worker-workers-ai.ts");
    const res = await mf.dispatchFetch("http://worker/stream");
    expect(await res.text()).toContain('"response":"You said: hi"');
    expect(await eventually(() => stored(c).length === 1)).toBe(true);
    expect(stored(c)[0]).toMatchObject({ features: { prompt: "hi", stream: true }, prediction: null });
  });

  it("rethrows the binding's error unchanged and logs nothing for it", async () => {
    const { mf, c } = await start("test/fixtures/worker-workers-ai.ts");
    const body = (await (await mf.dispatchFetch("http://worker/unknown")).json()) as { error: string };
    expect(body.error).toBe("5007: No such model @cf/nope or task");
    await (await mf.dispatchFetch("http://worker/?prompt=after")).arrayBuffer(); // a logged call, to wait for
    // The failed call's invocation ended first: had it logged anything, its flush started before this one's.
    expect(await eventually(() => stored(c).some((e) => (e.features as { prompt?: string } | undefined)?.prompt === "after"))).toBe(true);
    expect(stored(c).map((e) => e.features)).toEqual([{ prompt: "after" }]);
  });
});

describe("examples/workers-ai-worker.ts", () => {
  it("answers sentiment and chat through wrap(env.AI), and joins feedback to the prediction at the collector", async () => {
    const { mf, c, output } = await start("examples/workers-ai-worker.ts");
    const sentiment = (await (await mf.dispatchFetch("http://worker/?text=I%20love%20it")).json()) as { id: string; scores: { label: string }[] };
    expect(sentiment.scores[0]?.label).toBe("POSITIVE");
    const chat = (await (await mf.dispatchFetch("http://worker/chat?prompt=Hi")).json()) as { id: string; response: string };
    expect(chat.response).toBe("You said: Hi");
    const feedback = await mf.dispatchFetch(`http://worker/feedback?id=${sentiment.id}&label=POSITIVE`);
    expect(feedback.status).toBe(204);
    expect(await eventually(() => stored(c).length === 2 && c.store.labels().length === 1)).toBe(true);
    expect(stored(c).map((e) => [e.id, e.model_id, e.features, e.metadata, e.environment])).toEqual([
      [sentiment.id, "@cf/huggingface/distilbert-sst-2-int8", { text: "I love it" }, { route: "/" }, "test"],
      [chat.id, "@cf/meta/llama-3.1-8b-instruct", { prompt: "Hi" }, { route: "/chat" }, "test"],
    ]);
    expect(c.store.labels()[0]).toMatchObject({ prediction_id: sentiment.id, label: "POSITIVE" });
    expect(output.join("")).not.toMatch(/\[aither\]/);
  });
});
