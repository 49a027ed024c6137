import { readFileSync } from "node:fs";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { build } from "esbuild";

const FIXTURES = new URL("../fixtures/", import.meta.url);
const EXAMPLE = new URL("../../examples/browser/", import.meta.url);

/** The pages the browser suites open, on 127.0.0.1 (another origin than the collector's). */
export interface Site {
  url: string;
  close(): Promise<void>;
}

/** Serve the fixture pages and examples/browser with the browser entry bundled as the global `aither`. */
export async function startSite(): Promise<Site> {
  const sdk = (
    await build({
      entryPoints: ["adapters/browser.ts"],
      bundle: true,
      write: false,
      format: "iife",
      globalName: "aither",
      platform: "browser",
      target: "es2022",
    })
  ).outputFiles[0]?.text;
  const files: Record<string, [URL, string]> = {
    "/page.html": [new URL("browser-page.html", FIXTURES), "text/html"],
    "/worker.html": [new URL("browser-worker.html", FIXTURES), "text/html"],
    "/browser-worker.js": [new URL("browser-worker.js", FIXTURES), "text/javascript"],
    "/examples/browser/index.html": [new URL("index.html", EXAMPLE), "text/html"],
    "/examples/browser/model.js": [new URL("model.js", EXAMPLE), "text/javascript"],
  };
  const server = createServer((req, res) => {
    const path = new URL(req.url ?? "/", "http://site").pathname;
    if (path === "/sdk.js" || path === "/examples/browser/aither.js") return void res.writeHead(200, { "content-type": "text/javascript" }).end(sdk);
    const file = files[path];
    if (!file) return void res.writeHead(404).end();
    res.writeHead(200, { "content-type": file[1] }).end(readFileSync(file[0]));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", () => resolve()));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}
