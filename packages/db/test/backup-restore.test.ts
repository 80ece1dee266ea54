// Backups as docs/DEPLOY.md takes them, restored into a fresh cluster or database: the shop's rows
// come back, and the migrator finds the restored database current (nothing pending, nothing
// edited). Point-in-time recovery (a base backup plus archived WAL, replayed to a named point just
// before a mistake) always runs, on the embedded PostgreSQL's own binaries; pg_dump / pg_restore
// runs where a client of the server's major version is installed (Debian 12 ships 15, which
// refuses a newer server).
import { execFile } from "node:child_process";
import { existsSync } from "node:fs";
import { chmod, chown, copyFile, mkdir, mkdtemp, readFile, rm, stat, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { generatePickupCode } from "@orderdeck/contracts";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { freePort, startEmbeddedPostgres, type EmbeddedPostgresHandle } from "../src/embedded.ts";
import { applyMigrations, migrationStatus, readMigrations } from "../src/migrate.ts";

const run = promisify(execFile);
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

let dir: string;
let primary: EmbeddedPostgresHandle | undefined;
let restored: EmbeddedPostgresHandle | undefined;
let primaryPort: number;
/** Owner of the server's files when the suite runs as root (PostgreSQL runs as `postgres` then). */
let owner: { uid: number; gid: number } | undefined;

async function query<R extends pg.QueryResultRow>(url: string, text: string, values: unknown[] = []): Promise<R[]> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query<R>(text, values)).rows;
  } finally {
    await client.end();
  }
}

/** A site with jobs, written through plain SQL as the product's tables hold them. */
async function addShop(url: string, name: string, jobs: number): Promise<string> {
  const [site] = await query<{ id: string }>(url, `INSERT INTO sites (id, name, timezone) VALUES (gen_random_uuid(), $1, 'Europe/Berlin') RETURNING id::text`, [name]);
  if (!site) throw new Error("no site");
  await query(
    url,
    `INSERT INTO jobs (id, site_id, title, status, queue_position, payment_status, pickup_code)
     SELECT gen_random_uuid(), $1::uuid, $2 || ' ' || i, 'QUEUED', i * 1024, 'UNPAID', code
       FROM unnest($3::text[]) WITH ORDINALITY AS c(code, i)`,
    [site.id, name, Array.from({ length: jobs }, () => generatePickupCode())],
  );
  return site.id;
}

async function jobCounts(url: string): Promise<Record<string, number>> {
  const rows = await query<{ name: string; n: number }>(url, `SELECT s.name, count(j.id)::int AS n FROM sites s LEFT JOIN jobs j ON j.site_id = s.id GROUP BY s.name`);
  return Object.fromEntries(rows.map((r) => [r.name, r.n]));
}

async function expectCurrent(url: string): Promise<void> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const status = await migrationStatus(client, await readMigrations());
    expect(status.pending).toEqual([]);
    expect(status.problems).toEqual([]);
    expect(status.applied.length).toBeGreaterThan(0);
  } finally {
    await client.end();
  }
  // The migrator agrees: nothing to apply.
  expect(await applyMigrations(url)).toEqual([]);
}

beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), "orderdeck-backup-"));
  // As root the server runs as `postgres`, which must reach the clusters and the archive inside.
  await chmod(dir, 0o711);
  primaryPort = await freePort();
  primary = await startEmbeddedPostgres({ dataDir: path.join(dir, "primary"), port: primaryPort });
  const clusterDir = path.join(dir, "primary", "pg");
  if (process.getuid?.() === 0) {
    const info = await stat(clusterDir);
    owner = { uid: info.uid, gid: info.gid };
  }
  await query(primary.adminUrl, "CREATE DATABASE orderdeck");
  await applyMigrations(primary.urlFor("orderdeck"));
});

afterAll(async () => {
  await restored?.stop();
  await primary?.stop();
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe("backups", () => {
  it("restores a base backup plus archived WAL to the point just before a mistake", { timeout: 120_000 }, async () => {
    if (!primary) throw new Error("no primary");
    const url = primary.urlFor("orderdeck");
    const archive = path.join(dir, "wal-archive");
    await mkdir(archive);
    if (owner) await chown(archive, owner.uid, owner.gid);
    // DEPLOY.md, "Point-in-time recovery": WAL archiving on (a restart makes archive_mode take effect).
    await query(primary.adminUrl, "ALTER SYSTEM SET archive_mode = 'on'");
    await query(primary.adminUrl, `ALTER SYSTEM SET archive_command = 'test ! -f ${archive}/%f && cp %p ${archive}/%f'`);
    await primary.stop();
    primary = await startEmbeddedPostgres({ dataDir: path.join(dir, "primary"), port: primaryPort });
    await addShop(url, "Before the backup", 30);

    // The base backup: what pg_basebackup does, through the server's own backup functions.
    const base = path.join(dir, "base");
    const session = new pg.Client({ connectionString: primary.adminUrl });
    await session.connect();
    await session.query("SELECT pg_backup_start('orderdeck base backup', true)");
    const source = path.join(dir, "primary", "pg");
    await mkdir(base);
    // tar answers 1 when a file changed while it was read: replaying the WAL repairs exactly that.
    await run("sh", ["-c", `tar -C '${source}' --exclude=./pg_wal/* --exclude=./postmaster.pid --exclude=./postmaster.opts -cf - . | tar -C '${base}' -xpf -; test $? -le 1`]);
    const stopped = await session.query<{ labelfile: string }>("SELECT labelfile FROM pg_backup_stop(true)");
    await session.end();
    await writeFile(path.join(base, "backup_label"), stopped.rows[0]?.labelfile ?? "");

    // Work after the backup, then a named point, then the mistake the restore must undo.
    await addShop(url, "After the backup", 20);
    await query(url, "SELECT pg_create_restore_point('before-the-mistake')");
    await query(url, "DELETE FROM jobs");
    // The segment holding the mistake is closed and must reach the archive.
    const [switched] = await query<{ wal: string }>(url, "SELECT pg_walfile_name(pg_switch_wal()) AS wal");
    const deadline = Date.now() + 30_000;
    while (!existsSync(path.join(archive, switched?.wal ?? "?"))) {
      if (Date.now() > deadline) throw new Error(`WAL segment ${switched?.wal} was not archived within 30 s`);
      await sleep(100);
    }
    expect(await jobCounts(url)).toEqual({ "Before the backup": 0, "After the backup": 0 });

    // The restore: the base backup in a fresh folder, recovery from the archive to the named point.
    const target = path.join(dir, "restored");
    await mkdir(target);
    await copyFile(path.join(dir, "primary", "pg-credentials.json"), path.join(target, "pg-credentials.json"));
    await run("sh", ["-c", `cp -a '${base}' '${path.join(target, "pg")}'`]);
    await mkdir(path.join(target, "pg", "pg_wal"), { recursive: true });
    const conf = path.join(target, "pg", "postgresql.auto.conf");
    await writeFile(
      conf,
      `${await readFile(conf, "utf8")}
archive_mode = 'off'
restore_command = 'cp ${archive}/%f %p'
recovery_target_name = 'before-the-mistake'
recovery_target_action = 'promote'
`,
    );
    await writeFile(path.join(target, "pg", "recovery.signal"), "");
    if (owner) await run("chown", ["-R", `${owner.uid}:${owner.gid}`, path.join(target, "pg")]);
    restored = await startEmbeddedPostgres({ dataDir: target, port: await freePort() });
    const restoredUrl = restored.urlFor("orderdeck");
    expect(existsSync(path.join(target, "pg", "recovery.signal")), "recovery ended and the server was promoted").toBe(false);
    expect(await jobCounts(restoredUrl)).toEqual({ "Before the backup": 30, "After the backup": 20 });
    await expectCurrent(restoredUrl);
  });

  it("restores a pg_dump archive into a fresh database", { timeout: 60_000 }, async (context) => {
    if (!primary) throw new Error("no primary");
    const server = ((await query<{ v: number }>(primary.adminUrl, "SELECT current_setting('server_version_num')::int AS v"))[0]?.v ?? 0) / 10_000;
    const client = await run("pg_dump", ["--version"]).then((r) => Number(/(\d+)\.\d+/.exec(r.stdout)?.[1]), () => 0);
    if (client < Math.floor(server)) {
      context.skip(`pg_dump ${client || "(none)"} cannot dump PostgreSQL ${Math.floor(server)}; install postgresql-client-${Math.floor(server)}`);
    }
    const url = primary.urlFor("orderdeck");
    await addShop(url, "Dumped", 12);
    const file = path.join(dir, "orderdeck.dump");
    await run("pg_dump", ["--format=custom", "--no-owner", `--file=${file}`, `--dbname=${url}`]);
    await query(primary.adminUrl, "CREATE DATABASE orderdeck_restored");
    const restoredUrl = primary.urlFor("orderdeck_restored");
    await run("pg_restore", ["--no-owner", "--exit-on-error", `--dbname=${restoredUrl}`, file]);
    expect(await jobCounts(restoredUrl)).toEqual(await jobCounts(url));
    await expectCurrent(restoredUrl);
  });
});
