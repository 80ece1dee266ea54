// The customer's status page link of a job. Its token is derived from the job and the link's
// generation with the server secret, never stored: the database keeps only the token's keyed hash
// (to find the job from a presented token) and the generation, so a copy of the database alone
// opens no page, while the worker can still write the link into a mail it sends later, or again.
// Revoking drops the hash; reissuing bumps the generation, which makes a new token and leaves the
// old one matching nothing.
import { createHmac, timingSafeEqual } from "node:crypto";
import { DomainError, type StatusLinkView } from "@orderdeck/contracts";
import { Prisma, inSite, type PrismaClient, type TransactionClient } from "@orderdeck/db";
import { writeCallerAudit } from "../audit/log.ts";
import { hashToken } from "../auth/tokens.ts";
import type { AuthedContext } from "../context.ts";
import { NOT_FOUND_MESSAGE } from "../jobs/call.ts";
import { isMailAddress, queueMail } from "../mail/queue.ts";
import { subjects } from "../mail/templates.ts";

/** What making and reading links needs: the server secret and, for addresses, the public base URL. */
export interface StatusLinkSettings {
  secretKey: string;
  /** PUBLIC_BASE_URL, e.g. https://orders.example.com; undefined: links are not written anywhere. */
  publicBaseUrl: string | undefined;
}

/** 256 bits, base64url: what the page's path carries. */
export const STATUS_TOKEN_PATTERN = /^[A-Za-z0-9_-]{43}$/;

export function statusLinkToken(secretKey: string, jobId: string, generation: number): string {
  return createHmac("sha256", secretKey).update(`orderdeck-status-link\0${jobId}\0${generation}`).digest("base64url");
}

export function statusPagePath(token: string): string {
  return `/status/${token}`;
}

export function statusLinkUrl(publicBaseUrl: string | undefined, token: string): string | null {
  return publicBaseUrl ? `${publicBaseUrl.replace(/\/+$/, "")}${statusPagePath(token)}` : null;
}

interface LinkRow {
  jobId: string;
  generation: number;
  tokenHash: string | null;
  issuedAt: Date;
  revokedAt: Date | null;
}

const linkSelect = { jobId: true, generation: true, tokenHash: true, issuedAt: true, revokedAt: true } as const;

function viewOf(settings: StatusLinkSettings, jobId: string, row: LinkRow | null): StatusLinkView {
  if (!row) return { jobId, state: "NONE", url: null, issuedAt: null, revokedAt: null };
  const active = row.tokenHash !== null;
  return {
    jobId,
    state: active ? "ACTIVE" : "REVOKED",
    url: active ? statusLinkUrl(settings.publicBaseUrl, statusLinkToken(settings.secretKey, row.jobId, row.generation)) : null,
    issuedAt: row.issuedAt.toISOString(),
    revokedAt: row.revokedAt?.toISOString() ?? null,
  };
}

/** A job's link as the "ready for pickup" mail needs it: its generation, and whether a lead revoked it. */
export interface LinkState {
  generation: number;
  revoked: boolean;
}

/**
 * What issues the job's first link if it never had one, then reads the link back: two statements
 * for writeInSite (one transaction, one round trip). Used by the "ready for pickup" mail, before
 * it is sent, so the link works before the mail leaves. A job that has a link keeps it as it is.
 */
export function ensureStatusLinkStatements(siteId: string, jobId: string, secretKey: string): [Prisma.Sql, Prisma.Sql] {
  const first = statusLinkToken(secretKey, jobId, 1);
  return [
    Prisma.sql`
      INSERT INTO job_status_links (id, site_id, job_id, generation, token_hash)
      VALUES (gen_random_uuid(), ${siteId}::uuid, ${jobId}::uuid, 1, ${hashToken(secretKey, first)})
      ON CONFLICT (job_id) DO NOTHING`,
    Prisma.sql`SELECT generation, token_hash IS NULL AS revoked FROM job_status_links WHERE job_id = ${jobId}::uuid AND site_id = ${siteId}::uuid`,
  ];
}

/** The job's live token; null when a lead revoked the link (it comes back only by a lead's reissue) or there is none. */
export function liveStatusToken(secretKey: string, jobId: string, link: LinkState | null | undefined): string | null {
  return link && !link.revoked ? statusLinkToken(secretKey, jobId, link.generation) : null;
}

/**
 * The job and site a presented token opens, or null: unknown, revoked or malformed alike. Read as
 * the tables' owner (a token names no site before it is found), then checked in constant time
 * against the token the row's generation derives.
 */
export async function resolveStatusToken(prisma: PrismaClient, secretKey: string, token: string): Promise<{ siteId: string; jobId: string } | null> {
  if (!STATUS_TOKEN_PATTERN.test(token)) return null;
  const row = await prisma.jobStatusLink.findUnique({ where: { tokenHash: hashToken(secretKey, token) }, select: { siteId: true, jobId: true, generation: true } });
  if (!row) return null;
  const expected = Buffer.from(statusLinkToken(secretKey, row.jobId, row.generation));
  const given = Buffer.from(token);
  return expected.length === given.length && timingSafeEqual(expected, given) ? { siteId: row.siteId, jobId: row.jobId } : null;
}

function settingsOf(ctx: AuthedContext): StatusLinkSettings {
  return { secretKey: ctx.sessions.secretKey, publicBaseUrl: ctx.statusPage?.publicBaseUrl };
}

async function jobOf(tx: TransactionClient, siteId: string, jobId: string) {
  const locked = await tx.$queryRaw<Array<{ id: string }>>`SELECT id::text AS id FROM jobs WHERE site_id = ${siteId}::uuid AND id = ${jobId}::uuid FOR UPDATE`;
  const job = locked.length === 0 ? null : await tx.job.findFirst({ where: { id: jobId, siteId }, select: { id: true, number: true, title: true, status: true, version: true, customer: { select: { email: true } } } });
  if (!job) throw new DomainError("NOT_FOUND", NOT_FOUND_MESSAGE);
  return job;
}

export async function statusLinkOf(ctx: AuthedContext, jobId: string): Promise<StatusLinkView> {
  const { siteId } = ctx.principal;
  const row = await inSite(ctx.prisma, siteId, async (tx) => {
    await jobOf(tx, siteId, jobId);
    return tx.jobStatusLink.findFirst({ where: { jobId, siteId }, select: linkSelect });
  });
  return viewOf(settingsOf(ctx), jobId, row);
}

/** Ends the link: the page answers like a missing page from now on. Audited; a second revoke changes nothing. */
export async function revokeStatusLink(ctx: AuthedContext, jobId: string): Promise<StatusLinkView> {
  const { siteId } = ctx.principal;
  const row = await inSite(ctx.prisma, siteId, async (tx) => {
    const job = await jobOf(tx, siteId, jobId);
    const before = await tx.jobStatusLink.findFirst({ where: { jobId, siteId }, select: linkSelect });
    if (!before?.tokenHash) return before;
    const after = await tx.jobStatusLink.update({ where: { jobId }, data: { tokenHash: null, revokedAt: new Date() }, select: linkSelect });
    await writeCallerAudit(tx, ctx, { action: "job.status_link_revoke", target: `job:${job.id}`, details: { generation: after.generation } });
    return after;
  });
  return viewOf(settingsOf(ctx), jobId, row);
}

/**
 * A new link (a new generation: the old link, if any, stops working at once). A job that is
 * ready gets its "ready for pickup" mail again, carrying the new link; the answer also holds the
 * address, for a lead to pass on another way. Audited.
 */
export async function reissueStatusLink(ctx: AuthedContext, jobId: string): Promise<StatusLinkView> {
  const { siteId } = ctx.principal;
  const { secretKey } = settingsOf(ctx);
  const { row, mailed } = await inSite(ctx.prisma, siteId, async (tx) => {
    const job = await jobOf(tx, siteId, jobId);
    const before = await tx.jobStatusLink.findFirst({ where: { jobId, siteId }, select: linkSelect });
    const generation = (before?.generation ?? 0) + 1;
    const data = { generation, tokenHash: hashToken(secretKey, statusLinkToken(secretKey, jobId, generation)), issuedAt: new Date(), revokedAt: null };
    const after = before
      ? await tx.jobStatusLink.update({ where: { jobId }, data, select: linkSelect })
      : await tx.jobStatusLink.create({ data: { siteId, jobId, ...data }, select: linkSelect });
    let mailId: string | null = null;
    const email = job.customer?.email;
    if (job.status === "READY_FOR_PICKUP" && isMailAddress(email)) {
      const site = await tx.site.findFirst({ where: { id: siteId }, select: { name: true } });
      mailId = await queueMail(tx, {
        siteId,
        kind: "READY_FOR_PICKUP",
        to: email,
        subject: subjects.readyForPickup(site?.name ?? "OrderDeck", job),
        jobId,
        dedupeKey: `ready-mail:${jobId}:link:${generation}`,
      });
    }
    await writeCallerAudit(tx, ctx, {
      action: "job.status_link_reissue",
      target: `job:${job.id}`,
      details: { generation, previous: before ? (before.tokenHash ? "active" : "revoked") : "none", mailed: mailId !== null },
    });
    return { row: after, mailed: mailId !== null };
  });
  return { ...viewOf(settingsOf(ctx), jobId, row), mailed };
}
