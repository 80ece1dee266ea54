// A console process driven over its standard streams, for the tests that kill one and the
// benchmarks that measure one (console-core's, the shop day's consoles'): it is told its data
// folder and server in its environment, speaks one JSON object per line on stdout, and may be
// sent lines on stdin.
import { spawn, type ChildProcessWithoutNullStreams } from "node:child_process";
import { createInterface } from "node:readline";
import { REPO_ROOT } from "./api-process.ts";

export type ConsoleLine = Record<string, unknown>;

export interface ConsoleProcess {
  child: ChildProcessWithoutNullStreams;
  pid: number;
  /** Resolves with the exit code (null when killed by a signal). */
  exited: Promise<number | null>;
  /** Every line it printed so far. */
  lines: ConsoleLine[];
  /**
   * Resolves with every line so far once a line satisfies `done`; rejects if the process exits
   * first, or when `timeoutMs` (default two minutes) passes without such a line, saying so.
   */
  readUntil(done: (line: ConsoleLine) => boolean, timeoutMs?: number): Promise<ConsoleLine[]>;
  /** Writes one line to its stdin. */
  send(line: string): void;
}

/** `node [...nodeArgs] --import tsx <script> ...args` with CONSOLE_DATA_DIR and CONSOLE_SERVER_URL set. */
export function startConsoleProcess(
  script: string,
  options: { dataDir: string; serverUrl: string; args?: string[]; env?: Record<string, string>; nodeArgs?: string[] },
): ConsoleProcess {
  const child = spawn(process.execPath, [...(options.nodeArgs ?? []), "--import", "tsx", script, ...(options.args ?? [])], {
    cwd: REPO_ROOT,
    env: { ...process.env, ...options.env, CONSOLE_DATA_DIR: options.dataDir, CONSOLE_SERVER_URL: options.serverUrl },
    stdio: ["pipe", "pipe", "pipe"],
  });
  const lines: ConsoleLine[] = [];
  const waiting: Array<{ done: (line: ConsoleLine) => boolean; resolve: () => void }> = [];
  let stderr = "";
  child.stderr.on("data", (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  // A line sent to a process that has died fails its write; readUntil reports the exit, with stderr.
  child.stdin.on("error", () => undefined);
  createInterface({ input: child.stdout }).on("line", (text) => {
    let line: ConsoleLine;
    try {
      line = JSON.parse(text) as ConsoleLine;
    } catch {
      return;
    }
    lines.push(line);
    for (const w of [...waiting]) {
      if (w.done(line)) {
        waiting.splice(waiting.indexOf(w), 1);
        w.resolve();
      }
    }
  });
  // "close", not "exit": by then every line it wrote has been read.
  const exited = new Promise<number | null>((resolve) => child.on("close", (code) => resolve(code)));
  if (child.pid === undefined) throw new Error(`the console process ${script} did not start`);
  return {
    child,
    pid: child.pid,
    exited,
    lines,
    readUntil: (done, timeoutMs = 120_000) =>
      new Promise((resolve, reject) => {
        if (lines.some(done)) return resolve(lines);
        const timer = setTimeout(() => {
          waiting.splice(waiting.indexOf(waiter), 1);
          reject(new Error(`console process printed no awaited line in ${timeoutMs} ms; its last lines: ${JSON.stringify(lines.slice(-5))} ${stderr.slice(-2000)}`));
        }, timeoutMs);
        const waiter = {
          done,
          resolve: () => {
            clearTimeout(timer);
            resolve(lines);
          },
        };
        waiting.push(waiter);
        void exited.then((code) => {
          clearTimeout(timer);
          reject(new Error(`console process exited (${code}) early: ${stderr.slice(-2000)}`));
        });
      }),
    send: (line) => {
      child.stdin.write(`${line}\n`);
    },
  };
}

/** Runs the process to its end; fails unless it exits with 0. */
export async function runConsoleProcess(script: string, options: { dataDir: string; serverUrl: string; args?: string[] }): Promise<{ lines: ConsoleLine[] }> {
  const run = startConsoleProcess(script, options);
  const code = await run.exited;
  if (code !== 0) throw new Error(`console process ${options.args?.[0] ?? script} exited with ${code}`);
  return { lines: run.lines };
}
