// nginx and PgBouncer from the system's packages, as foreground child processes of the test with
// their configuration, pid and log files in a folder of its own, on loopback ports.
import { spawn, type ChildProcess } from "node:child_process";
import { existsSync } from "node:fs";
import { chmod, chown, mkdir, readFile, writeFile } from "node:fs/promises";
import { connect } from "node:net";
import path from "node:path";
import { nginxMain, nginxSite, pgbouncerIni, userlistLine } from "./deploy-files.ts";

export const NGINX = process.env.ORDERDECK_NGINX ?? "/usr/sbin/nginx";
export const PGBOUNCER = process.env.ORDERDECK_PGBOUNCER ?? "/usr/sbin/pgbouncer";

/** What is missing to run the scenario on this machine, or undefined. `.ci/run` installs both. */
export function missingServices(): string | undefined {
  const missing = [NGINX, PGBOUNCER].filter((file) => !existsSync(file));
  return missing.length > 0 ? `${missing.join(" and ")} not installed (apt-get install nginx pgbouncer)` : undefined;
}

export interface Service {
  readonly process: ChildProcess;
  /** Resolves with the exit signal or code once the process has gone. */
  readonly exited: Promise<string>;
  /** What it printed. */
  output(): string;
  /** Sends `signal` and waits for the process to go. */
  stop(signal?: NodeJS.Signals): Promise<string>;
}

/** Resolves once something accepts connections on 127.0.0.1:`port`. */
export async function portOpen(port: number, timeoutMs: number, child?: ChildProcess, describe = () => ""): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (child && (child.exitCode !== null || child.signalCode !== null)) throw new Error(`it exited while starting:\n${describe()}`);
    const open = await new Promise<boolean>((resolve) => {
      const socket = connect({ host: "127.0.0.1", port }, () => {
        socket.destroy();
        resolve(true);
      });
      socket.on("error", () => resolve(false));
    });
    if (open) return;
    if (Date.now() > deadline) throw new Error(`nothing listens on 127.0.0.1:${port} after ${timeoutMs} ms:\n${describe()}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

async function startService(argv: string[], port: number): Promise<Service> {
  const [command, ...args] = argv as [string, ...string[]];
  const child = spawn(command, args, { stdio: ["ignore", "pipe", "pipe"] });
  let output = "";
  child.stdout?.on("data", (chunk: Buffer) => (output += chunk.toString()));
  child.stderr?.on("data", (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<string>((resolve) => child.once("exit", (code, signal) => resolve(signal ?? `exit ${code}`)));
  try {
    await portOpen(port, 15_000, child, () => output);
  } catch (error) {
    child.kill("SIGKILL");
    throw new Error(`${command} did not start: ${error instanceof Error ? error.message : String(error)}`, { cause: error });
  }
  return {
    process: child,
    exited,
    output: () => output,
    async stop(signal: NodeJS.Signals = "SIGTERM") {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      return exited;
    },
  };
}

/** The system user PostgreSQL runs as when the suite runs as root (embedded.ts); PgBouncer refuses root too. */
const SERVICE_USER = "postgres";

async function serviceUserIds(): Promise<{ uid: number; gid: number } | undefined> {
  if (process.getuid?.() !== 0) return undefined;
  const passwd = await readFile("/etc/passwd", "utf8");
  const entry = passwd.split("\n").find((line) => line.startsWith(`${SERVICE_USER}:`));
  if (!entry) throw new Error(`running as root, PgBouncer needs the system user "${SERVICE_USER}" (created with the embedded PostgreSQL)`);
  const [, , uid, gid] = entry.split(":");
  return { uid: Number(uid), gid: Number(gid) };
}

export interface PgBouncerFiles {
  dir: string;
  ini: string;
  listenPort: number;
}

/**
 * Writes deploy/pgbouncer/pgbouncer.ini for this machine into `dir`, with the userlist made as
 * docs/DEPLOY.md says (the role's SCRAM secret from pg_authid).
 */
export async function writePgBouncerFiles(options: { dir: string; postgresPort: number; listenPort: number; role: string; scramSecret: string }): Promise<PgBouncerFiles> {
  await mkdir(options.dir, { recursive: true });
  const ini = path.join(options.dir, "pgbouncer.ini");
  await writeFile(ini, pgbouncerIni(options));
  await writeFile(path.join(options.dir, "userlist.txt"), userlistLine(options.role, options.scramSecret), { mode: 0o600 });
  const ids = await serviceUserIds();
  if (ids) for (const file of [options.dir, ini, path.join(options.dir, "userlist.txt")]) await chown(file, ids.uid, ids.gid);
  return { dir: options.dir, ini, listenPort: options.listenPort };
}

/** PgBouncer in the foreground (as `postgres` when the suite runs as root), once it accepts connections. */
export async function startPgBouncer(files: PgBouncerFiles): Promise<Service> {
  const asUser = (await serviceUserIds()) ? ["-u", SERVICE_USER] : [];
  return startService([PGBOUNCER, ...asUser, files.ini], files.listenPort);
}

/** nginx in the foreground with deploy/nginx/orderdeck.conf for this machine, once it accepts connections. */
export async function startNginx(options: { dir: string; listenPort: number; apiPorts: number[] }): Promise<Service> {
  await mkdir(options.dir, { recursive: true });
  for (const temp of ["client-body", "proxy", "fastcgi", "uwsgi", "scgi"]) {
    // nginx's workers drop root for `nobody`, and may buffer responses here.
    await mkdir(path.join(options.dir, temp), { recursive: true });
    await chmod(path.join(options.dir, temp), 0o777);
  }
  const sitePath = path.join(options.dir, "orderdeck.conf");
  await writeFile(sitePath, nginxSite(options));
  const mainPath = path.join(options.dir, "nginx.conf");
  await writeFile(mainPath, nginxMain({ dir: options.dir, sitePath }));
  return startService([NGINX, "-e", path.join(options.dir, "error.log"), "-p", options.dir, "-c", mainPath], options.listenPort);
}
