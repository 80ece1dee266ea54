// Everything the console e2e suite runs against, real and on loopback: an embedded PostgreSQL
// cluster in a temp folder, the mail sink, the API as a CHILD PROCESS (so a test can stop it and
// start it again while the consoles keep running: that is "offline"), and browser-mode console
// hosts, each with its own data folder (one per station).
import { randomBytes } from "node:crypto";
import { chmod, mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { startBrowserConsole, type BrowserConsole } from "@orderdeck/console";
import { DEMO_PASSWORD, DEMO_USERS, freePort, startEmbeddedPostgres } from "@orderdeck/db";
import { startMailSink, type MailSink } from "@orderdeck/mail-sink";
import pg from "pg";
import { spawnServer, type ServerChild } from "../../scripts/api-process.ts";
import { Api } from "./api.ts";

export const DEMO = { password: DEMO_PASSWORD, admin: email("ADMIN"), lead: email("LEAD"), staff: email("STAFF") };

function email(role: "ADMIN" | "LEAD" | "STAFF"): string {
  const user = DEMO_USERS.find((u) => u.role === role);
  if (!user) throw new Error(`the demo seed has no ${role}`);
  return user.email;
}

export interface Stack {
  apiUrl: string;
  /** The API's database, for checking what the server holds. */
  db: pg.Pool;
  /** Signed in as the demo admin. */
  admin: Api;
  /** The SMTP sink the server's mail goes to: what customers received. */
  mail: MailSink;
  siteId: string;
  apiRunning(): boolean;
  stopApi(): Promise<void>;
  startApi(): Promise<void>;
  /** A fresh browser-mode console (a new station: empty cache, not enrolled). */
  newConsole(): Promise<BrowserConsole>;
  close(): Promise<void>;
}

export async function startStack(): Promise<Stack> {
  const root = await mkdtemp(path.join(tmpdir(), "orderdeck-e2e-"));
  const cleanups: Array<() => Promise<unknown>> = [async () => rm(root, { recursive: true, force: true })];
  const close = async () => {
    for (const cleanup of cleanups.reverse()) await cleanup().catch(() => undefined);
  };
  try {
    // As root, PostgreSQL runs as the `postgres` user, which must be able to reach its folder inside.
    await chmod(root, 0o711);
    const postgres = await startEmbeddedPostgres({ dataDir: path.join(root, "db"), ephemeral: true });
    cleanups.push(() => postgres.stop());
    const admin = new pg.Client({ connectionString: postgres.adminUrl });
    await admin.connect();
    await admin.query("CREATE DATABASE orderdeck");
    await admin.end();
    const databaseUrl = postgres.urlFor("orderdeck");

    const mail = await startMailSink({ port: 0, dir: path.join(root, "mail") });
    cleanups.push(() => mail.stop());

    const port = await freePort();
    const env = {
      NODE_ENV: "development",
      HOST: "127.0.0.1",
      DATABASE_URL: databaseUrl,
      ORDERDECK_DATA_DIR: path.join(root, "server"),
      ORDERDECK_SECRET_KEY: randomBytes(32).toString("base64url"),
      // The first start migrates and seeds the demo site; later starts find both done.
      ORDERDECK_MIGRATE_ON_START: "true",
      ORDERDECK_SEED_DEMO: "true",
      ORDERDECK_DEMO_PASSWORD: DEMO_PASSWORD,
      SMTP_HOST: mail.host,
      SMTP_PORT: String(mail.port),
      SMTP_SECURE: "false",
      MAIL_FROM: "E2E Workshop <orders@orderdeck.test>",
      LOG_LEVEL: "warn",
      LOG_FORMAT: "json",
    };
    // API and worker in one child, as `npm start` runs them: the server reports ready, and mail goes
    // to the sink. Stopping it takes the whole server away.
    let api: ServerChild | null = await spawnServer({ env, port, role: "all", startTimeoutMs: 120_000 });
    cleanups.push(async () => api?.stop());
    const apiUrl = api.url;

    const db = new pg.Pool({ connectionString: databaseUrl, max: 3 });
    cleanups.push(() => db.end());
    const adminApi = await Api.signIn(apiUrl, DEMO.admin, DEMO.password);
    const site = await db.query<{ id: string }>("SELECT id::text FROM sites ORDER BY created_at LIMIT 1");
    const siteId = site.rows[0]?.id;
    if (!siteId) throw new Error("the demo seed created no site");

    let consoles = 0;
    return {
      apiUrl,
      db,
      admin: adminApi,
      mail,
      siteId,
      apiRunning: () => api !== null,
      async stopApi() {
        await api?.stop();
        api = null;
      },
      async startApi() {
        if (api) return;
        api = await spawnServer({ env, port, role: "all" });
      },
      async newConsole() {
        // A short retry ceiling: the offline test waits for the console to notice the server is back.
        const host = await startBrowserConsole({ port: 0, serverUrl: apiUrl, dataDir: path.join(root, `console-${++consoles}`), backoff: { minMs: 250, maxMs: 2_000 } });
        cleanups.push(() => host.close());
        return host;
      },
      close,
    };
  } catch (error) {
    await close();
    throw error;
  }
}
