// Serve the in-page model example: node examples/browser/serve.mjs [port]
// then open http://127.0.0.1:8080/?endpoint=http://127.0.0.1:4318 (start `npx aither collector` first).
import { readFileSync } from "node:fs";
import { createServer } from "node:http";
import { build } from "esbuild";

const here = new URL(".", import.meta.url);
const sdk = (
  await build({
    entryPoints: [new URL("../../adapters/browser.ts", here).pathname],
    bundle: true,
    write: false,
    format: "iife",
    globalName: "aither",
    platform: "browser",
    target: "es2022",
    minify: true,
  })
).outputFiles[0].text;
const files = { "/": "index.html", "/index.html": "index.html", "/model.js": "model.js" };
const port = Number(process.argv[2] ?? 8080);
createServer((req, res) => {
  const path = new URL(req.url ?? "/", "http://x").pathname;
  if (path === "/aither.js") return void res.writeHead(200, { "content-type": "text/javascript" }).end(sdk);
  const file = files[path];
  if (!file) return void res.writeHead(404).end();
  res.writeHead(200, { "content-type": file.endsWith(".html") ? "text/html" : "text/javascript" });
  res.end(readFileSync(new URL(file, here)));
}).listen(port, "127.0.0.1", () => console.log(`http://127.0.0.1:${port}/?endpoint=http://127.0.0.1:4318`));
