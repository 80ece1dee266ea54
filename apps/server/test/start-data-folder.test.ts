// `npm start` as root with its data inside a folder the embedded PostgreSQL's system user may not
// enter (a 0700 folder, like /root): it stops with a message that says what is wrong and what to
// do, and exit code 1, not a stack trace from initdb.
import { spawn } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";

const REPO_ROOT = path.resolve(import.meta.dirname, "../../..");
const asRoot = process.getuid?.() === 0;
const made: string[] = [];

afterAll(async () => {
  for (const folder of made) await rm(folder, { recursive: true, force: true });
});

function npmStart(env: Record<string, string>): Promise<{ code: number | null; output: string }> {
  const child = spawn(process.execPath, ["--import", "tsx", "scripts/start.ts"], {
    cwd: REPO_ROOT,
    env: { PATH: process.env.PATH ?? "", HOME: process.env.HOME ?? "", ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let output = "";
  child.stdout.on("data", (chunk: Buffer) => (output += chunk.toString()));
  child.stderr.on("data", (chunk: Buffer) => (output += chunk.toString()));
  return new Promise((resolve) => child.once("exit", (code) => resolve({ code, output })));
}

// Run as another user, PostgreSQL runs as that user, who owns the folder it made: nothing to refuse.
describe.skipIf(!asRoot)("npm start as root", () => {
  it("stops, saying the postgres user cannot reach the data folder and what to set, when the data is inside a 0700 folder", { timeout: 120_000 }, async () => {
    const locked = await mkdtemp(path.join(tmpdir(), "orderdeck-root-home-"));
    made.push(locked);
    const dataDir = path.join(locked, "orderdeck", ".data");
    const { code, output } = await npmStart({
      ORDERDECK_DATA_DIR: dataDir,
      ORDERDECK_SMTP_PORT: "0",
      PORT: "0",
      CONSOLE_PORT: "0",
      ORDERDECK_CONSOLE: "browser",
      LOG_LEVEL: "error",
    });
    expect(code).toBe(1);
    expect(output).toContain(
      `Cannot start the embedded PostgreSQL: the system user "postgres" that runs the embedded PostgreSQL cannot reach ${path.join(dataDir, "postgres")}: it may not enter ${locked} (mode 0700, owner uid 0).`,
    );
    expect(output).toContain("Set ORDERDECK_DATA_DIR to a folder the postgres user can reach (for example /var/lib/orderdeck), or run npm start as a normal user (not root).");
    expect(output).not.toMatch(/EACCES|Permission denied|^\s+at /m);
  });
});
