import { DomainError, formatJobNumber, type JobDetail } from "@orderdeck/contracts";
import type { PrismaClient, TransactionClient } from "@orderdeck/db";
import type { Principal } from "../auth/principal.ts";
import { siteThresholds } from "./list.ts";
import { detailRowOf, presentDetail, type JobWithPeople } from "./present.ts";

// What every job change starts from: who asks, and the job read (and locked) for them at their site.

/** Who is asking and through which request: what every job change records in its event. */
export interface JobServiceCall {
  prisma: PrismaClient;
  principal: Principal;
  requestId: string;
  now?: () => Date;
}

export const nowOf = (call: JobServiceCall): Date => (call.now ? call.now() : new Date());

export const PEOPLE = {
  customer: { select: { name: true, email: true, phone: true } },
  assignee: { select: { name: true } },
} as const;

export const NOT_FOUND_MESSAGE = "That job does not exist (or not at this site).";

/** The job, locked for the rest of the transaction; NOT_FOUND for another site's or a missing id. */
export async function lockJob(tx: TransactionClient, siteId: string, id: string): Promise<JobWithPeople> {
  const locked = await tx.$queryRaw<Array<{ id: string }>>`
    SELECT id::text AS id FROM jobs WHERE site_id = ${siteId}::uuid AND id = ${id}::uuid FOR UPDATE`;
  if (locked.length === 0) throw new DomainError("NOT_FOUND", NOT_FOUND_MESSAGE);
  const job = await tx.job.findFirst({ where: { id, siteId }, include: PEOPLE });
  if (!job) throw new DomainError("NOT_FOUND", NOT_FOUND_MESSAGE);
  return job;
}

export async function detailOf(tx: TransactionClient, siteId: string, job: JobWithPeople, now: Date): Promise<JobDetail> {
  return presentDetail(detailRowOf(job), now, await siteThresholds(tx, siteId));
}

export async function reload(tx: TransactionClient, siteId: string, id: string, now: Date): Promise<JobDetail> {
  const job = await tx.job.findFirst({ where: { id, siteId }, include: PEOPLE });
  if (!job) throw new DomainError("NOT_FOUND", NOT_FOUND_MESSAGE);
  return detailOf(tx, siteId, job, now);
}

/** Refuses a change made against an older version, handing back the row as it is now. */
export async function checkVersion(tx: TransactionClient, siteId: string, job: JobWithPeople, version: number | undefined, now: Date) {
  if (version === undefined || version === job.version) return;
  throw new DomainError(
    "VERSION_CONFLICT",
    `${formatJobNumber(job.number)} was changed by someone else (you had version ${version}, it is now ${job.version}). Look at the current job and try again.`,
    { current: await detailOf(tx, siteId, job, now) },
  );
}
