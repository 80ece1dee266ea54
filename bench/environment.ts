// What every benchmark runs against: an embedded PostgreSQL in a temporary folder, migrated and
// seeded with the benchmark shop, and the API as its own process (`orderdeck-server --role=api`
// in production mode, see reliability/api-process.ts), so that the load generator in this process
// never shares its event loop; benchmarks may start more server processes (the worker) beside it.
import { randomBytes } from "node:crypto";
import { createWriteStream } from "node:fs";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { applyMigrations, startEmbeddedPostgres, type EmbeddedPostgresHandle } from "@orderdeck/db";
import pg from "pg";
import { spawnServer, type ServerChild, type SpawnServer } from "../reliability/api-process.ts";
import { seedBenchShop, type BenchShop } from "./seed/index.ts";

/** The API's database pool (DB_POOL_MAX); the bare floor gets the same number of connections. */
export const API_POOL_MAX = 20;

/** Node options for a benchmarked process from an environment variable (e.g. "--cpu-prof --cpu-prof-dir=DIR", to profile it). */
export function nodeArgsFrom(variable: string): string[] {
  return process.env[variable]?.split(/\s+/).filter(Boolean) ?? [];
}

/**
 * A shop's working day does not run in the wake of a bulk seed or of thousands of handovers a
 * minute, as a benchmark does after the ones before it: their dead rows, unset hint bits and dirty
 * pages would be cleaned up (autovacuum, a checkpoint) inside the measured part, on the same two
 * cores. Cleaned up first; answers the seconds it took, for the benchmark's facts.
 */
export async function settleDatabase(env: Pick<BenchEnvironment, "pool">): Promise<number> {
  const started = performance.now();
  await env.pool.query("VACUUM (ANALYZE)");
  await env.pool.query("CHECKPOINT");
  return (performance.now() - started) / 1000;
}

export interface BenchEnvironment {
  databaseUrl: string;
  postgresVersion: string;
  /** Owner connections for the bare floor and for reading results (max API_POOL_MAX). */
  pool: pg.Pool;
  secretKey: string;
  shop: BenchShop;
  /** Scratch space of the run (deleted at the end): logs, console data folders. */
  dataDir: string;
  api: { url: string; pid: number; logFile: string };
  /** Every server process of the run so far (the API, the workers a benchmark started), for the memory figures. */
  processes(): Array<{ label: string; pid: number }>;
  /** Starts another server process of the run (its output to a log file in dataDir); it is stopped by close(). */
  spawn(label: string, options: Omit<SpawnServer, "databaseUrl" | "secretKey" | "output">): Promise<ServerChild>;
  close(): Promise<void>;
}

export async function startEnvironment(log: (line: string) => void): Promise<BenchEnvironment> {
  const dataDir = await mkdtemp(path.join(tmpdir(), "orderdeck-bench-"));
  let cluster: EmbeddedPostgresHandle | undefined;
  let pool: pg.Pool | undefined;
  const children: Array<{ label: string; child: ServerChild }> = [];
  const close = async () => {
    for (const { child } of children.reverse()) await child.stop();
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

    const logFile = path.join(dataDir, "api.log");
    const api = await spawnServer({
      role: "api",
      databaseUrl,
      secretKey,
      output: createWriteStream(logFile),
      nodeArgs: nodeArgsFrom("BENCH_API_NODE_ARGS"),
      extra: {
        DB_POOL_MAX: String(API_POOL_MAX),
        // As in production: one JSON line per request (written to a file here).
        LOG_LEVEL: process.env.BENCH_LOG_LEVEL ?? "info",
        // The load generator stands in for the consoles behind a load balancer at 127.0.0.1.
        TRUST_PROXY: "127.0.0.1",
      },
    });
    children.push({ label: "API", child: api });
    log(`API listening at ${api.url} (pid ${api.pid})`);
    return {
      databaseUrl,
      postgresVersion: version.rows[0]?.server_version ?? "unknown",
      pool,
      secretKey,
      shop,
      dataDir,
      api: { url: api.url, pid: api.pid, logFile },
      processes: () => children.map(({ label, child }) => ({ label, pid: child.pid })),
      async spawn(label, options) {
        const file = path.join(dataDir, `${label.toLowerCase().replaceAll(/[^a-z0-9]+/g, "-")}.log`);
        const child = await spawnServer({ databaseUrl, secretKey, output: createWriteStream(file, { flags: "a" }), ...options });
        children.push({ label, child });
        return child;
      },
      close,
    };
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
