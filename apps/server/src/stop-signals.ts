// Ctrl-C (SIGINT) and SIGTERM stop a server process in order: the worker finishes its running
// tasks, the API closes, and only then the database it started (the embedded one) stops.
import { spawn } from "node:child_process";
import { stopEmbeddedPostgresOnlyWhenAsked } from "@orderdeck/db";

/**
 * Runs `stop` once on the first SIGINT or SIGTERM (a second one, or Ctrl-C pressed twice, waits for
 * the same stop), then exits with 0, or 1 when the stop failed.
 */
export function stopOnSignals(stop: (signal: NodeJS.Signals) => Promise<void>): void {
  stopEmbeddedPostgresOnlyWhenAsked();
  let stopping: Promise<void> | undefined;
  const onSignal = (signal: NodeJS.Signals) => {
    stopping ??= stop(signal).then(
      () => process.exit(0),
      (error: unknown) => {
        console.error("stopping failed:", error);
        process.exit(1);
      },
    );
  };
  process.on("SIGINT", onSignal);
  process.on("SIGTERM", onSignal);
}

const RELAUNCHED = "ORDERDECK_OWN_PROCESS_GROUP";

/**
 * A terminal sends Ctrl-C to every process of its foreground process group: to the embedded
 * PostgreSQL too, which then cuts every connection at once while the worker and the API still use
 * them. So a process that starts the embedded PostgreSQL runs in a process group of its own: this
 * starts the same command again, detached, passes SIGINT / SIGTERM (and SIGHUP, as SIGTERM) on to
 * it once, and ends with its exit code. Resolves in the process that is to go on; in the one that
 * started it, never.
 */
export function inOwnProcessGroup(): Promise<void> {
  if (process.env[RELAUNCHED] === "1" || process.platform === "win32") return Promise.resolve();
  // This process only waits for the other: the library's hooks would end it at the first signal.
  stopEmbeddedPostgresOnlyWhenAsked();
  const child = spawn(process.execPath, [...process.execArgv, ...process.argv.slice(1)], {
    detached: true,
    stdio: "inherit",
    env: { ...process.env, [RELAUNCHED]: "1" },
  });
  let passedOn = false;
  const passOn = (signal: NodeJS.Signals) => {
    if (passedOn || child.exitCode !== null) return;
    passedOn = true;
    child.kill(signal);
  };
  process.on("SIGINT", () => passOn("SIGINT"));
  process.on("SIGTERM", () => passOn("SIGTERM"));
  process.on("SIGHUP", () => passOn("SIGTERM"));
  child.on("exit", (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
  child.on("error", (error) => {
    console.error("could not start:", error.message);
    process.exit(1);
  });
  return new Promise<void>(() => undefined);
}
