import { defineProject } from "vitest/config";

export default defineProject({
  test: {
    name: "@orderdeck/mail-sink",
    include: ["test/**/*.test.ts", "src/**/*.test.ts"],
    // A project in a file of its own does not inherit the root config's timeouts; these suites
    // start databases, workers and servers, which on a busy machine take longer than the defaults.
    testTimeout: 30_000,
    hookTimeout: 60_000,
  },
});
