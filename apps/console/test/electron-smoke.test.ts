// The Electron shell for real: built by electron-vite, launched by Playwright against a real API
// with a fresh profile. Runs where the Electron binary is installed and can open a window (a
// display, or `xvfb-run`); elsewhere it is skipped, and says so.
import { existsSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { CONSOLE_APP_DIR, ensureElectronBuilt, findElectron } from "../src/electron-launch.ts";
import { WINDOW_STATE_FILE } from "../src/main/window-state.ts";
import type { LocalSubscriptionMessage, LocalTrpcResponse, OrderDeckBridge } from "../src/shared/transport.ts";

const electron = findElectron();
const skipped = electron.unavailable ? `${electron.unavailable}: skipped the Electron smoke test` : null;
if (skipped) console.warn(skipped);

/** What the page's global object holds, seen from a test that has no DOM types. */
type PageGlobals = { orderdeck?: OrderDeckBridge; require?: unknown; process?: unknown };

describe("Electron shell", () => {
  it.skipIf(skipped !== null)(
    skipped ?? "starts against a real API: sandboxed page, preload bridge, status over IPC, a subscription delivers a state",
    async () => {
      const executable = electron.executable;
      if (!executable) throw new Error("unreachable: the test is skipped without an Electron binary");
      // Loaded only when the test runs: none of this is needed to skip it.
      const [{ createTestDatabase }, { startMailSink }, { loadConfig, startServer }, { _electron }] = await Promise.all([
        import("@orderdeck/db/testing"),
        import("@orderdeck/mail-sink"),
        import("@orderdeck/server"),
        import("playwright-core"),
      ]);

      await ensureElectronBuilt();
      const db = await createTestDatabase();
      const sink = await startMailSink();
      const dataDir = await mkdtemp(path.join(tmpdir(), "orderdeck-electron-api-"));
      const userData = await mkdtemp(path.join(tmpdir(), "orderdeck-electron-profile-"));
      const api = await startServer(
        loadConfig({
          DATABASE_URL: db.url,
          PORT: "0",
          ORDERDECK_DATA_DIR: dataDir,
          ORDERDECK_SEED_DEMO: "false",
          LOG_LEVEL: "error",
          LOG_FORMAT: "json",
          SMTP_HOST: "127.0.0.1",
          SMTP_PORT: String(sink.port),
        }),
        "all",
      );
      try {
        const apiUrl = api.url ?? "";
        const env = Object.fromEntries(Object.entries(process.env).filter((entry): entry is [string, string] => entry[1] !== undefined));
        delete env["ELECTRON_RUN_AS_NODE"];
        const app = await _electron.launch({
          executablePath: executable,
          // Chromium refuses to run its OS sandbox as root (containers); the renderer stays sandboxed by Electron.
          args: [...(process.getuid?.() === 0 ? ["--no-sandbox"] : []), CONSOLE_APP_DIR],
          env: { ...env, ORDERDECK_SERVER_URL: apiUrl, ORDERDECK_USER_DATA_DIR: userData },
          timeout: 60_000,
        });
        try {
          const page = await app.firstWindow();
          await page.waitForLoadState("domcontentloaded");
          expect(page.url()).toBe("app://console/index.html");

          // The page has the bridge and nothing of Node or Electron.
          const globals = await page.evaluate(() => {
            const g = globalThis as unknown as PageGlobals;
            return { shell: g.orderdeck?.shell, bridge: Object.keys(g.orderdeck ?? {}).sort(), require: typeof g.require, process: typeof g.process };
          });
          expect(globals).toEqual({
            shell: "electron",
            bridge: ["invokeLocal", "print", "saveAsPdf", "shell", "subscribeLocal"],
            require: "undefined",
            process: "undefined",
          });

          const status = await page.evaluate(
            () => (globalThis as unknown as Required<PageGlobals>).orderdeck.invokeLocal({ type: "query", path: "status", input: undefined }),
          );
          expect(status).toMatchObject({ result: { data: { server: { url: apiUrl, reachable: true } } } } satisfies LocalTrpcResponse);

          const state = await page.evaluate(
            () =>
              new Promise<unknown>((resolve, reject) => {
                const bridge = (globalThis as unknown as Required<PageGlobals>).orderdeck;
                const stop = bridge.subscribeLocal({ path: "sync.onState", input: undefined }, (message: LocalSubscriptionMessage) => {
                  if (message.type === "data") {
                    stop();
                    resolve(message.data);
                  } else if (message.type === "error") reject(new Error(message.error.message));
                });
              }),
          );
          expect(state).toMatchObject({ enrolled: false, signedIn: false, outboxSize: 0 });

          // No remote content: the session cancels a request to anything but app://console, even the API.
          const direct = await page.evaluate((url) => fetch(`${url}/readyz`).then(() => "reached", () => "blocked"), apiUrl);
          expect(direct).toBe("blocked");
        } finally {
          await app.close();
        }
        expect(existsSync(path.join(userData, WINDOW_STATE_FILE))).toBe(true);
        expect(existsSync(path.join(userData, "console"))).toBe(true);
      } finally {
        await api.stop();
        await sink.stop();
        await db.drop();
        await rm(userData, { recursive: true, force: true });
        await rm(dataDir, { recursive: true, force: true });
      }
    },
    240_000,
  );
});
