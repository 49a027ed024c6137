import { existsSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

/** A static file of the page. */
export interface Asset {
  type: string;
  body: Buffer;
}

// The page's files, by URL path. Only these are served: no path from a request touches the disk.
const FILES: Record<string, [string, string]> = {
  "/": ["index.html", "text/html; charset=utf-8"],
  "/page/style.css": ["style.css", "text/css; charset=utf-8"],
  "/page/app.js": ["app.js", "text/javascript; charset=utf-8"],
  "/page/api.js": ["api.js", "text/javascript; charset=utf-8"],
  "/page/dom.js": ["dom.js", "text/javascript; charset=utf-8"],
  "/page/charts.js": ["charts.js", "text/javascript; charset=utf-8"],
  "/page/overview.js": ["overview.js", "text/javascript; charset=utf-8"],
  "/page/table.js": ["table.js", "text/javascript; charset=utf-8"],
  "/page/event-view.js": ["event-view.js", "text/javascript; charset=utf-8"],
};

/** Every file of the page: its URL path and content type. */
export function assetList(): [path: string, type: string][] {
  return Object.entries(FILES).map(([path, [, type]]) => [path, type]);
}

/** Whether a URL path names a file of the page. */
export function isAssetPath(path: string): boolean {
  return Object.hasOwn(FILES, path);
}

let cache: Map<string, Asset> | null | undefined;

/**
 * The page's file for a URL path, read once from `collector/page/static` of the package (it
 * ships in the npm package next to `dist`); `null` when the package's files cannot be found
 * (the collector bundled into another program).
 */
export function readAsset(path: string): Asset | null | undefined {
  cache ??= loadAll();
  if (cache === null) return null;
  return cache.get(path);
}

function loadAll(): Map<string, Asset> | null {
  const dir = staticDir();
  if (dir === undefined) return null;
  const assets = new Map<string, Asset>();
  for (const [path, [file, type]] of Object.entries(FILES)) assets.set(path, { type, body: readFileSync(join(dir, file)) });
  return assets;
}

/** Walk up from this module (collector/page/, or dist/ once built) to the package root. */
function staticDir(): string | undefined {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 4; i++) {
    const candidate = join(dir, "collector", "page", "static");
    if (existsSync(join(candidate, "index.html")) && existsSync(join(dir, "package.json"))) return candidate;
    dir = dirname(dir);
  }
  return undefined;
}
