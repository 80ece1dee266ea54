import {
  CSV_IMPORT_MAX_LISTED_ERRORS,
  CSV_IMPORT_MAX_ROWS,
  CSV_JOB_COLUMNS,
  Currency,
  DomainError,
  Fulfilment,
  IsoDateTime,
  JobStatus,
  PaymentStatus,
  Priority,
  formatJobNumber,
  generatePickupCode,
  isOpen,
  isTerminal,
  line,
  multiline,
  type CsvImportResult,
  type CsvRowError,
} from "@orderdeck/contracts";
import { inSite, type PrismaClient, type TransactionClient } from "@orderdeck/db";
import { CsvError, parse } from "csv-parse/sync";
import { z } from "zod";
import { writeCallerAudit } from "../audit/log.ts";
import type { Principal } from "../auth/principal.ts";
import { appendPositions } from "../jobs/queue.ts";
import { restoreFormulas } from "./csv-export.ts";
import { customersByEmail } from "./customer-match.ts";

/*
 * CSV import of jobs (RFC 4180: quoted fields may hold commas, quotes and line breaks; CRLF or LF
 * line ends; a UTF-8 byte-order mark is allowed). The export, and the apostrophes it puts before
 * would-be formulas (which the import takes off again), are csv-export.ts's.
 *
 * Import is all or nothing: every row is checked first — every problem reported by line and
 * column — and the jobs are created in one transaction only when there is none. A dry run does
 * the checking and stops. Imported jobs are CSV jobs with the file's status, payment status and
 * archive date (the point of an import is to carry work over from elsewhere), appended to the
 * queue in the file's queue_position order, each with a `created` event by the importing person.
 * Customers are matched by email within the site, else created (one per address, or per
 * name and phone when there is no address).
 */

// ---- Reading the file --------------------------------------------------------------------------------

const IGNORED_ON_IMPORT = new Set<string>(["number", "source", "created_at"]);
const KNOWN = new Set<string>(CSV_JOB_COLUMNS);

interface FileRow {
  line: number;
  values: string[];
}

interface ParsedFile {
  header: string[];
  rows: FileRow[];
  errors: CsvRowError[];
}

type Records = Array<{ record: string[]; raw: string; info: { lines: number } }>;

function parseRecords(text: string): Records {
  // With `info` and `raw` each record comes wrapped; the library's overloads type only the plain form.
  return parse(text, { bom: true, info: true, raw: true, relax_column_count: true, skip_empty_lines: true }) as unknown as Records;
}

function readFile(text: string): ParsedFile {
  // csv-parse counts a CRLF inside a quoted field as two lines, so line numbers come from a copy
  // with LF line ends (where they are exact), and the cells from the file as it is (a CRLF in a
  // cell stays a CRLF). Both have the same records.
  let lined: Records;
  try {
    lined = parseRecords(text.replace(/\r\n?/g, "\n"));
  } catch (error) {
    if (!(error instanceof CsvError)) throw error;
    const at = (error as CsvError & { lines?: unknown }).lines;
    return { header: [], rows: [], errors: [{ line: typeof at === "number" ? at : 1, column: null, message: `This is not valid CSV: ${error.message}` }] };
  }
  let cells: Records = lined;
  try {
    const original = parseRecords(text);
    if (original.length === lined.length) cells = original;
  } catch {
    // Only the LF copy parses: its cells are the best there are.
  }
  const [first, ...rest] = cells;
  if (!first) return { header: [], rows: [], errors: [{ line: 1, column: null, message: "The file is empty; it needs a header line and a row per job." }] };
  const startLine = (r: { raw: string; info: { lines: number } }) => {
    const body = r.raw.replace(/^\n+/, "").replace(/\n$/, "");
    return r.info.lines - (body.match(/\n/g)?.length ?? 0);
  };
  return {
    header: first.record.map((h) => h.trim().toLowerCase()),
    rows: rest.map((r, i) => ({ line: startLine(lined[i + 1] ?? r), values: r.record })),
    errors: [],
  };
}

// ---- Checking a row --------------------------------------------------------------------------------------

const present = (v: unknown): unknown => {
  if (typeof v !== "string") return v;
  const trimmed = v.trim();
  return trimmed === "" ? undefined : restoreFormulas(trimmed);
};
const text = <T extends z.ZodType>(schema: T) => z.preprocess(present, schema.optional());
const whole = (min: number, max: number) =>
  z.preprocess((v) => {
    const value = present(v);
    return typeof value === "string" && /^-?\d+$/.test(value) ? Number(value) : value;
  }, z.int({ error: "must be a whole number" }).min(min).max(max).optional());
const choice = <T extends z.ZodEnum>(schema: T) =>
  z.preprocess((v) => {
    const value = present(v);
    return typeof value === "string" ? value.toUpperCase() : value;
  }, schema.optional());
// Notes keep their spacing; only a cell with nothing in it is no notes.
const notes = z.preprocess((v) => (typeof v !== "string" ? v : v.trim() === "" ? undefined : restoreFormulas(v)), multiline(4000).optional());

const CsvJobRow = z
  .object({
    external_id: text(line(200)),
    status: choice(JobStatus),
    title: z.preprocess(present, z.string({ error: "a title is required" }).pipe(line(200))),
    customer_name: text(line(200)),
    customer_email: text(z.email().max(254)),
    customer_phone: text(line(40)),
    material: text(line(80)),
    colour: text(line(40)),
    quantity: whole(1, 100_000),
    estimated_minutes: whole(0, 525_600),
    due_at: text(IsoDateTime),
    priority: choice(Priority),
    price_cents: whole(0, 2_147_483_647),
    currency: z.preprocess((v) => {
      const value = present(v);
      return typeof value === "string" ? value.toUpperCase() : value;
    }, Currency.optional()),
    payment_status: choice(PaymentStatus),
    fulfilment: choice(Fulfilment),
    notes,
    queue_position: whole(-2_147_483_648, 2_147_483_647),
    archived_at: text(IsoDateTime),
  })
  .superRefine((row, ctx) => {
    if ((row.customer_email || row.customer_phone) && !row.customer_name) {
      ctx.addIssue({ code: "custom", path: ["customer_name"], message: "is needed when customer_email or customer_phone is given" });
    }
    const status = row.status ?? "QUEUED";
    if (row.archived_at && !isTerminal(status)) {
      ctx.addIssue({ code: "custom", path: ["archived_at"], message: `only picked-up, shipped or cancelled jobs are archived, and this one is ${status}` });
    }
    const fulfilment = row.fulfilment ?? "PICKUP";
    if (status === "SHIPPED" && fulfilment !== "SHIP") ctx.addIssue({ code: "custom", path: ["status"], message: "a SHIPPED job needs fulfilment SHIP" });
    if (status === "PICKED_UP" && fulfilment !== "PICKUP") ctx.addIssue({ code: "custom", path: ["status"], message: "a PICKED_UP job needs fulfilment PICKUP" });
  });
type CsvJob = z.output<typeof CsvJobRow>;

interface CheckedRow {
  line: number;
  job: CsvJob;
}

interface Checked {
  rows: number;
  valid: CheckedRow[];
  errors: CsvRowError[];
}

async function checkFile(tx: TransactionClient, siteId: string, csv: string): Promise<Checked> {
  const file = readFile(csv);
  const errors = [...file.errors];
  if (errors.length > 0) return { rows: 0, valid: [], errors };

  // An unknown column is reported and its cells left out; these make the rows unreadable.
  let fatal = false;
  const seen = new Set<string>();
  for (const name of file.header) {
    if (seen.has(name)) {
      errors.push({ line: 1, column: name, message: "appears twice in the header" });
      fatal = true;
    } else if (!KNOWN.has(name)) {
      errors.push({ line: 1, column: name || null, message: `is not a column of a jobs CSV (the columns are ${CSV_JOB_COLUMNS.join(", ")})` });
    }
    seen.add(name);
  }
  if (!seen.has("title")) {
    errors.push({ line: 1, column: "title", message: "the header needs a title column" });
    fatal = true;
  }
  if (file.rows.length > CSV_IMPORT_MAX_ROWS) {
    errors.push({ line: 1, column: null, message: `The file has ${file.rows.length} rows; import at most ${CSV_IMPORT_MAX_ROWS} at a time.` });
    fatal = true;
  }
  if (fatal) return { rows: file.rows.length, valid: [], errors };

  const valid: CheckedRow[] = [];
  const byExternalId = new Map<string, number>();
  for (const row of file.rows) {
    if (row.values.length !== file.header.length) {
      errors.push({ line: row.line, column: null, message: `has ${row.values.length} fields; the header has ${file.header.length}` });
      continue;
    }
    const record: Record<string, string> = {};
    file.header.forEach((name, i) => {
      if (KNOWN.has(name) && !IGNORED_ON_IMPORT.has(name)) record[name] = row.values[i] ?? "";
    });
    const parsed = CsvJobRow.safeParse(record);
    if (!parsed.success) {
      for (const issue of parsed.error.issues) {
        errors.push({ line: row.line, column: issue.path.length > 0 ? String(issue.path[0]) : null, message: issue.message });
      }
      continue;
    }
    const externalId = parsed.data.external_id;
    if (externalId) {
      const earlier = byExternalId.get(externalId);
      if (earlier !== undefined) {
        errors.push({ line: row.line, column: "external_id", message: `${externalId} is also on line ${earlier}` });
        continue;
      }
      byExternalId.set(externalId, row.line);
    }
    valid.push({ line: row.line, job: parsed.data });
  }

  if (byExternalId.size > 0) {
    const taken = await tx.$queryRaw<Array<{ external_id: string; number: number }>>`
      SELECT external_id, number FROM jobs
       WHERE site_id = ${siteId}::uuid AND source = 'CSV' AND external_id = ANY(${[...byExternalId.keys()]}::text[])`;
    for (const t of taken) {
      errors.push({ line: byExternalId.get(t.external_id) ?? 1, column: "external_id", message: `${t.external_id} was already imported as ${formatJobNumber(t.number)}` });
    }
  }
  errors.sort((a, b) => a.line - b.line);
  return { rows: file.rows.length, valid, errors };
}

// ---- Importing ------------------------------------------------------------------------------------------

export interface CsvCall {
  prisma: PrismaClient;
  principal: Principal;
  requestId: string;
  ip: string;
}

function customerKey(job: CsvJob): string | null {
  if (!job.customer_name) return null;
  return job.customer_email ? `email:${job.customer_email.toLowerCase()}` : `name:${job.customer_name}\u0000${job.customer_phone ?? ""}`;
}

async function resolveCustomers(tx: TransactionClient, siteId: string, rows: CheckedRow[]): Promise<Map<string, string>> {
  const ids = new Map<string, string>();
  const emails = [...new Set(rows.flatMap((r) => (r.job.customer_email ? [r.job.customer_email.toLowerCase()] : [])))];
  if (emails.length > 0) {
    for (const c of await customersByEmail(tx, siteId, emails)) ids.set(`email:${c.email}`, c.id);
  }
  const toCreate = new Map<string, { name: string; email: string | null; phone: string | null }>();
  for (const { job } of rows) {
    const key = customerKey(job);
    if (!key || ids.has(key) || toCreate.has(key)) continue;
    toCreate.set(key, { name: job.customer_name as string, email: job.customer_email?.toLowerCase() ?? null, phone: job.customer_phone ?? null });
  }
  if (toCreate.size > 0) {
    const keys = [...toCreate.keys()];
    const created = await tx.customer.createManyAndReturn({
      data: keys.map((k) => ({ siteId, ...(toCreate.get(k) as { name: string; email: string | null; phone: string | null }) })),
      select: { id: true },
    });
    created.forEach((c, i) => ids.set(keys[i] as string, c.id));
  }
  return ids;
}

export async function importJobsCsv(call: CsvCall, input: { csv: string; dryRun: boolean }): Promise<CsvImportResult> {
  const { siteId, userId, stationId } = call.principal;
  const report = (checked: Checked, created: string[]): CsvImportResult => ({
    dryRun: input.dryRun,
    rows: checked.rows,
    created: created.length,
    errors: checked.errors.slice(0, CSV_IMPORT_MAX_LISTED_ERRORS),
    errorCount: checked.errors.length,
    jobIds: created,
  });

  if (input.dryRun) {
    const checked = await inSite(call.prisma, siteId, (tx) => checkFile(tx, siteId, input.csv));
    return report(checked, []);
  }
  return inSite(
    call.prisma,
    siteId,
    async (tx) => {
      const checked = await checkFile(tx, siteId, input.csv);
      if (checked.errors.length > 0) {
        throw new DomainError(
          "VALIDATION_FAILED",
          `Nothing was imported: the file has ${checked.errors.length} problem${checked.errors.length === 1 ? "" : "s"} (the first on line ${checked.errors[0]?.line}). Fix them and import again; a dry run lists them all.`,
          { errors: checked.errors.slice(0, CSV_IMPORT_MAX_LISTED_ERRORS), errorCount: checked.errors.length },
        );
      }
      if (checked.valid.length === 0) return report(checked, []);
      const site = await tx.site.findFirst({ where: { id: siteId }, select: { defaultCurrency: true } });
      if (!site) throw new DomainError("NOT_FOUND", "This site no longer exists.");
      const customers = await resolveCustomers(tx, siteId, checked.valid);

      // Open jobs join the end of the queue in the file's queue order (file order where it has none).
      const open = checked.valid
        .map((row, index) => ({ row, index }))
        .filter(({ row }) => isOpen(row.job.status ?? "QUEUED"))
        .sort((a, b) => (a.row.job.queue_position ?? Infinity) - (b.row.job.queue_position ?? Infinity) || a.index - b.index);
      const positions = await appendPositions(tx, siteId, open.length);
      const positionOf = new Map(open.map(({ index }, i) => [index, positions[i] as number]));

      const data = checked.valid.map(({ job }, index) => {
        const key = customerKey(job);
        return {
          siteId,
          source: "CSV" as const,
          externalId: job.external_id ?? null,
          customerId: key ? (customers.get(key) ?? null) : null,
          title: job.title,
          material: job.material ?? null,
          colour: job.colour ?? null,
          quantity: job.quantity ?? 1,
          estimatedMinutes: job.estimated_minutes ?? null,
          dueAt: job.due_at ? new Date(job.due_at) : null,
          priority: job.priority ?? "NORMAL",
          status: job.status ?? "QUEUED",
          queuePosition: positionOf.get(index) ?? null,
          priceCents: job.price_cents ?? 0,
          currency: job.currency ?? site.defaultCurrency,
          paymentStatus: job.payment_status ?? "UNPAID",
          fulfilment: job.fulfilment ?? "PICKUP",
          pickupCode: generatePickupCode(),
          notes: job.notes ?? null,
          archivedAt: job.archived_at ? new Date(job.archived_at) : null,
        };
      });
      const created = await tx.job.createManyAndReturn({ data, select: { id: true, pickupCode: true } });
      // Matched by pickup code (unique, and ours) rather than trusting the order rows come back in.
      const idByCode = new Map(created.map((c) => [c.pickupCode, c.id]));
      const jobIds = data.map((d) => idByCode.get(d.pickupCode) as string);
      await tx.jobEvent.createMany({
        data: data.map((d, i) => ({
          siteId,
          jobId: jobIds[i] as string,
          actorKind: "USER" as const,
          actorUserId: userId,
          actorStationId: stationId,
          type: "created",
          after: {
            status: d.status,
            source: "CSV",
            externalId: d.externalId,
            title: d.title,
            queuePosition: d.queuePosition,
            customerId: d.customerId,
            importedFromLine: checked.valid[i]?.line ?? null,
          },
          requestId: call.requestId,
        })),
      });
      await writeCallerAudit(tx, call, { action: "jobs.csv_import", target: `site:${siteId}`, details: { rows: checked.rows, created: jobIds.length } });
      return report(checked, jobIds);
    },
    { timeout: 120_000 },
  );
}
