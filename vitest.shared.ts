// Test options every project uses. A project whose config is a file of its own does not inherit
// the root config's test options, so each project's vitest.config.ts spreads these in.
export const PROJECT_TEST_OPTIONS = {
  // Tests run against real Postgres on machines whose cores are shared: 5 s (vitest's default) is too tight.
  testTimeout: 30_000,
  hookTimeout: 60_000,
};
