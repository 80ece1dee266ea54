import {
  DomainError,
  MONEY_CHANGE_ROLE,
  amountDueCents,
  formatJobNumber,
  formatMoney,
  hasRole,
  moneyChangesNeedingLead,
  shipmentRefusal,
  type JobMoneyChange,
  type JobStatus,
} from "@orderdeck/contracts";
import type { Job, TransactionClient } from "@orderdeck/db";
import type { Principal } from "../auth/principal.ts";
import { paidCents } from "../money/common.ts";

// The money rules of a job change, whatever path the change takes (jobs.update and
// jobs.transition, bulk status, a console's replayed outbox): the rules themselves are contracts'
// (money-changes.ts, pickup-rules.ts), these read what they need under the job's row lock.

type LockedJob = Pick<Job, "id" | "number" | "priceCents" | "currency" | "fulfilment" | "paymentStatus">;

function inWords(items: string[]): string {
  return items.length <= 1 ? (items[0] ?? "") : `${items.slice(0, -1).join(", ")} and ${items.at(-1)}`;
}

/** Refuses (FORBIDDEN, saying who can) a change of price, currency or fulfilment that only a lead may make. */
export async function checkMoneyChange(tx: TransactionClient, principal: Principal, job: LockedJob, change: JobMoneyChange): Promise<void> {
  if (change.priceCents === undefined && change.currency === undefined && change.fulfilment === undefined) return;
  if (hasRole(principal.role, MONEY_CHANGE_ROLE)) return;
  const facts = { ...job, paidCents: await paidCents(tx, principal.siteId, job.id) };
  const needing = moneyChangesNeedingLead(facts, change);
  if (needing.length === 0) return;
  const due = amountDueCents(facts);
  throw new DomainError(
    "FORBIDDEN",
    `${formatJobNumber(job.number)} still owes ${formatMoney(due, job.currency)}: ${inWords(needing)} needs the ${MONEY_CHANGE_ROLE} role; ` +
      `you are signed in as ${principal.role}. Ask a lead to make this change (a lead can also waive the payment).`,
    { needs: MONEY_CHANGE_ROLE, amountDueCents: due, currency: job.currency },
  );
}

/** Refuses (UNPAID, in the pickup's words) shipping a job that is neither paid nor waived. */
export async function checkShipment(tx: TransactionClient, siteId: string, job: LockedJob, to: JobStatus): Promise<void> {
  if (to !== "SHIPPED") return;
  const refusal = shipmentRefusal({ ...job, paidCents: await paidCents(tx, siteId, job.id) });
  if (refusal) throw new DomainError(refusal.reason, refusal.message, refusal.details);
}
