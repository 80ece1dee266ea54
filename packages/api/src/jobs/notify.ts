import type { JobStatus } from "@orderdeck/contracts";
import type { TransactionClient } from "@orderdeck/db";
import { isMailAddress, queueMail } from "../mail/queue.ts";
import { subjects } from "../mail/templates.ts";
import { emitWebhookEvent, statusChangedEvent, type WebhookJobSource } from "../webhooks/events.ts";

export interface StatusChange {
  siteId: string;
  /** The job after the change (its new status and version). */
  job: WebhookJobSource & { version: number; customer: { email: string | null } | null };
  from: JobStatus;
  at: Date;
}

/**
 * The side effects of a status change, enqueued in the change's own transaction (every path
 * that changes a status goes through transitionInTx, which calls this): the customer's "ready
 * for pickup" mail, and the job.status_changed webhook. The mail's key is the job's version
 * after this change, so this transition can never queue a second one.
 */
export async function afterStatusChange(tx: TransactionClient, change: StatusChange): Promise<void> {
  const { job, siteId } = change;
  const email = job.customer?.email;
  if (job.status === "READY_FOR_PICKUP" && isMailAddress(email)) {
    const site = await tx.site.findFirst({ where: { id: siteId }, select: { name: true } });
    await queueMail(tx, {
      siteId,
      kind: "READY_FOR_PICKUP",
      to: email,
      subject: subjects.readyForPickup(site?.name ?? "OrderDeck", job),
      jobId: job.id,
      dedupeKey: `ready-mail:${job.id}:${job.version}`,
    });
  }
  await emitWebhookEvent(tx, { siteId, ...statusChangedEvent(job, change.from, change.at) });
}
