/**
 * The deno entry of aither (placeholder: portable behaviour until its adapter lands).
 * @module
 */
export * from "../src/index.js";
