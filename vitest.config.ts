import { defineConfig } from "vitest/config";

// One vitest run for the whole repository: one embedded PostgreSQL cluster is started for the
// run (globalSetup) and every test file that needs a database gets a fresh one from a migrated
// template (see @orderdeck/db/testing).
export default defineConfig({
  test: {
    globalSetup: ["./packages/db/src/testing/global-setup.ts"],
    projects: ["packages/*", "apps/*", "reliability"],
    testTimeout: 30_000,
    hookTimeout: 60_000,
  },
});
