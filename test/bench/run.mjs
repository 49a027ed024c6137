// Benchmark of the caller's path and of delivery, against the real collector in its own
// process. Prints numbers; asserts nothing (these machines are noisy). Run: npm run bench
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

async function startCollectorProcess() {
  const child = spawn(process.execPath, ["dist/collector/cli.js", "collector", "--port", "0", "--memory", "--quiet"], { stdio: ["ignore", "pipe", "inherit"] });
  const url = await new Promise((resolve, reject) => {
    child.stdout.on("data", (d) => {
      const m = /listening on (http:\/\/\S+)/.exec(String(d));
      if (m) resolve(m[1]);
    });
    child.on("exit", (code) => reject(new Error(`collector exited ${code}`)));
  });
  return { url, stop: () => child.kill("SIGTERM") };
}

const inputs = Array.from({ length: 1000 }, (_, i) => seedEvent(i));
const stringifyNs = timeIt((i) => JSON.stringify(inputs[i % 1000]));

// 1. logPrediction on the caller's path (no network: a queue big enough, no timer tick during the run).
{
  const client = new AitherClient({ endpoint: "http://127.0.0.1:9", flushInterval: 3_600_000, maxQueueSize: 1e7, maxQueueBytes: 1e12, onError: () => {} });
  const logNs = timeIt((i) => client.logPrediction(inputs[i % 1000]));
  console.log(`JSON.stringify(seed event)           ${(stringifyNs / 1000).toFixed(2)} µs`);
  console.log(`logPrediction median                 ${(logNs / 1000).toFixed(2)} µs  (${(logNs / stringifyNs).toFixed(2)}x JSON.stringify; target <= 0.5x)`);
  await client.close({ timeoutMs: 1 });
}

// 2. Heap per queued event.
{
  global.gc();
  const before = process.memoryUsage().heapUsed;
  const client = new AitherClient({ endpoint: "http://127.0.0.1:9", flushInterval: 3_600_000, maxQueueSize: 1e7, maxQueueBytes: 1e12, onError: () => {} });
  for (let i = 0; i < N; i++) client.logPrediction(seedEvent(i));
  global.gc();
  const per = (process.memoryUsage().heapUsed - before) / N;
  console.log(`heap per queued event                ${per.toFixed(0)} B (target <= 600)`);
  await client.close({ timeoutMs: 1 });
}

// 3. Delivery of 100,000 events to the collector in another process.
{
  const collector = await startCollectorProcess();
  const client = new AitherClient({ endpoint: collector.url, maxQueueSize: N * 2, maxQueueBytes: 1e9, flushInterval: 1000 });
  const events = Array.from({ length: N }, (_, i) => seedEvent(i));
  global.gc();
  const loop = monitorEventLoopDelay({ resolution: 1 });
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  for (const e of events) client.logPrediction(e);
  const logged = performance.now();
  loop.enable();
  const result = await client.flush({ timeoutMs: 120_000 });
  loop.disable();
  const t1 = performance.now();
  const cpu = process.cpuUsage(cpu0);
  const cpuNsPerEvent = ((cpu.user + cpu.system) * 1000) / N;
  const stats = await (await fetch(`${collector.url}/v1/stats`)).json();
  console.log(`delivered                            ${stats.predictions} of ${N} (flush ok: ${result.ok})`);
  console.log(
    `throughput                           ${Math.round(N / ((t1 - t0) / 1000))} events/s (logging ${(logged - t0).toFixed(0)} ms, draining ${(t1 - logged).toFixed(0)} ms)`,
  );
  console.log(
    `CPU per delivered event              ${(cpuNsPerEvent / 1000).toFixed(2)} µs (${(cpuNsPerEvent / stringifyNs).toFixed(2)}x JSON.stringify; target <= 3x)`,
  );
  console.log(`worst event-loop stall while draining ${(loop.max / 1e6).toFixed(1)} ms (p99 ${(loop.percentile(99) / 1e6).toFixed(1)} ms; target < 20)`);
  console.log(`gzip wire bytes per event            ${(stats.wire_bytes / N).toFixed(1)} B (target <= 60)`);
  await client.close();
  collector.stop();
}
