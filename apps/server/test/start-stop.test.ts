// `npm start` as a person runs it: it says where everything is (the API, the console, the demo
// sign-in, the feed), and Ctrl-C, which a terminal sends to the whole foreground process group,
// stops the worker, then the API, then the embedded PostgreSQL: exit code 0, and not one error or
// warning on the way ("terminating connection due to administrator command" was one per
// connection when PostgreSQL got the Ctrl-C too).
import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { chmod, mkdtemp, rm } from "node:fs/promises";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";

const REPO_ROOT = path.resolve(import.meta.dirname, "../../..");
// What the root package.json's "start" runs: `tsx scripts/start.ts`.
const TSX_CLI = path.join(path.dirname(createRequire(import.meta.url).resolve("tsx/package.json")), "dist", "cli.mjs");
const made: string[] = [];

afterAll(async () => {
  for (const folder of made) await rm(folder, { recursive: true, force: true });
});

describe("npm start, then Ctrl-C", () => {
  it("prints the URLs, the sign-in and the feed, and stops in order with exit code 0 and no errors", { timeout: 300_000 }, async () => {
    const dataDir = await mkdtemp(path.join(tmpdir(), "orderdeck-start-stop-"));
    made.push(dataDir);
    // As root the embedded PostgreSQL runs as "postgres", which must enter the folder.
    await chmod(dataDir, 0o755);
    const child = spawn(process.execPath, [TSX_CLI, "scripts/start.ts"], {
      cwd: REPO_ROOT,
      // A process group of its own, as a terminal gives a command: the Ctrl-C below goes to all of it.
      detached: true,
      env: {
        PATH: process.env.PATH ?? "",
        HOME: process.env.HOME ?? "",
        ORDERDECK_DATA_DIR: dataDir,
        ORDERDECK_SMTP_PORT: "0",
        PORT: "0",
        CONSOLE_PORT: "0",
        ORDERDECK_CONSOLE: "browser",
        LOG_FORMAT: "json",
      },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let output = "";
    child.stdout.on("data", (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on("data", (chunk: Buffer) => (output += chunk.toString()));
    const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => child.once("exit", (code, signal) => resolve({ code, signal })));
    try {
      await new Promise<void>((resolve, reject) => {
        const check = setInterval(() => {
          if (output.includes("Ctrl-C stops everything.")) {
            clearInterval(check);
            resolve();
          }
        }, 200);
        void exited.then(() => {
          clearInterval(check);
          reject(new Error(`npm start ended before it was running:\n${output}`));
        });
      });

      expect(output).toMatch(/^ {2}API {6}http:\/\/127\.0\.0\.1:\d+ /m);
      expect(output).toMatch(/^ {2}Console {2}http:\/\/127\.0\.0\.1:\d+ /m);
      expect(output).toMatch(/^ {2}Sign in {2}admin@orderdeck\.local, lead@orderdeck\.local, staff@orderdeck\.local$/m);
      expect(output).toMatch(new RegExp(`^ {11}password: \\S+ {3}\\(kept in ${dataDir}/demo-password\\)$`, "m"));
      expect(output).toMatch(/^ {2}Feed {5}http:\/\/127\.0\.0\.1:\d+ /m);
      expect(output).not.toContain("cannot interpret");
      const api = /^ {2}API {6}(\S+)/m.exec(output)?.[1] ?? "";
      expect((await fetch(`${api}/healthz`)).status).toBe(200);
      const running = output.length;

      process.kill(-(child.pid ?? 0), "SIGINT");
      expect(await exited).toEqual({ code: 0, signal: null });
      const stopping = output.slice(running);
      expect(stopping).not.toMatch(/terminating connection|administrator command/);
      // JSON lines: none at warn or error from the Ctrl-C on.
      expect(stopping).not.toMatch(/"level":"(warn|error)"/);
      expect(stopping.indexOf('"message":"worker stopped"')).toBeGreaterThan(-1);
      expect(stopping.indexOf('"message":"worker stopped"')).toBeLessThan(stopping.indexOf("OrderDeck stopped."));
      // PostgreSQL stopped too: its lock file is gone.
      expect(existsSync(path.join(dataDir, "postgres", "pg", "postmaster.pid"))).toBe(false);
    } finally {
      if (child.exitCode === null && child.signalCode === null) process.kill(-(child.pid ?? 0), "SIGKILL");
    }
  });
});
