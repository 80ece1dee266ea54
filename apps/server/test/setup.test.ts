// The one-time setup command, run as a person runs it (`npm run setup -w @orderdeck/server`, a
// child process in production mode with the password piped in) against fresh, empty databases:
// the admin it creates signs in through the API, the enrollment code it makes enrolls a console,
// a second run and a run racing the first are refused, and bad input writes nothing at all.
import { spawn } from "node:child_process";
import { randomBytes, randomUUID } from "node:crypto";
import path from "node:path";
import pg from "pg";
import { afterAll, describe, expect, inject, it } from "vitest";
import { loadConfig } from "../src/config.ts";
import { startServer, type RunningServer } from "../src/server.ts";

const REPO_ROOT = path.resolve(import.meta.dirname, "../../..");
const SECRET = randomBytes(32).toString("base64url");
const PASSWORD = "a long and typed passphrase";
const created: string[] = [];

async function admin<T>(work: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: inject("pgAdminUrl") });
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}

/** A new database with nothing in it (no migrations), as a fresh installation has. */
async function emptyDatabase(): Promise<string> {
  const name = `setup_${randomUUID().replaceAll("-", "")}`;
  await admin((client) => client.query(`CREATE DATABASE ${name}`));
  created.push(name);
  const url = new URL(inject("pgAdminUrl"));
  url.pathname = `/${name}`;
  return url.toString();
}

afterAll(async () => {
  await admin(async (client) => {
    for (const name of created) await client.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
  });
});

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** `npm run setup -w @orderdeck/server -- <args>` in production mode, `stdin` piped in. */
function runSetup(databaseUrl: string, args: string[], stdin = `${PASSWORD}\n`): Promise<Run> {
  const child = spawn("npm", ["run", "--silent", "setup", "-w", "@orderdeck/server", "--", ...args], {
    cwd: REPO_ROOT,
    env: { PATH: process.env.PATH, HOME: process.env.HOME, NODE_ENV: "production", DATABASE_URL: databaseUrl, ORDERDECK_SECRET_KEY: SECRET },
    stdio: ["pipe", "pipe", "pipe"],
  });
  let stdout = "";
  let stderr = "";
  child.stdout.on("data", (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
  child.stdin.end(stdin);
  return new Promise((resolve, reject) => {
    child.on("error", reject);
    child.on("close", (code) => resolve({ code, stdout, stderr }));
  });
}

const ARGS = ["--site", "Werkstatt Kreuzberg", "--timezone", "europe/berlin", "--admin-email", "Ada@Example.com", "--admin-name", "Ada Lovelace"];

/** What setup may write: sites, users, enrollments and audit rows, as one digest (null before migrations). */
async function contents(databaseUrl: string): Promise<string | null> {
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    const migrated = await client.query<{ ok: boolean }>("SELECT to_regclass('public.sites') IS NOT NULL AS ok");
    if (!migrated.rows[0]?.ok) return null;
    const rows = await client.query<{ digest: string }>(`
      SELECT concat_ws('|',
        (SELECT string_agg(s::text, ',' ORDER BY s.id) FROM sites s),
        (SELECT string_agg(u::text, ',' ORDER BY u.id) FROM users u),
        (SELECT string_agg(e::text, ',' ORDER BY e.id) FROM station_enrollments e),
        (SELECT string_agg(a::text, ',' ORDER BY a.id) FROM audit_log a)) AS digest`);
    return rows.rows[0]?.digest ?? "";
  } finally {
    await client.end();
  }
}

async function post(server: RunningServer, procedure: string, body: unknown, headers: Record<string, string> = {}) {
  const response = await fetch(`${server.url}/trpc/${procedure}`, {
    method: "POST",
    headers: { "content-type": "application/json", ...headers },
    body: JSON.stringify(body),
  });
  const json = (await response.json()) as { result?: { data: Record<string, unknown> }; error?: { message: string } };
  return { status: response.status, data: json.result?.data, error: json.error };
}

/** The production API on this database (migrations left to setup). */
function productionApi(databaseUrl: string): Promise<RunningServer> {
  return startServer(
    loadConfig({
      NODE_ENV: "production",
      HOST: "127.0.0.1",
      PORT: "0",
      DATABASE_URL: databaseUrl,
      ORDERDECK_SECRET_KEY: SECRET,
      METRICS_TOKEN: "m".repeat(24),
      ORDERDECK_MIGRATE_ON_START: "false",
      SMTP_HOST: "127.0.0.1",
      MAIL_FROM: "Werkstatt <orders@orderdeck.test>",
      LOG_LEVEL: "error",
    }),
    "api",
  );
}

describe("npm run setup", { timeout: 120_000 }, () => {
  it("migrates an empty database, creates the site and its admin, who signs in through the API; the station code enrolls a console", async () => {
    const url = await emptyDatabase();
    const run = await runSetup(url, [...ARGS, "--station", "Front counter"]);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toContain("Site:   Werkstatt Kreuzberg (Europe/Berlin)");
    expect(run.stdout).toContain("Admin:  Ada Lovelace <ada@example.com>");
    expect(run.stdout).not.toContain(PASSWORD);
    const code = /^ {7}([0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]{4})$/m.exec(run.stdout)?.[1];
    expect(code, run.stdout).toBeDefined();

    const audit = await admin(async () => {
      const client = new pg.Client({ connectionString: url });
      await client.connect();
      try {
        return (await client.query("SELECT action, target, details, actor_user_id IS NOT NULL AS by_admin FROM audit_log")).rows;
      } finally {
        await client.end();
      }
    });
    expect(audit).toEqual([
      expect.objectContaining({ action: "site.setup", by_admin: true, details: expect.objectContaining({ admin: "ada@example.com", timezone: "Europe/Berlin", station: "Front counter" }) }),
    ]);

    const server = await productionApi(url);
    try {
      const signedIn = await post(server, "auth.login", { email: "ada@example.com", password: PASSWORD });
      expect(signedIn.status, signedIn.error?.message).toBe(200);
      expect(signedIn.data).toMatchObject({ user: { email: "ada@example.com", name: "Ada Lovelace", role: "ADMIN" }, site: { name: "Werkstatt Kreuzberg", timezone: "Europe/Berlin" } });
      expect((await post(server, "auth.login", { email: "ada@example.com", password: "not the password" })).status).toBe(401);

      const enrolled = await post(server, "stations.enroll", { code });
      expect(enrolled.status, enrolled.error?.message).toBe(200);
      expect(enrolled.data).toMatchObject({ station: { name: "Front counter" }, site: { name: "Werkstatt Kreuzberg" } });
      const atStation = await post(server, "auth.login", { email: "ada@example.com", password: PASSWORD }, { "x-station-token": String(enrolled.data?.stationToken) });
      expect(atStation.status, atStation.error?.message).toBe(200);
      expect(atStation.data).toMatchObject({ station: { name: "Front counter" } });
    } finally {
      await server.stop();
    }
  });

  it("refuses to run a second time, changing nothing", async () => {
    const url = await emptyDatabase();
    expect((await runSetup(url, ARGS)).code).toBe(0);
    const before = await contents(url);
    const again = await runSetup(url, ["--site", "Second shop", "--timezone", "Europe/Vienna", "--admin-email", "bob@example.com"]);
    expect(again.code).toBe(1);
    expect(again.stderr).toContain('This database already has a site ("Werkstatt Kreuzberg"): setup runs once');
    expect(again.stderr).toContain("Nothing was changed.");
    expect(await contents(url)).toBe(before);
  });

  it("of two setups run at once, exactly one creates the site", async () => {
    const url = await emptyDatabase();
    const runs = await Promise.all([
      runSetup(url, ["--site", "One", "--timezone", "Europe/Berlin", "--admin-email", "one@example.com"]),
      runSetup(url, ["--site", "Two", "--timezone", "Europe/Berlin", "--admin-email", "two@example.com"]),
    ]);
    expect(runs.map((r) => r.code).sort(), runs.map((r) => r.stderr).join("\n")).toEqual([0, 1]);
    const counts = await admin(async () => {
      const client = new pg.Client({ connectionString: url });
      await client.connect();
      try {
        return (await client.query("SELECT (SELECT count(*) FROM sites)::int AS sites, (SELECT count(*) FROM users)::int AS users")).rows[0];
      } finally {
        await client.end();
      }
    });
    expect(counts).toEqual({ sites: 1, users: 1 });
  });

  it("refuses a bad timezone, address or password, and an unknown option, before touching the database", async () => {
    const url = await emptyDatabase();
    const cases: Array<[string[], string, RegExp]> = [
      [["--site", "W", "--timezone", "Mars/Olympus", "--admin-email", "a@example.com"], `${PASSWORD}\n`, /timezone: Enter an IANA timezone such as Europe\/Berlin/],
      [["--site", "W", "--timezone", "+01:00", "--admin-email", "a@example.com"], `${PASSWORD}\n`, /timezone: Enter an IANA timezone/],
      [["--site", "W", "--timezone", "Europe/Berlin", "--admin-email", "not an address"], `${PASSWORD}\n`, /adminEmail: Enter a valid email address/],
      [["--site", "W", "--timezone", "Europe/Berlin", "--admin-email", "a@example.com"], "short\n", /password: Passwords need at least 12 characters/],
      [["--site", "W", "--timezone", "Europe/Berlin", "--admin-email", "a@example.com"], "", /No password on stdin/],
      [["--site", "W", "--timezone", "Europe/Berlin"], `${PASSWORD}\n`, /--admin-email is required/],
      [["--site", "W", "--timezone", "Europe/Berlin", "--admin-email", "a@example.com", "--role", "ADMIN"], `${PASSWORD}\n`, /Unknown option '--role'/],
    ];
    for (const [args, stdin, message] of cases) {
      const run = await runSetup(url, args, stdin);
      expect(run.code, `${args.join(" ")}: ${run.stderr}`).toBe(2);
      expect(run.stderr).toMatch(message);
      expect(await contents(url), `${args.join(" ")} wrote something`).toBeNull();
    }
  });
});
