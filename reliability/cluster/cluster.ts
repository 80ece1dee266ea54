// The shape of docs/DEPLOY.md's "several API and worker processes" on one machine, started in the
// order the document gives: PostgreSQL (here the embedded one), the environment file, the
// migrations (orderdeck-migrate.service), PgBouncer, workers (orderdeck-worker@), API processes
// (orderdeck-api@), nginx. Every process runs the command and environment of its file in deploy/,
// with only this machine's ports, paths and secrets put in. Each fault the scenario needs is here.
import { spawn } from "node:child_process";
import { createWriteStream } from "node:fs";
import { chmod, mkdir, mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { freePort, startEmbeddedPostgres, type EmbeddedPostgresHandle } from "@orderdeck/db";
import { startMailSink, type MailSink } from "@orderdeck/mail-sink";
import pg from "pg";
import { spawnServer, type ServerChild } from "../../scripts/api-process.ts";
import { newSecretKey, REPO_ROOT } from "../api-process.ts";
import { exampleEnvironment, unitCommand } from "./deploy-files.ts";
import { startNginx, startPgBouncer, writePgBouncerFiles, type PgBouncerFiles, type Service } from "./services.ts";

export interface Cluster {
  /** nginx: where consoles connect. */
  url: string;
  /** Each API process's own address (behind nginx). */
  apiUrls: string[];
  apis: ServerChild[];
  workers: Array<ServerChild | undefined>;
  /** PostgreSQL itself, and through PgBouncer. */
  directUrl: string;
  pooledUrl: string;
  /** The suite's own connections for setting up and checking (direct). */
  pool: pg.Pool;
  secretKey: string;
  sink: MailSink;
  /** The environment every OrderDeck process of the cluster gets (before its unit's own lines). */
  environment: Record<string, string>;
  ports: { postgres: number; pgbouncer: number };
  pgbouncerPid(): number | undefined;
  /** SIGKILLs API process `i` and starts it again on its port; resolves once it answers. */
  killAndRestartApi(i: number): Promise<void>;
  /** SIGKILLs worker `i`; it stays down (as if its machine had gone). */
  killWorker(i: number): Promise<void>;
  /** Processes that exited without being killed by the scenario (and were started again, as systemd would). */
  unexpectedExits: string[];
  restartPgBouncer(): Promise<void>;
  restartPostgres(): Promise<void>;
  stop(): Promise<void>;
}

export interface ClusterOptions {
  apis: number;
  workers: number;
  /** Environment for the scenario's processes beyond the machine's ports, paths and secrets. */
  extraEnvironment?: Record<string, string>;
}

const DATABASE = "orderdeck";
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function withPort(url: string, port: number): string {
  const next = new URL(url);
  next.port = String(port);
  return next.toString();
}

/** Runs a systemd unit's ExecStart (a oneshot) to its end in the repository, as the unit's WorkingDirectory. */
async function runOneshot(unit: string, env: Record<string, string>): Promise<void> {
  const command = unitCommand(unit);
  const [program, ...args] = command.argv;
  const child = spawn(program?.endsWith("/node") ? process.execPath : (program ?? ""), args, {
    cwd: REPO_ROOT,
    env: { PATH: process.env.PATH ?? "", ...env, ...command.env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let output = "";
  child.stdout.on("data", (chunk: Buffer) => (output += chunk.toString()));
  child.stderr.on("data", (chunk: Buffer) => (output += chunk.toString()));
  const code = await new Promise<number | null>((resolve) => child.once("close", resolve));
  if (code !== 0) throw new Error(`${unit} failed (${code}):\n${output}`);
}

export async function startCluster(options: ClusterOptions): Promise<Cluster> {
  const dir = await mkdtemp(path.join(tmpdir(), "orderdeck-cluster-"));
  // PostgreSQL and PgBouncer run as their own user when the suite runs as root: let them through.
  await chmod(dir, 0o711);
  const stops: Array<() => Promise<unknown>> = [];
  const postgresPort = await freePort();
  let postgres: EmbeddedPostgresHandle | undefined = await startEmbeddedPostgres({ dataDir: path.join(dir, "postgres"), port: postgresPort });
  stops.push(() => postgres?.stop() ?? Promise.resolve());
  try {
    const admin = new pg.Client({ connectionString: postgres.adminUrl });
    await admin.connect();
    await admin.query(`CREATE DATABASE ${DATABASE}`);
    const role = new URL(postgres.adminUrl).username;
    const secret = await admin.query<{ rolpassword: string }>("SELECT rolpassword FROM pg_authid WHERE rolname = $1", [role]);
    await admin.end();
    const directUrl = postgres.urlFor(DATABASE);

    const pgbouncerPort = await freePort();
    const pooledUrl = withPort(directUrl, pgbouncerPort);
    const secretKey = newSecretKey();
    const sink = await startMailSink();
    stops.push(() => sink.stop());
    const environment: Record<string, string> = {
      ...exampleEnvironment(),
      ORDERDECK_DATA_DIR: path.join(dir, "data"),
      DATABASE_URL: pooledUrl,
      DATABASE_DIRECT_URL: directUrl,
      ORDERDECK_SECRET_KEY: secretKey,
      METRICS_TOKEN: newSecretKey(),
      SMTP_HOST: "127.0.0.1",
      SMTP_PORT: String(sink.port),
      ...options.extraEnvironment,
    };

    await runOneshot("orderdeck-migrate.service", environment);

    const pgbouncerFiles: PgBouncerFiles = await writePgBouncerFiles({
      dir: path.join(dir, "pgbouncer"),
      postgresPort,
      listenPort: pgbouncerPort,
      role,
      scramSecret: secret.rows[0]?.rolpassword ?? "",
    });
    let pgbouncer: Service = await startPgBouncer(pgbouncerFiles);
    stops.push(() => pgbouncer.stop());

    const pool = new pg.Pool({ connectionString: directUrl, max: 4 });
    // The suite's own idle connections die with each PostgreSQL restart: expected.
    pool.on("error", () => undefined);
    stops.push(() => pool.end());

    const workerPorts = await Promise.all(Array.from({ length: options.workers }, () => freePort()));
    const apiPorts = await Promise.all(Array.from({ length: options.apis }, () => freePort()));
    // Each process's log lines go to a file of its own (appended across restarts), as journald keeps a unit's.
    const logs = process.env.RELIABILITY_CLUSTER_LOGS ?? path.join(dir, "logs");
    await mkdir(logs, { recursive: true });
    const spawnUnit = (unit: string, role: "api" | "worker", port: number) => {
      const command = unitCommand(unit, String(port));
      const output = createWriteStream(path.join(logs, `${role}-${port}.log`), { flags: "a" });
      return spawnServer({ role, port, command: command.argv, env: { ...environment, ...command.env }, output, startTimeoutMs: 60_000 });
    };
    // systemd's Restart=always, RestartSec=2 of the units: a process that exits without the
    // scenario having killed it is started again (and the exit is recorded).
    const unexpectedExits: string[] = [];
    let stopping = false;
    const expected = new WeakSet<ServerChild>();
    const supervised = async (slots: Array<ServerChild | undefined>, i: number, start: () => Promise<ServerChild>, name: string): Promise<ServerChild> => {
      const child = await start();
      slots[i] = child;
      void child.exited.then(async (how) => {
        if (stopping || expected.has(child)) return;
        unexpectedExits.push(`${name} exited (${how})`);
        await sleep(2_000);
        while (!stopping) {
          try {
            await supervised(slots, i, start, name);
            return;
          } catch {
            await sleep(2_000);
          }
        }
      });
      return child;
    };
    const workers: Array<ServerChild | undefined> = [];
    const startWorkerAt = (i: number) => supervised(workers, i, () => spawnUnit("orderdeck-worker@.service", "worker", workerPorts[i] as number), `worker ${i + 1}`);
    const apis: ServerChild[] = [];
    const startApiAt = (i: number) => supervised(apis, i, () => spawnUnit("orderdeck-api@.service", "api", apiPorts[i] as number), `API process ${i + 1}`);
    for (let i = 0; i < options.workers; i++) await startWorkerAt(i);
    for (let i = 0; i < options.apis; i++) await startApiAt(i);
    stops.push(async () => {
      stopping = true;
      for (const child of [...apis, ...workers]) await child?.stop(5_000);
    });

    const nginxPort = await freePort();
    const nginx = await startNginx({ dir: path.join(dir, "nginx"), listenPort: nginxPort, apiPorts });
    stops.push(() => nginx.stop("SIGQUIT"));

    const stop = async () => {
      for (const step of stops.reverse()) await step().catch(() => undefined);
      await rm(dir, { recursive: true, force: true });
    };
    return {
      url: `http://127.0.0.1:${nginxPort}`,
      apiUrls: apiPorts.map((port) => `http://127.0.0.1:${port}`),
      apis,
      workers,
      directUrl,
      pooledUrl,
      pool,
      secretKey,
      sink,
      environment,
      ports: { postgres: postgresPort, pgbouncer: pgbouncerPort },
      pgbouncerPid: () => pgbouncer.process.pid,
      unexpectedExits,
      async killAndRestartApi(i) {
        const api = apis[i];
        if (!api) throw new Error(`no API process ${i}`);
        expected.add(api);
        api.process.kill("SIGKILL");
        await api.exited;
        await startApiAt(i);
      },
      async killWorker(i) {
        const worker = workers[i];
        if (!worker) throw new Error(`no worker ${i}`);
        expected.add(worker);
        worker.process.kill("SIGKILL");
        await worker.exited;
        workers[i] = undefined;
      },
      async restartPgBouncer() {
        await pgbouncer.stop("SIGTERM");
        pgbouncer = await startPgBouncer(pgbouncerFiles);
      },
      async restartPostgres() {
        await postgres?.stop();
        postgres = undefined;
        postgres = await startEmbeddedPostgres({ dataDir: path.join(dir, "postgres"), port: postgresPort });
      },
      stop,
    };
  } catch (error) {
    for (const step of stops.reverse()) await step().catch(() => undefined);
    await rm(dir, { recursive: true, force: true });
    throw error;
  }
}
