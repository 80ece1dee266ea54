import { DomainError, type JobBulkAction, type JobBulkInput, type JobBulkResult, type JobBulkRowResult } from "@orderdeck/contracts";
import { inSite, type TransactionClient } from "@orderdeck/db";
import type { z } from "zod";
import { databaseRefusal } from "../database-refusals.ts";
import { actorOf, type Actor } from "./events.ts";
import type { JobServiceCall } from "./call.ts";
import { archiveInTx, transitionInTx } from "./lifecycle.ts";
import { assignInTx } from "./service.ts";

/** Issues an invoice for one job and mails it, inside the given transaction (money's sendInvoice). */
export type InvoiceSender = (
  tx: TransactionClient,
  input: { siteId: string; jobId: string; actor: Actor; requestId?: string | undefined },
) => Promise<unknown>;

export interface BulkDependencies {
  sendInvoice: InvoiceSender;
  /** Told about a row that failed for a reason that is not a rule (a bug, the database going away). */
  onUnexpected?: (error: unknown, jobId: string) => void;
}

async function applyToOne(call: JobServiceCall, tx: TransactionClient, id: string, action: JobBulkAction, deps: BulkDependencies) {
  switch (action.type) {
    case "status":
      await transitionInTx(call, tx, { id, to: action.to, note: action.note });
      return;
    case "assignee":
      await assignInTx(call, tx, id, action.assigneeId);
      return;
    case "archive":
      await archiveInTx(call, tx, id);
      return;
    case "sendInvoice":
      await deps.sendInvoice(tx, { siteId: call.principal.siteId, jobId: id, actor: actorOf(call.principal), requestId: call.requestId });
      return;
  }
}

/**
 * Applies one action to many jobs, each in a transaction of its own: a refused row (wrong status,
 * another site's id, a lost race) is reported and the others still happen. Rows run one after
 * the other, in the order given, so that concurrent bulk edits cannot deadlock each other.
 */
export async function bulkJobs(call: JobServiceCall, input: z.output<typeof JobBulkInput>, deps: BulkDependencies): Promise<JobBulkResult> {
  const ids = [...new Set(input.ids)];
  const results: JobBulkRowResult[] = [];
  for (const id of ids) {
    try {
      await inSite(call.prisma, call.principal.siteId, (tx) => applyToOne(call, tx, id, input.action, deps));
      results.push({ id, ok: true });
    } catch (error) {
      const refusal = error instanceof DomainError ? error : databaseRefusal(error);
      if (refusal) {
        results.push({ id, ok: false, reason: refusal.reason, message: refusal.message });
      } else {
        deps.onUnexpected?.(error, id);
        results.push({ id, ok: false, reason: "INTERNAL", message: "Something went wrong with this job; it was not changed. Try it again." });
      }
    }
  }
  const succeeded = results.filter((r) => r.ok).length;
  return { results, succeeded, failed: results.length - succeeded };
}
