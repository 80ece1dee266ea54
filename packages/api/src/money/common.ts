import { DomainError, formatJobNumber, type CounterKind } from "@orderdeck/contracts";
import { Prisma, type PrismaClient, type TransactionClient } from "@orderdeck/db";
import type { AuthedContext } from "../context.ts";
import { actorOf, type Actor } from "../jobs/events.ts";
import { yearInTimeZone } from "./time.ts";

/** Who is asking, as the routers pass it on: every service call acts for one site. */
export interface MoneyCaller {
  prisma: PrismaClient;
  siteId: string;
  actor: Actor;
  requestId: string;
}

/** The caller of a money procedure (invoices, payments, receipts), as its router passes it on. */
export function moneyCaller(ctx: AuthedContext): MoneyCaller {
  return { prisma: ctx.prisma, siteId: ctx.principal.siteId, actor: actorOf(ctx.principal), requestId: ctx.requestId };
}

/** What every change of a job's money is asked with, inside the caller's transaction. */
export interface JobMoneyChange {
  siteId: string;
  jobId: string;
  actor: Actor;
  requestId?: string | undefined;
}

const moneyJobSelect = {
  id: true,
  siteId: true,
  number: true,
  title: true,
  material: true,
  colour: true,
  quantity: true,
  status: true,
  priceCents: true,
  currency: true,
  paymentStatus: true,
  pickupCode: true,
  customer: { select: { name: true, email: true, phone: true } },
} satisfies Prisma.JobSelect;

export type MoneyJob = Prisma.JobGetPayload<{ select: typeof moneyJobSelect }>;

/**
 * Loads a job of the site and holds its row lock to the end of the transaction. Every money
 * change of one job therefore runs one after the other: a repeated payment confirmation sees
 * the first one's payment, and two invoice requests for one job cannot both find "no invoice".
 * Callers that lock several jobs (bulk) should do so in id order before calling in here, so
 * that two bulks cannot deadlock each other.
 */
export async function lockJob(tx: TransactionClient, siteId: string, jobId: string): Promise<MoneyJob> {
  const locked = await tx.$queryRaw<Array<{ id: string }>>`
    SELECT id FROM jobs WHERE id = ${jobId}::uuid AND site_id = ${siteId}::uuid FOR UPDATE`;
  const job = locked.length > 0 ? await tx.job.findFirst({ where: { id: jobId, siteId }, select: moneyJobSelect }) : null;
  if (!job) throw new DomainError("NOT_FOUND", "That job does not exist (or not at this site).");
  return job;
}

/** A job of the site, unlocked, for reading. */
export async function findJob(tx: TransactionClient, siteId: string, jobId: string): Promise<MoneyJob> {
  const job = await tx.job.findFirst({ where: { id: jobId, siteId }, select: moneyJobSelect });
  if (!job) throw new DomainError("NOT_FOUND", "That job does not exist (or not at this site).");
  return job;
}

export interface SiteForDocuments {
  name: string;
  timezone: string;
}

export async function siteOf(tx: TransactionClient, siteId: string): Promise<SiteForDocuments> {
  const site = await tx.site.findFirst({ where: { id: siteId }, select: { name: true, timezone: true } });
  if (!site) throw new DomainError("NOT_FOUND", "That site does not exist.");
  return site;
}

export interface DocumentNumber {
  year: number;
  number: number;
}

/**
 * The next invoice or receipt number of the site for the year `at` falls in at the site. The
 * counter row stays locked until the transaction ends and goes back if it rolls back, so the
 * numbers that exist are consecutive. Take it as late as possible: every other numbering of
 * the same kind at the site waits for this transaction from here on.
 */
export async function takeDocumentNumber(
  tx: TransactionClient,
  siteId: string,
  kind: Exclude<CounterKind, "JOB">,
  at: Date,
  timeZone: string,
): Promise<DocumentNumber> {
  const year = yearInTimeZone(at, timeZone);
  return documentNumberOf(kind, year, await tx.$queryRaw<CounterRow[]>(nextCounterStatement(siteId, kind, year)));
}

/** What nextCounterStatement answers. */
export interface CounterRow {
  value: number;
}

/**
 * The next number of the site's counter for `kind` and `year`, as one statement. It locks the
 * counter's row to the commit: send it as late in the transaction as the number allows.
 */
export function nextCounterStatement(siteId: string, kind: Exclude<CounterKind, "JOB">, year: number): Prisma.Sql {
  return Prisma.sql`SELECT next_counter(${siteId}::uuid, ${kind}::counter_kind, ${year}::int) AS value`;
}

export function documentNumberOf(kind: Exclude<CounterKind, "JOB">, year: number, rows: CounterRow[]): DocumentNumber {
  const value = rows[0]?.value;
  if (typeof value !== "number") throw new Error(`next_counter returned no ${kind} number`);
  return { year, number: value };
}

/** Sum of what was paid for a job so far (payments are never deleted or changed). */
export async function paidCents(tx: TransactionClient, siteId: string, jobId: string): Promise<number> {
  const sum = await tx.payment.aggregate({ where: { siteId, jobId }, _sum: { amountCents: true } });
  return sum._sum.amountCents ?? 0;
}

export function jobLabel(job: { number: number }): string {
  return formatJobNumber(job.number);
}

/** The customer block of a document, one line each, only what is known. */
export function customerLines(customer: MoneyJob["customer"]): string[] {
  if (!customer) return [];
  return [customer.name, customer.email, customer.phone].filter((line): line is string => Boolean(line));
}

/** The PDF as the API hands it out: JSON carries bytes as base64. */
export interface PdfFile {
  filename: string;
  contentType: "application/pdf";
  base64: string;
}

export function pdfFile(number: string, bytes: Buffer): PdfFile {
  return { filename: `${number}.pdf`, contentType: "application/pdf", base64: bytes.toString("base64") };
}
