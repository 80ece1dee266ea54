import type { TransactionClient } from "@orderdeck/db";
import { isMailAddress, queueMail } from "../mail/queue.ts";
import { subjects } from "../mail/templates.ts";
import { issueInvoice, type InvoiceView, type IssueInvoiceInput } from "./service.ts";

/**
 * "Send invoice": issues the invoice and, when the customer has an address, queues the mail that
 * carries it as a PDF, both in the caller's transaction. A customer without an address still gets
 * the invoice issued (it can be printed); the mail log then simply has no entry for it.
 */
export async function sendInvoice(tx: TransactionClient, input: IssueInvoiceInput): Promise<InvoiceView> {
  const invoice = await issueInvoice(tx, input);
  const job = await tx.job.findFirst({
    where: { id: input.jobId, siteId: input.siteId },
    select: { number: true, customer: { select: { email: true } }, site: { select: { name: true } } },
  });
  const email = job?.customer?.email;
  if (job && isMailAddress(email)) {
    await queueMail(tx, {
      siteId: input.siteId,
      kind: "INVOICE",
      to: email,
      subject: subjects.invoice(job.site.name, invoice.number, job),
      jobId: input.jobId,
      invoiceId: invoice.id,
      dedupeKey: `invoice-mail:${invoice.id}`,
    });
  }
  return invoice;
}
