import { CSV_JOB_COLUMNS, formatJobNumber, type JobExportInput, type JobListQuery } from "@orderdeck/contracts";
import { Prisma, type PrismaClient } from "@orderdeck/db";
import { stringify } from "csv-stringify/sync";
import type { z } from "zod";
import { listRowsPage, pipelinedReads } from "../jobs/list.ts";
import type { JobListRow } from "../jobs/present.ts";

/*
 * CSV export of jobs (RFC 4180, CRLF record ends, a UTF-8 byte-order mark first): any jobs.list
 * filter streamed through the list's own keyset queries, a page per transaction.
 *
 * Storefront customers write order notes, so the file must not carry a formula into the
 * spreadsheet it is opened in (OWASP "CSV injection"):
 *   - every line of every cell that starts like a formula (= + - @, tab or CR, or their
 *     full-width forms) gets a leading apostrophe, so a reader that breaks a cell at its line
 *     breaks (or a person pasting one line) still sees text, not a formula;
 *   - every cell holding a line break (CR or LF, not only the CRLF record end), the delimiter or a
 *     quote is quoted. csv-stringify quotes a bare LF only when told to (`quote_record_delimiter`;
 *     with a record delimiter set it is off by default), and its `escape_formulas` guards only a
 *     cell's first character, so the apostrophes are ours.
 * The import (csv.ts) takes the apostrophes off again.
 */

const FORMULA_CHARACTERS = "=+\\-@\\t\\r\\uFF1D\\uFF0B\\uFF0D\\uFF20";
const FORMULA_LINE = new RegExp(`^(?=[${FORMULA_CHARACTERS}])`, "gm");
const GUARDED_FORMULA_LINE = new RegExp(`^'(?=[${FORMULA_CHARACTERS}])`, "gm");

/** An apostrophe before every line of `text` that a spreadsheet would run as a formula. */
export const neutraliseFormulas = (text: string): string => text.replace(FORMULA_LINE, "'");

/** `text` as it was before neutraliseFormulas. */
export const restoreFormulas = (text: string): string => text.replace(GUARDED_FORMULA_LINE, "");

interface ExportRow extends JobListRow {
  externalId: string | null;
  notes: string | null;
  customerEmail: string | null;
  customerPhone: string | null;
}

const EXPORT_COLUMNS = Prisma.sql`, j.external_id AS "externalId", j.notes AS "notes", c.email AS "customerEmail", c.phone AS "customerPhone"`;
const EXPORT_PAGE = 500;

const iso = (d: Date | null): string => (d ? d.toISOString() : "");

function csvRecord(row: ExportRow): Record<(typeof CSV_JOB_COLUMNS)[number], string> {
  return {
    number: formatJobNumber(row.number),
    external_id: row.externalId ?? "",
    source: row.source,
    status: row.status,
    title: row.title,
    customer_name: row.customerName ?? "",
    customer_email: row.customerEmail ?? "",
    customer_phone: row.customerPhone ?? "",
    material: row.material ?? "",
    colour: row.colour ?? "",
    quantity: String(row.quantity),
    estimated_minutes: row.estimatedMinutes === null ? "" : String(row.estimatedMinutes),
    due_at: iso(row.dueAt),
    priority: row.priority,
    price_cents: String(row.priceCents),
    currency: row.currency,
    payment_status: row.paymentStatus,
    fulfilment: row.fulfilment,
    notes: row.notes ?? "",
    queue_position: row.queuePosition === null ? "" : String(row.queuePosition),
    created_at: iso(row.createdAt),
    archived_at: iso(row.archivedAt),
  };
}

// Every cell is a string by now, so the guard sees every cell of every row.
const toCsv = (records: Array<Record<string, string>> | string[][]) =>
  stringify(records, {
    columns: records.length > 0 && !Array.isArray(records[0]) ? [...CSV_JOB_COLUMNS] : undefined,
    record_delimiter: "windows",
    quote_record_delimiter: true,
    cast: { string: neutraliseFormulas },
  });

/** The CSV of every job the filter matches, a piece at a time (header first). */
export async function* exportJobsCsv(
  prisma: PrismaClient,
  siteId: string,
  input: z.output<typeof JobExportInput>,
  now = new Date(),
): AsyncGenerator<string> {
  yield `\uFEFF${toCsv([[...CSV_JOB_COLUMNS]])}`;
  const reads = pipelinedReads(prisma, siteId);
  let cursor: string | undefined;
  do {
    const query: JobListQuery = { filter: input.filter, sort: input.sort, cursor, limit: EXPORT_PAGE };
    const page = await listRowsPage<ExportRow>(reads, siteId, query, now, { extraColumns: EXPORT_COLUMNS });
    if (page.rows.length > 0) yield toCsv(page.rows.map(csvRecord));
    cursor = page.nextCursor ?? undefined;
  } while (cursor);
}
