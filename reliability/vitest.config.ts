import { defineProject } from "vitest/config";

// The reliability suite (issue 9): real HTTP servers on 127.0.0.1, real PostgreSQL, real process
// kills. Each file bounds its own run time; the hammer's length is RELIABILITY_HAMMER_SECONDS.
// It runs after every other project (a later group), so that its 200 clients and killed
// processes never slow another suite's tests past their timeouts, and nothing else skews its load.
export default defineProject({
  test: {
    name: "reliability",
    include: ["*.test.ts"],
    testTimeout: 120_000,
    hookTimeout: 120_000,
    sequence: { groupOrder: 1 },
  },
});
