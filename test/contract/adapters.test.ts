import { createBrowserAdapter } from "../../adapters/browser.ts";
import { createWorkerdAdapter } from "../../adapters/cloudflare.ts";
import { createNodeAdapter } from "../../adapters/node.ts";
import { createPortableAdapter } from "../../src/portable-adapter.ts";
import { runAdapterContract } from "./adapter.ts";

// Deno's adapter needs the Deno global; test/runtimes/deno.test.ts runs it in Deno.
runAdapterContract("node", () => createNodeAdapter(), { timer: true });
runAdapterContract("portable", () => createPortableAdapter(), { timer: true });
runAdapterContract("browser (outside a page: timer and fetch only)", () => createBrowserAdapter(), { timer: true });
runAdapterContract("workerd", () => createWorkerdAdapter(), { timer: false });
