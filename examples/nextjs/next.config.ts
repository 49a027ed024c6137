import type { NextConfig } from "next";

const config: NextConfig = {
  // This folder is its own project (its own lockfile), not part of the SDK's repository root.
  turbopack: { root: import.meta.dirname },
  outputFileTracingRoot: import.meta.dirname,
};

export default config;
