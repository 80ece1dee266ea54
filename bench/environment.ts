// What every benchmark runs against: an embedded PostgreSQL in a temporary folder, migrated and
// seeded with the benchmark shop, and the API as its own process (`orderdeck-server --role=api`
// in production mode), so that the load generator in this process never shares its event loop.
import { spawn, type ChildProcess } from "node:child_process";
import { randomBytes } from "node:crypto";
import { createWriteStream } from "node:fs";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { applyMigrations, freePort, startEmbeddedPostgres, type EmbeddedPostgresHandle } from "@orderdeck/db";
import pg from "pg";
import { seedBenchShop, type BenchShop } from "./seed/index.ts";

const REPO_ROOT = path.resolve(import.meta.dirname, "..");

/** The API's database pool (DB_POOL_MAX); the bare floor gets the same number of connections. */
export const API_POOL_MAX = 20;

export interface BenchEnvironment {
  databaseUrl: string;
  postgresVersion: string;
  /** Owner connections for the bare floor and for reading results (max API_POOL_MAX). */
  pool: pg.Pool;
  secretKey: string;
  shop: BenchShop;
  api: { url: string; pid: number; logFile: string };
  close(): Promise<void>;
}

async function waitForHealth(url: string, child: ChildProcess, logFile: string): Promise<void> {
  const deadline = Date.now() + 90_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`the API exited while starting; see ${logFile}`);
    try {
      if ((await fetch(`${url}/healthz`, { signal: AbortSignal.timeout(1_000) })).ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  throw new Error(`the API did not answer /healthz within 90 s; see ${logFile}`);
}

export async function startEnvironment(log: (line: string) => void): Promise<BenchEnvironment> {
  const dataDir = await mkdtemp(path.join(tmpdir(), "orderdeck-bench-"));
  let cluster: EmbeddedPostgresHandle | undefined;
  let pool: pg.Pool | undefined;
  let child: ChildProcess | undefined;
  const close = async () => {
    if (child && child.exitCode === null) {
      const exited = new Promise((resolve) => child?.once("exit", resolve));
      child.kill("SIGTERM");
      await Promise.race([exited, new Promise((resolve) => setTimeout(resolve, 10_000))]);
      if (child.exitCode === null) child.kill("SIGKILL");
    }
    await pool?.end();
    await cluster?.stop();
    await rm(dataDir, { recursive: true, force: true });
  };
  try {
    log(`starting PostgreSQL in ${dataDir}`);
    // Durable like production (no fsync=off): the figures include real commits.
    cluster = await startEmbeddedPostgres({ dataDir });
    const admin = new pg.Client({ connectionString: cluster.adminUrl });
    await admin.connect();
    await admin.query("CREATE DATABASE orderdeck");
    const version = await admin.query<{ server_version: string }>("SHOW server_version");
    await admin.end();
    const databaseUrl = cluster.urlFor("orderdeck");
    await applyMigrations(databaseUrl);
    pool = new pg.Pool({ connectionString: databaseUrl, max: API_POOL_MAX });
    // Idle connections end when the cluster stops at the end of the run; that is no error.
    pool.on("error", () => undefined);
    const secretKey = randomBytes(32).toString("base64url");
    log("seeding the benchmark shop (100 000 jobs, 20 000 open, 5 000 customers)");
    const shop = await seedBenchShop(pool, secretKey);
    log(`seeded in ${shop.seconds.toFixed(1)} s: ${JSON.stringify(shop.jobsByStatus)}`);

    const port = await freePort();
    const logFile = path.join(dataDir, "api.log");
    const out = createWriteStream(logFile);
    child = spawn(process.execPath, ["--import", "tsx", "apps/server/src/main.ts", "--role=api"], {
      cwd: REPO_ROOT,
      env: {
        PATH: process.env.PATH ?? "",
        NODE_ENV: "production",
        HOST: "127.0.0.1",
        PORT: String(port),
        DATABASE_URL: databaseUrl,
        ORDERDECK_SECRET_KEY: secretKey,
        ORDERDECK_MIGRATE_ON_START: "false",
        ORDERDECK_SEED_DEMO: "false",
        DB_POOL_MAX: String(API_POOL_MAX),
        // Production refuses to start without a mail server; this API-only process only queues mail.
        SMTP_HOST: "127.0.0.1",
        MAIL_FROM: "Bench <orders@orderdeck.test>",
        // As in production: one JSON line per request (written to a file here).
        LOG_LEVEL: process.env.BENCH_LOG_LEVEL ?? "info",
        LOG_FORMAT: "json",
        // The load generator stands in for the consoles behind a load balancer at 127.0.0.1.
        TRUST_PROXY: "127.0.0.1",
      },
      stdio: ["ignore", "pipe", "pipe"],
    });
    child.stdout?.pipe(out);
    child.stderr?.pipe(out);
    const url = `http://127.0.0.1:${port}`;
    await waitForHealth(url, child, logFile);
    if (child.pid === undefined) throw new Error("the API process has no pid");
    log(`API listening at ${url} (pid ${child.pid})`);
    return { databaseUrl, postgresVersion: version.rows[0]?.server_version ?? "unknown", pool, secretKey, shop, api: { url, pid: child.pid, logFile }, close };
  } catch (error) {
    await close();
    throw error;
  }
}

/** Resident and peak resident memory of a process, in MiB (Linux /proc). */
export async function memoryOf(pid: number): Promise<{ rssMiB: number; peakRssMiB: number } | null> {
  try {
    const status = await readFile(`/proc/${pid}/status`, "utf8");
    const kib = (field: string) => Number(new RegExp(`^${field}:\\s+(\\d+) kB`, "m").exec(status)?.[1] ?? Number.NaN);
    return { rssMiB: kib("VmRSS") / 1024, peakRssMiB: kib("VmHWM") / 1024 };
  } catch {
    return null;
  }
}
