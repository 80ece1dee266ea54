import { defineConfig } from "vitest/config";

// One vitest run for the whole repository: one embedded PostgreSQL cluster is started for the
// run (globalSetup) and every test file that needs a database gets a fresh one from a migrated
// template (see @orderdeck/db/testing).
export default defineConfig({
  test: {
    globalSetup: ["./packages/db/src/testing/global-setup.ts"],
    // Each project's own config sets its test options (vitest.shared.ts): projects do not inherit these.
    projects: ["packages/*", "apps/*", "reliability"],
  },
});
