import { defineProject } from "vitest/config";

// The root config's timeouts do not reach a project config; a loaded two-core machine needs them.
export default defineProject({
  test: { testTimeout: 30_000, hookTimeout: 60_000, name: "@orderdeck/api", include: ["test/**/*.test.ts", "src/**/*.test.ts"] },
});
