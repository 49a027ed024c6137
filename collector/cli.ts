#!/usr/bin/env node
import { resolve } from "node:path";
import { parseArgs } from "node:util";
import type { FaultOptions } from "./faults.ts";
import { type CollectorOptions, startCollector } from "./server.ts";

const USAGE = `Usage: aither collector [options]

Run a local aither ingest server (wire protocol v1) that stores events in a file,
with a live page of what arrived at its root URL.

Options:
  --port N           port to listen on; 0 picks a free one (default 4318)
  --host HOST        interface to bind (default 127.0.0.1)
  --data FILE        JSONL file for events (default .aither/collector.jsonl)
  --memory           keep events in memory only, no file
  --api-key KEY      require this key (X-API-Key or body api_key); repeat for more keys
  --error-rate R     answer this share (0..1) of batch requests with --status
  --status CODE      status for injected faults (default 503)
  --retry-after S    Retry-After header on injected faults (seconds or HTTP date)
  --latency MS       delay before answering each batch request
  --quiet            do not print a line per batch
  -h, --help         show this help
`;

/** Parse a numeric flag or exit 2 naming it. */
function numberFlag(name: string, value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (value.trim() === "" || !Number.isFinite(n)) fail(`--${name} must be a number, got "${value}"`);
  return n;
}

/** Parse --port (an integer from 0 to 65535) or exit 2. */
function portFlag(value: string | undefined): number {
  if (value === undefined) return 4318;
  const n = Number(value);
  if (!/^\d+$/.test(value.trim()) || n > 65535) fail(`--port must be an integer from 0 to 65535, got "${value}"`);
  return n;
}

function fail(message: string): never {
  process.stderr.write(`aither: ${message}\n\n${USAGE}`);
  process.exit(2);
}

async function main(argv: string[]): Promise<void> {
  let parsed: ReturnType<typeof parse>;
  try {
    parsed = parse(argv);
  } catch (error) {
    fail((error as Error).message);
  }
  const { values, positionals } = parsed;
  if (values.help) {
    process.stdout.write(USAGE);
    return;
  }
  if (positionals.length !== 1 || positionals[0] !== "collector") {
    fail(positionals.length === 0 ? "missing command" : `unknown command "${positionals.join(" ")}"`);
  }

  const faults: FaultOptions = {};
  const errorRate = numberFlag("error-rate", values["error-rate"]);
  const status = numberFlag("status", values.status);
  const latencyMs = numberFlag("latency", values.latency);
  if (errorRate !== undefined) faults.errorRate = errorRate;
  if (status !== undefined) faults.status = status;
  if (latencyMs !== undefined) faults.latencyMs = latencyMs;
  // Passed as given: seconds as digits or an HTTP date; startCollector refuses anything else
  // (a fraction, a control character) with a TypeError, which is a usage error below.
  const retryAfter = values["retry-after"];
  if (retryAfter !== undefined) faults.retryAfter = retryAfter;

  const dataFile = values.memory ? undefined : resolve(values.data ?? ".aither/collector.jsonl");
  const options: CollectorOptions = {
    port: portFlag(values.port),
    host: values.host ?? "127.0.0.1",
    apiKeys: values["api-key"] ?? [],
    faults,
  };
  if (dataFile !== undefined) options.dataFile = dataFile;
  if (!values.quiet) options.log = (line) => process.stdout.write(`${line}\n`);

  let collector: Awaited<ReturnType<typeof startCollector>>;
  try {
    collector = await startCollector(options);
  } catch (error) {
    // Bad fault values are usage errors; a busy port or unwritable file is a runtime failure.
    if (error instanceof TypeError) fail(error.message);
    if ((error as { code?: string }).code === "EADDRINUSE") {
      process.stderr.write(`aither: port ${options.port} is in use: pass --port 0 for a free port, or another port\n`);
      process.exit(1);
    }
    process.stderr.write(`aither: could not start the collector: ${(error as Error).message}\n`);
    process.exit(1);
  }
  process.stdout.write(`aither collector listening on ${collector.url} (data: ${dataFile ?? "memory only"})\n`);
  const keyHint = options.apiKeys?.length ? "?key=<your --api-key>" : "";
  process.stdout.write(`aither collector page: ${collector.pageUrl}${keyHint} (predictions, latency, labels and drops, live)\n`);

  let stopping = false;
  const stop = (signal: NodeJS.Signals) => {
    // A second signal means the user does not want to wait for the file to flush.
    if (stopping) process.exit(130);
    stopping = true;
    if (!values.quiet) process.stdout.write(`aither collector stopping (${signal})\n`);
    collector.close().then(
      () => process.exit(0),
      (error: unknown) => {
        process.stderr.write(`aither: error while closing: ${(error as Error).message}\n`);
        process.exit(1);
      },
    );
  };
  process.on("SIGINT", stop);
  process.on("SIGTERM", stop);
}

function parse(argv: string[]) {
  return parseArgs({
    args: argv,
    allowPositionals: true,
    strict: true,
    options: {
      port: { type: "string" },
      host: { type: "string" },
      data: { type: "string" },
      memory: { type: "boolean" },
      "api-key": { type: "string", multiple: true },
      "error-rate": { type: "string" },
      status: { type: "string" },
      "retry-after": { type: "string" },
      latency: { type: "string" },
      quiet: { type: "boolean" },
      help: { type: "boolean", short: "h" },
    },
  });
}

main(process.argv.slice(2)).catch((error: unknown) => {
  process.stderr.write(`aither: ${(error as Error).stack ?? String(error)}\n`);
  process.exit(1);
});
