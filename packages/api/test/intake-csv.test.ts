// CSV export and import of jobs against a real database: a round trip into an empty site gives
// the same jobs; a dry run reports every problem by line and column and changes nothing; an
// import is all or nothing; quotes, line breaks in cells, a byte-order mark and CRLF all parse.
import { CSV_JOB_COLUMNS, JobExportInput as ExportInput, type CsvImportResult, type JobExportInput } from "@orderdeck/contracts";
import { parse } from "csv-parse/sync";
import { describe, expect, it } from "vitest";
import { exportJobsCsv } from "../src/intake/csv-export.ts";
import { apiHarnessForFile, detailsOf, refusalOf, type SiteFixture } from "./harness.ts";
import { insertJob } from "./jobs-fixtures.ts";

const harness = await apiHarnessForFile();

async function exportCsv(site: SiteFixture, input: JobExportInput = {}): Promise<string> {
  let text = "";
  for await (const piece of exportJobsCsv(harness.db.prisma, site.siteId, ExportInput.parse(input))) text += piece;
  return text;
}

/** Everything a job is, as a person would compare two of them (not ids, numbers or times of this database). */
async function comparableJobs(siteId: string) {
  const jobs = await harness.db.prisma.job.findMany({
    where: { siteId },
    include: { customer: true },
    // Board order, then the rest in the order they came in (an import keeps the file's order in the numbers).
    orderBy: [{ queuePosition: { sort: "asc", nulls: "last" } }, { number: "asc" }],
  });
  return jobs.map((j) => ({
    title: j.title,
    status: j.status,
    onBoard: j.queuePosition !== null,
    externalId: j.externalId,
    customer: j.customer ? { name: j.customer.name, email: j.customer.email, phone: j.customer.phone } : null,
    material: j.material,
    colour: j.colour,
    quantity: j.quantity,
    estimatedMinutes: j.estimatedMinutes,
    dueAt: j.dueAt?.toISOString() ?? null,
    priority: j.priority,
    priceCents: j.priceCents,
    currency: j.currency,
    paymentStatus: j.paymentStatus,
    fulfilment: j.fulfilment,
    notes: j.notes,
    archivedAt: j.archivedAt?.toISOString() ?? null,
  }));
}

async function counts(siteId: string) {
  const { rows } = await harness.db.pool.query<{ jobs: number; customers: number; events: number; counter: number | null }>(
    `SELECT (SELECT count(*)::int FROM jobs WHERE site_id = $1) AS jobs,
            (SELECT count(*)::int FROM customers WHERE site_id = $1) AS customers,
            (SELECT count(*)::int FROM job_events WHERE site_id = $1) AS events,
            (SELECT value FROM counters WHERE site_id = $1 AND kind = 'JOB') AS counter`,
    [siteId],
  );
  return rows[0];
}

describe("CSV round trip", { timeout: 60_000 }, () => {
  it("export, then import into an empty site, gives the same jobs in the same queue order", async () => {
    const source = await harness.createSite();
    const ada = await source.as.STAFF.jobs.create({
      title: "Gear housing, \"v2\"",
      customer: { name: "Ada Lovelace", email: "ada@example.com", phone: "+49 30 1234" },
      material: "PETG",
      colour: "black",
      quantity: 3,
      estimatedMinutes: 95,
      dueAt: "2026-12-24T09:30:00.000Z",
      priority: "RUSH",
      priceCents: 4250,
      notes: "First line, with a comma\nsecond line; \"quoted\"\r\nthird",
    });
    await source.as.STAFF.jobs.create({ title: "=HYPERLINK(\"http://evil.example\")", customerId: ada.customer?.id, fulfilment: "SHIP", notes: "-5 mm please\n=HYPERLINK(\"http://evil.example\")\r\n@SUM(1)" });
    await source.as.STAFF.jobs.create({ title: "Ünïcødé sign 🧨", customer: { name: "Grace Hopper" }, currency: "CHF" });
    const started = await source.as.STAFF.jobs.create({ title: "Started bracket" });
    await source.as.STAFF.jobs.transition({ id: started.id, to: "IN_PROGRESS" });
    const moved = await source.as.STAFF.jobs.create({ title: "Moved to the front" });
    await source.as.LEAD.jobs.reorder({ id: moved.id, before: ada.id });
    await insertJob(harness, source, { title: "Shipped long ago", status: "SHIPPED", fulfilment: "SHIP", paymentStatus: "PAID" });
    await insertJob(harness, source, { title: "Archived pickup", status: "PICKED_UP", paymentStatus: "PAID", archivedAt: new Date("2026-10-01T08:00:00Z") });
    await harness.db.prisma.job.updateMany({ where: { siteId: source.siteId, title: "Started bracket" }, data: { source: "FEED", externalId: "SO-4711" } });

    const csv = await exportCsv(source, { filter: { archived: "include" } });
    expect(csv.startsWith("\uFEFF")).toBe(true);
    expect(csv).toContain("\r\n");
    expect(csv).toContain("'=HYPERLINK");
    // Every line of a cell that starts like a formula is guarded, and the import takes the guard off again.
    expect(csv).toContain(`"'-5 mm please\n'=HYPERLINK(""http://evil.example"")\r\n'@SUM(1)"`);

    const target = await harness.createSite();
    const dry = await target.as.LEAD.intake.importCsv({ csv, dryRun: true });
    expect(dry).toMatchObject({ dryRun: true, rows: 7, created: 0, errorCount: 0 });
    expect((await counts(target.siteId))?.jobs).toBe(0);

    const imported = await target.as.LEAD.intake.importCsv({ csv, dryRun: false });
    expect(imported).toMatchObject({ dryRun: false, rows: 7, created: 7, errors: [] });
    expect(await comparableJobs(target.siteId)).toEqual(await comparableJobs(source.siteId));
    const importedJobs = await harness.db.prisma.job.findMany({ where: { siteId: target.siteId } });
    expect(new Set(importedJobs.map((j) => j.source))).toEqual(new Set(["CSV"]));
    // One customer per address: Ada's two jobs share her.
    expect((await counts(target.siteId))?.customers).toBe(2);
    const events = await harness.db.prisma.jobEvent.findMany({ where: { siteId: target.siteId } });
    expect(events).toHaveLength(7);
    expect(events.every((e) => e.type === "created" && e.actorUserId === target.users.LEAD.id)).toBe(true);
    expect(await harness.db.prisma.auditLog.count({ where: { siteId: target.siteId, action: "jobs.csv_import" } })).toBe(1);

    // The same file again: everything with an external id is already there, and nothing is imported.
    const again = await refusalOf(target.as.LEAD.intake.importCsv({ csv, dryRun: false }));
    expect(again.code).toBe("BAD_REQUEST");
    expect(detailsOf(again).errors).toEqual([expect.objectContaining({ column: "external_id", message: expect.stringMatching(/already imported as J-/) })]);
    expect((await counts(target.siteId))?.jobs).toBe(7);
  });

  it("exports exactly what a list filter matches, with the columns the import reads", async () => {
    const site = await harness.createSite();
    await site.as.STAFF.jobs.create({ title: "Open one" });
    await insertJob(harness, site, { title: "Failed one", status: "FAILED" });
    const csv = await exportCsv(site, { filter: { statuses: ["FAILED"] } });
    const rows = parse(csv, { bom: true, columns: true }) as Array<Record<string, string>>;
    expect(Object.keys(rows[0] ?? {})).toEqual([...CSV_JOB_COLUMNS]);
    expect(rows.map((r) => r.title)).toEqual(["Failed one"]);
    expect(rows[0]?.number).toMatch(/^J-\d{6}$/);
    expect(await exportCsv(site, { filter: { statuses: ["SHIPPED"] } })).toBe(`\uFEFF${CSV_JOB_COLUMNS.join(",")}\r\n`);
  });

  it("streams past one page", async () => {
    const site = await harness.createSite();
    for (let i = 0; i < 505; i++) await insertJob(harness, site, { title: `Part ${i}` });
    const pieces: string[] = [];
    for await (const piece of exportJobsCsv(harness.db.prisma, site.siteId, ExportInput.parse({}))) pieces.push(piece);
    expect(pieces).toHaveLength(3);
    const rows = parse(pieces.join(""), { bom: true, columns: true }) as Array<Record<string, string>>;
    expect(new Set(rows.map((r) => r.title)).size).toBe(505);
  });
});

describe("CSV import checks", { timeout: 60_000 }, () => {
  const header = "title,customer_name,customer_email,quantity,status,fulfilment,archived_at,external_id,notes";

  it("a dry run lists every problem by line and column and changes nothing", async () => {
    const site = await harness.createSite();
    const before = await counts(site.siteId);
    const csv = [
      header,
      "Good one,Ada,ada@example.com,2,,,,A-1,",
      ",Bob,bob@example.com,1,,,,A-2,", // line 3: no title
      "Bad quantity,,,three,,,,A-3,", // line 4
      "Bad email,Cy,not-an-email,1,,,,A-4,", // line 5
      '"Multi-line notes",,,1,,,,A-5,"one', // lines 6-7: a cell across two lines
      'two"',
      "Archived but open,,,1,QUEUED,,2026-01-01T00:00:00Z,A-6,", // line 8
      "Duplicate id,,,1,,,,A-1,", // line 9
      "Too few,fields", // line 10
      "Shipped for pickup,,,1,shipped,pickup,,A-7,", // line 11
      "Email without name,,dee@example.com,1,,,,A-8,", // line 12
      "Unknown status,,,1,DONE,,,A-9,", // line 13
    ].join("\n");
    const report = await site.as.LEAD.intake.importCsv({ csv, dryRun: true });
    expect(report).toMatchObject({ dryRun: true, rows: 11, created: 0, jobIds: [] });
    expect(report.errors.map((e) => [e.line, e.column])).toEqual([
      [3, "title"],
      [4, "quantity"],
      [5, "customer_email"],
      [8, "archived_at"],
      [9, "external_id"],
      [10, null],
      [11, "status"],
      [12, "customer_name"],
      [13, "status"],
    ]);
    expect(report.errorCount).toBe(9);
    expect(report.errors.find((e) => e.line === 4)?.message).toBe("must be a whole number");
    expect(report.errors.find((e) => e.line === 9)?.message).toBe("A-1 is also on line 2");
    expect(report.errors.find((e) => e.line === 10)?.message).toBe("has 2 fields; the header has 9");
    expect(await counts(site.siteId)).toEqual(before);
  });

  it("an import with one bad row imports nothing", async () => {
    const site = await harness.createSite();
    const before = await counts(site.siteId);
    const csv = [header, "Fine,,,1,,,,,", "Also fine,,,1,,,,,", "Broken,,,0,,,,,"].join("\n");
    const error = await refusalOf(site.as.LEAD.intake.importCsv({ csv, dryRun: false }));
    expect(error.code).toBe("BAD_REQUEST");
    expect(error.message).toMatch(/Nothing was imported: the file has 1 problem \(the first on line 4\)/);
    expect(detailsOf(error)).toMatchObject({ errorCount: 1, errors: [{ line: 4, column: "quantity" }] });
    expect(await counts(site.siteId)).toEqual(before);
  });

  it("reads a byte-order mark, CRLF line ends, quoted commas, quotes and line breaks", async () => {
    const site = await harness.createSite();
    const csv = '\uFEFFtitle,notes,customer_name\r\n"Lamp, tall","He said ""matte""\r\nand ""soon""",Ada\r\n\r\nPlain,,\r\n';
    const result = (await site.as.LEAD.intake.importCsv({ csv, dryRun: false })) as CsvImportResult;
    expect(result).toMatchObject({ rows: 2, created: 2 });
    const jobs = await harness.db.prisma.job.findMany({ where: { siteId: site.siteId }, orderBy: { number: "asc" }, include: { customer: true } });
    expect(jobs.map((j) => [j.title, j.notes, j.customer?.name ?? null, j.status, j.source])).toEqual([
      ["Lamp, tall", 'He said "matte"\r\nand "soon"', "Ada", "QUEUED", "CSV"],
      ["Plain", null, null, "QUEUED", "CSV"],
    ]);
  });

  it("reports a file that is not CSV, and a header without what it needs", async () => {
    const site = await harness.createSite();
    const broken = await site.as.LEAD.intake.importCsv({ csv: 'title\n"Lamp\nChair\n', dryRun: true });
    expect(broken.errors).toEqual([{ line: expect.any(Number), column: null, message: expect.stringMatching(/not valid CSV/) }]);
    const header = await site.as.LEAD.intake.importCsv({ csv: "name,colour,colour\nLamp,red,red\n", dryRun: true });
    expect(header.errors.map((e) => [e.line, e.column])).toEqual([
      [1, "name"],
      [1, "colour"],
      [1, "title"],
    ]);
  });

  it("is for leads: staff may not import", async () => {
    const site = await harness.createSite();
    expect((await refusalOf(site.as.STAFF.intake.importCsv({ csv: "title\nLamp\n", dryRun: true }))).code).toBe("FORBIDDEN");
  });
});
