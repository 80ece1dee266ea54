import { DomainError, formatJobNumber, type DeliveryStatus, type MailKind } from "@orderdeck/contracts";
import { inSite, type Prisma } from "@orderdeck/db";
import type { AuthedContext } from "../context.ts";

export interface MailLogQuery {
  status?: DeliveryStatus | undefined;
  kind?: MailKind | undefined;
  jobId?: string | undefined;
  cursor?: string | undefined;
  limit: number;
}

export interface MailLogEntry {
  id: string;
  kind: MailKind;
  to: string;
  subject: string;
  job: { id: string; number: string } | null;
  status: DeliveryStatus;
  attempts: number;
  lastError: string | null;
  createdAt: string;
  sentAt: string | null;
}

/** The mail log, newest first, a page at a time: every mail, its state, attempts and last error. */
export async function mailLog(ctx: AuthedContext, input: MailLogQuery): Promise<{ mails: MailLogEntry[]; nextCursor: string | null }> {
  const { siteId } = ctx.principal;
  return inSite(ctx.prisma, siteId, async (tx) => {
    const where: Prisma.MailLogWhereInput = { siteId };
    if (input.status) where.status = input.status;
    if (input.kind) where.kind = input.kind;
    if (input.jobId) where.jobId = input.jobId;
    if (input.cursor) {
      const after = await tx.mailLog.findFirst({ where: { id: input.cursor, siteId }, select: { createdAt: true, id: true } });
      if (!after) throw new DomainError("VALIDATION_FAILED", "That cursor is not a mail of this site; start again from the first page.");
      where.OR = [{ createdAt: { lt: after.createdAt } }, { createdAt: after.createdAt, id: { lt: after.id } }];
    }
    const rows = await tx.mailLog.findMany({
      where,
      orderBy: [{ createdAt: "desc" }, { id: "desc" }],
      take: input.limit + 1,
      include: { job: { select: { id: true, number: true } } },
    });
    const page = rows.slice(0, input.limit);
    return {
      mails: page.map((m) => ({
        id: m.id,
        kind: m.kind,
        to: m.to,
        subject: m.subject,
        job: m.job ? { id: m.job.id, number: formatJobNumber(m.job.number) } : null,
        status: m.status,
        attempts: m.attempts,
        lastError: m.lastError,
        createdAt: m.createdAt.toISOString(),
        sentAt: m.sentAt?.toISOString() ?? null,
      })),
      nextCursor: rows.length > input.limit ? (page.at(-1)?.id ?? null) : null,
    };
  });
}
