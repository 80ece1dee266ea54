import { mkdirSync, readdirSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { defineConfig } from "@playwright/test";

const repoRoot = fileURLToPath(new URL("..", import.meta.url));

// Fixed ports so the suite and the launcher agree without discovery; distinct from the dev
// defaults (4000 / 4100) so a running `npm start` does not collide with the tests.
export const API_PORT = 4310;
export const CONSOLE_PORT = 4311;
export const CONSOLE_URL = `http://127.0.0.1:${CONSOLE_PORT}`;

// A fresh embedded Postgres per run: nothing left over from a previous run can make a test pass.
// Computed once in the runner process; workers re-evaluate this file, but only the runner starts
// the web server, so they never use their own value.
const DATA_DIR_PREFIX = "orderdeck-e2e-";
const dataDir = path.join(tmpdir(), `${DATA_DIR_PREFIX}${Date.now()}-${process.pid}`);
if (!process.env["TEST_WORKER_INDEX"]) {
  removeStaleDataDirs();
  mkdirSync(dataDir, { recursive: true });
}

// Debian's Chromium: Playwright's own browser download cannot work on the build machines.
const CHROMIUM = process.env["ORDERDECK_CHROMIUM"] ?? "/usr/bin/chromium";
// The network is closed there; without these Chromium keeps dialling out (updates, sync, QUIC).
const CHROMIUM_ARGS = [
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
];

export default defineConfig({
  testDir: ".",
  testMatch: "**/*.spec.ts",
  outputDir: path.join(repoRoot, "test-results"),
  fullyParallel: false,
  workers: 1,
  forbidOnly: !!process.env["CI"],
  retries: 0,
  timeout: 60_000,
  expect: { timeout: 15_000 },
  reporter: [["list"]],
  use: {
    baseURL: CONSOLE_URL,
    browserName: "chromium",
    launchOptions: { executablePath: CHROMIUM, args: CHROMIUM_ARGS },
    viewport: { width: 1280, height: 800 },
    trace: "retain-on-failure",
    screenshot: "only-on-failure",
  },
  webServer: {
    command: "npx tsx scripts/start.ts",
    cwd: repoRoot,
    url: CONSOLE_URL,
    timeout: 120_000,
    // Never test against a server started by hand: it would not have this run's fresh data dir.
    reuseExistingServer: false,
    stdout: "pipe",
    stderr: "pipe",
    // Embedded Postgres must get the chance to shut down cleanly, or its next start finds a stale pid.
    gracefulShutdown: { signal: "SIGTERM", timeout: 15_000 },
    env: {
      ...stringEnv(process.env),
      ORDERDECK_DATA_DIR: dataDir,
      PORT: String(API_PORT),
      CONSOLE_PORT: String(CONSOLE_PORT),
      ORDERDECK_SMTP_PORT: "0",
    },
  },
});

function stringEnv(env: NodeJS.ProcessEnv): Record<string, string> {
  return Object.fromEntries(Object.entries(env).filter((entry): entry is [string, string] => entry[1] !== undefined));
}

/**
 * Each run leaves a Postgres cluster behind (the web server is still shutting down when the runner
 * exits, so it cannot be removed then). Runs cannot overlap (fixed ports), so the next run clears
 * what is older than an hour.
 */
function removeStaleDataDirs(): void {
  const cutoff = Date.now() - 60 * 60 * 1000;
  for (const name of readdirSync(tmpdir())) {
    if (!name.startsWith(DATA_DIR_PREFIX)) continue;
    const dir = path.join(tmpdir(), name);
    try {
      if (statSync(dir).mtimeMs < cutoff) rmSync(dir, { recursive: true, force: true });
    } catch {
      // Vanished or not ours to remove: leave it.
    }
  }
}
