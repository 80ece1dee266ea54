// Shared by the money test files: jobs made straight in the database, PDF text extraction,
// and counts of what the money procedures write.
import { createRequire } from "node:module";
import path from "node:path";
import { generatePickupCode } from "@orderdeck/contracts";
import { getDocument } from "pdfjs-dist/legacy/build/pdf.mjs";
import { TRPCError } from "@trpc/server";
import type { ApiHarness, SiteFixture } from "./harness.ts";

const positions = new Map<string, number>();

export interface JobOptions {
  priceCents?: number;
  currency?: string;
  title?: string;
  material?: string;
  quantity?: number;
  status?: "QUEUED" | "READY_FOR_PICKUP" | "CANCELLED";
  customer?: { name: string; email?: string; phone?: string };
}

/** A job of the site, made directly (the jobs API is not what these tests are about). */
export async function addJob(harness: ApiHarness, site: SiteFixture, options: JobOptions = {}): Promise<{ id: string; number: number }> {
  const status = options.status ?? "QUEUED";
  const open = status !== "CANCELLED";
  const position = (positions.get(site.siteId) ?? 0) + 1;
  positions.set(site.siteId, position);
  const customer = options.customer
    ? await harness.db.prisma.customer.create({ data: { siteId: site.siteId, ...options.customer } })
    : null;
  const job = await harness.db.prisma.job.create({
    data: {
      siteId: site.siteId,
      title: options.title ?? `Bracket ${position}`,
      material: options.material ?? null,
      quantity: options.quantity ?? 1,
      status,
      queuePosition: open ? position : null,
      priceCents: options.priceCents ?? 2_500,
      currency: options.currency ?? "EUR",
      pickupCode: generatePickupCode(),
      customerId: customer?.id ?? null,
    },
  });
  return { id: job.id, number: job.number };
}

const require = createRequire(import.meta.url);
const standardFontDataUrl = `${path.join(path.dirname(require.resolve("pdfjs-dist/package.json")), "standard_fonts")}/`;

/** The text of every page of a PDF, one line per text run, as a PDF reader extracts it. */
export async function pdfText(base64: string): Promise<string> {
  const bytes = new Uint8Array(Buffer.from(base64, "base64"));
  const pdf = await getDocument({ data: bytes, standardFontDataUrl, verbosity: 0 }).promise;
  const lines: string[] = [];
  for (let page = 1; page <= pdf.numPages; page++) {
    const content = await (await pdf.getPage(page)).getTextContent();
    for (const item of content.items) if ("str" in item && item.str.trim() !== "") lines.push(item.str);
  }
  await pdf.destroy();
  return lines.join("\n");
}

export async function countRows(harness: ApiHarness, table: "invoices" | "receipts" | "payments" | "job_events", jobId: string, type?: string): Promise<number> {
  const where = type ? `job_id = $1 AND type = $2` : `job_id = $1`;
  const result = await harness.db.pool.query<{ n: string }>(`SELECT count(*) AS n FROM ${table} WHERE ${where}`, type ? [jobId, type] : [jobId]);
  return Number(result.rows[0]?.n ?? 0);
}

/** The tRPC code a call answered with, or "OK" when it succeeded. */
export async function codeOf(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof TRPCError) return error.code;
    throw error;
  }
  return "OK";
}
