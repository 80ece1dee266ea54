import type { Fulfilment } from "./enums.ts";
import { formatMoney } from "./money.ts";
import { amountDueCents, type PaymentFacts } from "./pickup-rules.ts";

// What a job costs and how it leaves are the money a shop is owed. While a job owes money, a change
// that would let it leave owing less (or unnoticed) is a lead's decision, like a waiver: lowering
// the price, changing the currency, or changing the fulfilment (a SHIP job leaves without the
// counter's scan). Raising a price, or any change to a job that owes nothing, is anyone's.

export interface JobMoneyFacts extends PaymentFacts {
  fulfilment: Fulfilment;
}

export interface JobMoneyChange {
  priceCents?: number | undefined;
  currency?: string | undefined;
  fulfilment?: Fulfilment | undefined;
}

/** The role that may make the changes below while a job owes money. */
export const MONEY_CHANGE_ROLE = "LEAD";

/** The changes that need a lead on this job, in words ("lowering its price from €25.00 to €0.00"); empty when none do. */
export function moneyChangesNeedingLead(job: JobMoneyFacts, change: JobMoneyChange): string[] {
  if (amountDueCents(job) === 0) return [];
  const needing: string[] = [];
  if (change.priceCents !== undefined && change.priceCents < job.priceCents) {
    needing.push(`lowering its price from ${formatMoney(job.priceCents, job.currency)} to ${formatMoney(change.priceCents, change.currency ?? job.currency)}`);
  }
  if (change.currency !== undefined && change.currency !== job.currency) {
    needing.push(`changing its currency from ${job.currency} to ${change.currency}`);
  }
  if (change.fulfilment !== undefined && change.fulfilment !== job.fulfilment) {
    needing.push(`changing its fulfilment from ${job.fulfilment} to ${change.fulfilment}`);
  }
  return needing;
}
