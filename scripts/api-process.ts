// An OrderDeck server as a child process (`node apps/server/dist/main.js --role=…`, compiled as
// the systemd units run it) that a test can stop and start again, or kill outright. Shared by the
// reliability suite (which SIGKILLs it), the e2e harness (which stops it to take the consoles
// offline) and the benchmarks.
import { spawn, type ChildProcess } from "node:child_process";
import { readFileSync } from "node:fs";
import path from "node:path";
import type { Writable } from "node:stream";
import { bundleServer, SERVER_BUNDLE, SERVER_ENTRY } from "@orderdeck/server/build";

const REPO_ROOT = path.resolve(import.meta.dirname, "..");

export interface ServerChild {
  /** The API's base URL, or a worker's metrics server's (its /healthz). */
  url: string;
  port: number;
  process: ChildProcess;
  pid: number;
  /** Resolves with the exit signal or code once the process has gone. */
  exited: Promise<string>;
  /** What it printed (empty when its output goes to a stream). */
  output(): string;
  /** SIGTERM, then SIGKILL if it has not gone within `graceMs`; resolves once it has exited. */
  stop(graceMs?: number): Promise<string>;
}

export interface SpawnServerOptions {
  /** The whole environment of the child (PATH is added). */
  env: Record<string, string>;
  /** The API's port; for a worker-only process, its metrics server's (WORKER_METRICS_PORT). */
  port: number;
  role?: "api" | "worker" | "all";
  /** Another entry point that composes the server the same way (default apps/server/src/main.ts); compiled like it. */
  script?: string;
  /** The whole command instead (e.g. a systemd unit's ExecStart); its first word "node" or a path ending in /node runs this Node. */
  command?: string[];
  /** Where its output goes; kept in memory when not given. */
  output?: Writable;
  /** Node options added to the deployed ones, e.g. to profile it ("--cpu-prof"; NODE_OPTIONS may not carry that). */
  nodeArgs?: string[];
  /** How long the first /healthz may take (migrations and the demo seed run before it). */
  startTimeoutMs?: number;
}

/**
 * Node's own options in the role's systemd unit (deploy/systemd/orderdeck-<role>@.service): the
 * memory bounds the server is deployed with, so that every test and benchmark runs it with them.
 */
export function deployedNodeOptions(role: "api" | "worker"): string[] {
  const unit = readFileSync(path.join(REPO_ROOT, "deploy", "systemd", `orderdeck-${role}@.service`), "utf8");
  const words = /^ExecStart=(.*)$/m.exec(unit)?.[1]?.trim().split(/\s+/) ?? [];
  const script = words.findIndex((word) => word.endsWith(".js"));
  if (script < 0) throw new Error(`deploy/systemd/orderdeck-${role}@.service has no ExecStart running a compiled script`);
  // Between the node binary and the script.
  return words.slice(1, script);
}

const compiled = new Map<string, Promise<string>>();

/**
 * The compiled file of a server entry point, compiled once per process from the sources as they
 * are now: apps/server/dist/main.js for the server's own (the file the units run), dist/<its
 * path>.js at the repository root for another.
 */
function compiledEntry(entry: string): Promise<string> {
  const source = path.resolve(REPO_ROOT, entry);
  const outfile = source === SERVER_ENTRY ? SERVER_BUNDLE : path.join(REPO_ROOT, "dist", path.relative(REPO_ROOT, source).replace(/\.ts$/, ".js"));
  let done = compiled.get(outfile);
  if (!done) {
    done = bundleServer(source, outfile).then(() => outfile);
    compiled.set(outfile, done);
  }
  return done;
}

/** Starts the server as a child on `options.port` and resolves once its /healthz answers. */
export async function spawnServer(options: SpawnServerOptions): Promise<ServerChild> {
  const role = options.role ?? "api";
  const portEnv = role === "worker" ? { WORKER_METRICS_PORT: String(options.port) } : { PORT: String(options.port) };
  // A unit's own command runs the server's compiled file too.
  const script = await compiledEntry(options.script ?? SERVER_ENTRY);
  const [program, ...args] = options.command ?? [
    "node",
    ...deployedNodeOptions(role === "worker" ? "worker" : "api"),
    ...(options.nodeArgs ?? []),
    script,
    `--role=${role}`,
  ];
  const child = spawn(program === "node" || program?.endsWith("/node") ? process.execPath : (program ?? process.execPath), args, {
    cwd: REPO_ROOT,
    env: { PATH: process.env.PATH ?? "", ...options.env, ...portEnv },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let output = "";
  if (options.output) {
    child.stdout?.pipe(options.output, { end: false });
    child.stderr?.pipe(options.output, { end: false });
  } else {
    child.stdout?.on("data", (chunk: Buffer) => (output += chunk.toString()));
    child.stderr?.on("data", (chunk: Buffer) => (output += chunk.toString()));
  }
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
  if (child.pid === undefined) throw new Error(`the ${role} process has no pid`);
  return {
    url,
    port: options.port,
    process: child,
    pid: child.pid,
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
