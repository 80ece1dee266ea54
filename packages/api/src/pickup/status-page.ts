// What the customer's status page says, read for a presented token: the shop's name and pickup
// place and hours, the job's number, title and status, since when it is ready, what is left to
// pay, and the pickup code. Nothing else about the customer or the shop is read, so nothing else
// can end up on the page.
import { DomainError, amountDueCents, formatJobNumber, formatMoney, formatPickupCode, type JobStatus, type PaymentStatus } from "@orderdeck/contracts";
import { inSite, type PrismaClient } from "@orderdeck/db";
import type { Logger } from "@orderdeck/logging";
import { renderBarcodes } from "../documents/barcodes.ts";
import { formatLocal } from "../documents/zoned-time.ts";
import type { Metrics } from "../observability/metrics.ts";
import { spendStatusPageBudget, type RateLimits } from "../rate-limits/limits.ts";
import { MISSING_STATUS_PAGE, STATUS_PAGE_HEADERS, UNAVAILABLE_STATUS_PAGE, rateLimitedStatusPage, renderStatusPage, type StatusPageFacts } from "./status-page-html.ts";
import { resolveStatusToken } from "./status-link.ts";


const CLOSED: ReadonlySet<JobStatus> = new Set(["PICKED_UP", "SHIPPED", "CANCELLED"]);

interface FactsRow {
  number: number;
  title: string;
  status: JobStatus;
  pickup_code: string;
  price_cents: number;
  currency: string;
  payment_status: PaymentStatus;
  paid_cents: bigint | number;
  updated_at: Date;
  ready_at: Date | null;
  archived_at: Date | null;
  site_name: string;
  timezone: string;
  pickup_place: string | null;
  pickup_hours: string | null;
}

/** The page's facts for `token`, or null when it opens nothing (wrong, revoked, malformed, archived job). */
export async function readStatusPage(deps: { prisma: PrismaClient; secretKey: string }, token: string): Promise<StatusPageFacts | null> {
  const link = await resolveStatusToken(deps.prisma, deps.secretKey, token);
  if (!link) return null;
  const rows = await inSite(deps.prisma, link.siteId, (tx) => tx.$queryRaw<FactsRow[]>`
    SELECT j.number, j.title, j.status::text AS status, j.pickup_code, j.price_cents, j.currency,
           j.payment_status::text AS payment_status, j.updated_at, j.archived_at,
           (SELECT COALESCE(sum(p.amount_cents), 0) FROM payments p WHERE p.site_id = j.site_id AND p.job_id = j.id) AS paid_cents,
           (SELECT max(e.at) FROM job_events e
             WHERE e.site_id = j.site_id AND e.job_id = j.id AND e.type = 'status_changed' AND e.after->>'status' = 'READY_FOR_PICKUP') AS ready_at,
           s.name AS site_name, s.timezone, s.pickup_place, s.pickup_hours
      FROM jobs j JOIN sites s ON s.id = j.site_id
     WHERE j.site_id = ${link.siteId}::uuid AND j.id = ${link.jobId}::uuid`);
  const row = rows[0];
  if (!row || row.archived_at) return null;
  const due = amountDueCents({ paymentStatus: row.payment_status, priceCents: row.price_cents, paidCents: Number(row.paid_cents) });
  const open = !CLOSED.has(row.status);
  const barcodes = open ? await renderBarcodes(row.pickup_code) : null;
  return {
    shop: row.site_name,
    pickupPlace: row.pickup_place,
    pickupHours: row.pickup_hours,
    jobNumber: formatJobNumber(row.number),
    title: row.title,
    status: row.status,
    // The job's last change stands in when the event that made it ready was pruned or never written.
    readySince: row.status === "READY_FOR_PICKUP" ? formatLocal(row.ready_at ?? row.updated_at, row.timezone) : null,
    balanceDue: open && due > 0 ? formatMoney(due, row.currency) : null,
    code: barcodes ? { text: row.pickup_code, grouped: formatPickupCode(row.pickup_code), qrPng: barcodes.qr, code128Png: barcodes.code128 } : null,
  };
}

export interface StatusPageAnswer {
  status: 200 | 404 | 429 | 503;
  body: string;
  headers: Record<string, string>;
}

export interface StatusPageDependencies {
  prisma: PrismaClient;
  secretKey: string;
  rateLimits: RateLimits;
  metrics: Metrics;
  logger: Logger;
}

/**
 * GET /status/<token>: counted against the caller's address first (a guesser spends the budget
 * whether or not a token fits), then the page, or the missing page for any token that opens nothing.
 */
export async function answerStatusPage(deps: StatusPageDependencies, ip: string, token: string): Promise<StatusPageAnswer> {
  const headers = { ...STATUS_PAGE_HEADERS };
  try {
    await spendStatusPageBudget(deps, ip);
  } catch (error) {
    if (error instanceof DomainError && error.reason === "RATE_LIMITED") {
      const seconds = Number(error.details?.["retryAfterSeconds"] ?? 60);
      return { status: 429, body: rateLimitedStatusPage(seconds), headers: { ...headers, "retry-after": String(seconds) } };
    }
    return { status: 503, body: UNAVAILABLE_STATUS_PAGE, headers };
  }
  try {
    const facts = await readStatusPage(deps, token);
    return facts ? { status: 200, body: renderStatusPage(facts), headers } : missingStatusPage();
  } catch (error) {
    deps.logger.error("status page could not be read", { error: error instanceof Error ? error.message : String(error) });
    return { status: 503, body: UNAVAILABLE_STATUS_PAGE, headers };
  }
}

export function missingStatusPage(): StatusPageAnswer {
  return { status: 404, body: MISSING_STATUS_PAGE, headers: { ...STATUS_PAGE_HEADERS } };
}
