// An OrderDeck server as a child process (`node --import tsx apps/server/src/main.ts --role=…`)
// that a test can stop and start again, or kill outright. Shared by the reliability suite (which
// SIGKILLs it) and the e2e harness (which stops it to take the consoles offline).
import { spawn, type ChildProcess } from "node:child_process";
import path from "node:path";

const REPO_ROOT = path.resolve(import.meta.dirname, "..");

export interface ServerChild {
  url: string;
  port: number;
  process: ChildProcess;
  /** Resolves with the exit signal or code once the process has gone. */
  exited: Promise<string>;
  output(): string;
  /** SIGTERM, then SIGKILL if it has not gone within `graceMs`; resolves once it has exited. */
  stop(graceMs?: number): Promise<string>;
}

export interface SpawnServerOptions {
  /** The whole environment of the child (PATH is added). */
  env: Record<string, string>;
  port: number;
  role?: "api" | "worker" | "all";
  /** How long the first /healthz may take (migrations and the demo seed run before it). */
  startTimeoutMs?: number;
}

/** Starts the server as a child on `options.port` and resolves once its /healthz answers. */
export async function spawnServer(options: SpawnServerOptions): Promise<ServerChild> {
  const child = spawn(process.execPath, ["--import", "tsx", "apps/server/src/main.ts", `--role=${options.role ?? "api"}`], {
    cwd: REPO_ROOT,
    env: { PATH: process.env.PATH ?? "", ...options.env, PORT: String(options.port) },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let output = "";
  child.stdout?.on("data", (chunk: Buffer) => (output += chunk.toString()));
  child.stderr?.on("data", (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<string>((resolve) => child.once("exit", (code, signal) => resolve(signal ?? `exit ${code}`)));
  const url = `http://127.0.0.1:${options.port}`;
  const timeoutMs = options.startTimeoutMs ?? 60_000;
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (child.exitCode !== null || child.signalCode !== null) throw new Error(`the server exited while starting:\n${output}`);
    try {
      if ((await fetch(`${url}/healthz`, { signal: AbortSignal.timeout(1_000) })).ok) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) {
      child.kill("SIGKILL");
      throw new Error(`the server did not answer /healthz within ${timeoutMs} ms:\n${output}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return {
    url,
    port: options.port,
    process: child,
    exited,
    output: () => output,
    async stop(graceMs = 10_000) {
      if (child.exitCode !== null || child.signalCode !== null) return exited;
      child.kill("SIGTERM");
      const timer = setTimeout(() => child.kill("SIGKILL"), graceMs);
      try {
        return await exited;
      } finally {
        clearTimeout(timer);
      }
    },
  };
}
