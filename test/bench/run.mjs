// Benchmark of the caller's path and of delivery, against the real collector in its own
// process. Prints numbers; asserts nothing (these machines are noisy). Run: npm run bench
// First the default options (what almost every user runs: the production case), then a tuned
// client (queue caps raised, an explicit flush) that isolates the engine's own costs.
import { spawn } from "node:child_process";
import { monitorEventLoopDelay } from "node:perf_hooks";
import { AitherClient } from "aither";

const N = 100_000;
const seedEvent = (i) => ({
  modelId: "churn-classifier-v2",
  prediction: 0.73,
  features: {
    tenure: 24 + (i % 48),
    monthly_charges: 65.5,
    total_charges: 1572.4,
    contract: "month-to-month",
    payment_method: "electronic_check",
    internet_service: "fiber_optic",
    senior_citizen: 0,
    dependents: 1,
    paperless_billing: true,
    num_support_tickets: i % 5,
  },
  metadata: { user_id: `u_${i}`, region: "eu-west-1" },
});

function median(xs) {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

/** Median ns per call of fn over rounds of `per` calls. */
function timeIt(fn, per = 1000, rounds = 200) {
  const samples = [];
  for (let r = 0; r < rounds; r++) {
    const t0 = process.hrtime.bigint();
    for (let i = 0; i < per; i++) fn(r * per + i);
    samples.push(Number(process.hrtime.bigint() - t0) / per);
  }
  return median(samples);
}

const yieldToLoop = () => new Promise((resolve) => setImmediate(resolve));

async function startCollectorProcess() {
  const child = spawn(process.execPath, ["dist/collector/cli.js", "collector", "--port", "0", "--memory", "--quiet"], { stdio: ["ignore", "pipe", "inherit"] });
  const url = await new Promise((resolve, reject) => {
    child.stdout.on("data", (d) => {
      const m = /listening on (http:\/\/\S+)/.exec(String(d));
      if (m) resolve(m[1]);
    });
    child.on("exit", (code) => reject(new Error(`collector exited ${code}`)));
  });
  return {
    url,
    stop: () => child.kill("SIGTERM"),
    stats: async () => (await fetch(`${url}/v1/stats`)).json(),
    reset: () => fetch(`${url}/_reset`, { method: "POST" }),
  };
}

const line = (label, value) => console.log(`${label.padEnd(40)} ${value}`);
const inputs = Array.from({ length: 1000 }, (_, i) => seedEvent(i));
const stringifyNs = timeIt((i) => JSON.stringify(inputs[i % 1000]));
line("JSON.stringify(seed event)", `${(stringifyNs / 1000).toFixed(2)} µs`);
const collector = await startCollectorProcess();

/**
 * Log `n` events as a server would (yield every 100 calls), then close(); what arrived, how fast,
 * CPU per delivered event, the worst event-loop stall, and the log call's median 1k-call chunk.
 */
async function burst(options, n = N) {
  await collector.reset();
  const events = Array.from({ length: n }, (_, i) => seedEvent(i));
  const client = new AitherClient({ endpoint: collector.url, onError: () => {}, ...options });
  global.gc();
  const loop = monitorEventLoopDelay({ resolution: 1 });
  loop.enable();
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  const chunks = [];
  for (let i = 0; i < n; i += 1000) {
    let timed = 0n;
    for (let j = i; j < i + 1000; j += 100) {
      const c0 = process.hrtime.bigint();
      for (let k = j; k < j + 100; k++) client.logPrediction(events[k]);
      timed += process.hrtime.bigint() - c0;
      await yieldToLoop();
    }
    chunks.push(Number(timed) / 1000);
  }
  const logged = performance.now();
  const result = await client.close({ timeoutMs: 60_000 });
  const t1 = performance.now();
  loop.disable();
  const cpu = process.cpuUsage(cpu0);
  const stats = await collector.stats();
  const delivered = stats.predictions;
  return {
    delivered,
    dropped: client.stats().dropped,
    ok: result.ok,
    seconds: (t1 - t0) / 1000,
    loggingMs: logged - t0,
    cpuUsPerEvent: (cpu.user + cpu.system) / Math.max(1, delivered),
    stallMs: loop.max / 1e6,
    logNs: median(chunks),
    wirePerEvent: stats.wire_bytes / Math.max(1, delivered),
  };
}

function report(r) {
  line(
    "delivered",
    `${r.delivered} of ${N}${r.dropped ? ` (${r.dropped} dropped)` : ""} in ${r.seconds.toFixed(2)} s (${Math.round(r.delivered / r.seconds)} events/s)`,
  );
  line("log call, median 1k-call chunk", `${(r.logNs / 1000).toFixed(2)} µs (${(r.logNs / stringifyNs).toFixed(2)}x JSON.stringify; target <= 0.5x)`);
  line("CPU per delivered event", `${r.cpuUsPerEvent.toFixed(2)} µs (all threads, gzip included)`);
  line("worst event-loop stall", `${r.stallMs.toFixed(1)} ms (target < 20)`);
  line("gzip wire bytes per event", `${r.wirePerEvent.toFixed(1)} B (target <= 60)`);
}

/** Heap per queued event: 10,000 fresh events to an endpoint that never answers. */
async function heapPerEvent(options) {
  const { createServer } = await import("node:http");
  const held = [];
  const sink = createServer((req) => held.push(req)); // reads nothing, answers never
  await new Promise((resolve) => sink.listen(0, "127.0.0.1", resolve));
  const endpoint = `http://127.0.0.1:${sink.address().port}`;
  const n = 10_000;
  global.gc();
  const before = process.memoryUsage().heapUsed;
  const client = new AitherClient({ endpoint, onError: () => {}, ...options });
  for (let i = 0; i < n; i += 100) {
    for (let k = i; k < i + 100; k++) client.logPrediction(seedEvent(k));
    await yieldToLoop();
  }
  await new Promise((resolve) => setTimeout(resolve, 500));
  global.gc();
  const per = (process.memoryUsage().heapUsed - before) / n;
  await client.close({ timeoutMs: 1 });
  sink.closeAllConnections();
  sink.close();
  return per;
}

console.log("\n## Default options (new AitherClient({ endpoint }))");
report(await burst({}));
line("heap per queued event", `${(await heapPerEvent({})).toFixed(0)} B (target <= 600)`);

console.log("\n## Tuned (maxQueueSize 1e7, maxQueueBytes 1e10)");
report(await burst({ maxQueueSize: 1e7, maxQueueBytes: 1e10 }));
{
  // The log call alone: no timer tick during the run, a queue big enough, nothing sent.
  const client = new AitherClient({
    endpoint: "http://127.0.0.1:9",
    flushInterval: 3_600_000,
    maxQueueSize: 1e7,
    maxQueueBytes: 1e12,
    batchSize: 1e6,
    onError: () => {},
  });
  const logNs = timeIt((i) => client.logPrediction(inputs[i % 1000]));
  line("log call, no sending", `${(logNs / 1000).toFixed(2)} µs (${(logNs / stringifyNs).toFixed(2)}x JSON.stringify)`);
  await client.close({ timeoutMs: 1 });
}
collector.stop();
