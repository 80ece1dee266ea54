// Mail over SMTP into a real local server: retries with backoff while the server refuses, the
// log's record of every attempt, giving up into the exceptions list, and the invoice and receipt
// mails with their PDFs.
import { randomUUID } from "node:crypto";
import { afterEach, describe, expect, it } from "vitest";
import { eventually, graphileJobs, mailsOf, mailSinkForFile, testWorkerDeps, testWorkerForFile, type MailRow } from "./background-helpers.ts";
import { apiHarnessForFile, refusalOf } from "./harness.ts";
import { insertJob } from "./jobs-fixtures.ts";

const harness = await apiHarnessForFile();
const site = await harness.createSite("Mail Werkstatt");

const sink = await mailSinkForFile();
await testWorkerForFile(harness, testWorkerDeps(harness, sink));

afterEach(() => sink.setFailing(false));

async function customerJob(status: "POST_PROCESSING" | "QUEUED", options: { priceCents?: number } = {}) {
  const email = `customer-${randomUUID()}@example.com`;
  const customer = await harness.db.prisma.customer.create({ data: { siteId: site.siteId, name: "Grace Hopper", email } });
  const job = await insertJob(harness, site, { status, customerId: customer.id, title: "Lamp shade" });
  if (options.priceCents) await harness.db.prisma.job.update({ where: { id: job.id }, data: { priceCents: options.priceCents } });
  return { job, email };
}

async function settled(jobId: string, status: "SENT" | "GAVE_UP"): Promise<MailRow> {
  return eventually(`the mail of job ${jobId} to be ${status}`, async () => {
    const [row] = await mailsOf(harness, { jobId });
    return row?.status === status ? row : undefined;
  });
}

describe("retries", () => {
  it("while the SMTP server refuses the first attempts, the mail is retried and arrives once; the log shows the failed attempts", async () => {
    sink.setFailing(2);
    const { job, email } = await customerJob("POST_PROCESSING");
    await site.as.STAFF.jobs.transition({ id: job.id, to: "READY_FOR_PICKUP" });

    await sink.waitFor((m) => m.to.includes(email));
    const mail = await settled(job.id, "SENT");
    expect(mail.attempts).toBe(3);
    expect(mail.last_error).toMatch(/^SMTP 451: .*failing on purpose/);
    expect(sink.refused).toBe(2);
    await eventually("no send job left", async () => (await graphileJobs(harness, site.siteId)).length === 0);
    expect(sink.messages.filter((m) => m.to.includes(email))).toHaveLength(1);
  });

  it("after the last attempt the mail is given up and listed in the exceptions", async () => {
    sink.setFailing(true);
    const { job } = await customerJob("POST_PROCESSING");
    const moved = await site.as.STAFF.jobs.transition({ id: job.id, to: "READY_FOR_PICKUP" });

    const mail = await settled(job.id, "GAVE_UP");
    expect(mail.attempts).toBe(3);
    const exceptions = await site.as.STAFF.exceptions.list({ kinds: ["MAIL_FAILED"] });
    const entry = exceptions.items.find((e) => e.refId === mail.id);
    expect(entry?.job?.displayNumber).toBe(moved.displayNumber);
    expect(entry?.message).toMatch(/given up after 3 attempts: SMTP 451/);
    await eventually("no send job left", async () => (await graphileJobs(harness, site.siteId)).length === 0);
  });

  it("a permanent refusal (5xx) is not retried", async () => {
    sink.setFailing(true, 550);
    const { job } = await customerJob("POST_PROCESSING");
    await site.as.STAFF.jobs.transition({ id: job.id, to: "READY_FOR_PICKUP" });
    const mail = await settled(job.id, "GAVE_UP");
    expect(mail.attempts).toBe(1);
    expect(mail.last_error).toMatch(/^SMTP 550/);
  });
});

describe("documents", () => {
  it("sending an invoice mails it with the invoice PDF attached", async () => {
    const { job, email } = await customerJob("QUEUED", { priceCents: 4_250 });
    const result = await site.as.LEAD.jobs.bulk({ ids: [job.id], action: { type: "sendInvoice" } });
    expect(result.succeeded).toBe(1);
    const invoice = await harness.db.prisma.invoice.findFirstOrThrow({ where: { jobId: job.id } });

    const received = await sink.waitFor((m) => m.to.includes(email));
    expect(received.subject).toBe(`Mail Werkstatt: invoice ${invoice.formattedNumber} for order J-${String(job.number).padStart(6, "0")}`);
    expect(received.text).toContain("42.50");
    expect(received.attachments.map((a) => a.filename)).toEqual([`${invoice.formattedNumber}.pdf`]);
    expect(received.attachments[0]?.contentType).toBe("application/pdf");
    expect(received.attachments[0]?.content.subarray(0, 5).toString()).toBe("%PDF-");
    expect((await settled(job.id, "SENT")).invoice_id).toBe(invoice.id);
  });

  it("a handover at the counter mails the receipt with its PDF", async () => {
    const { job, email } = await customerJob("POST_PROCESSING", { priceCents: 1_000 });
    await harness.db.prisma.job.update({ where: { id: job.id }, data: { status: "READY_FOR_PICKUP", paymentStatus: "WAIVED" } });
    await site.as.STAFF.pickup.confirm({ code: job.pickupCode, clientMutationId: randomUUID(), scannedAt: new Date().toISOString() });
    const receipt = await harness.db.prisma.receipt.findFirstOrThrow({ where: { jobId: job.id } });

    const received = await sink.waitFor((m) => m.to.includes(email) && m.subject.includes("receipt"));
    expect(received.subject).toContain(receipt.formattedNumber);
    expect(received.attachments.map((a) => a.filename)).toEqual([`${receipt.formattedNumber}.pdf`]);
    const mails = await mailsOf(harness, { jobId: job.id });
    expect(mails.map((m) => m.kind)).toEqual(["RECEIPT"]);
  });
});

describe("mail.log", () => {
  it("lists the site's mails with status, attempts and last error, for leads only", async () => {
    const page = await site.as.LEAD.mail.log({ limit: 200 });
    expect(page.mails.length).toBeGreaterThanOrEqual(5);
    expect(page.mails.some((m) => m.status === "GAVE_UP" && m.lastError?.startsWith("SMTP"))).toBe(true);
    expect(page.mails.every((m) => m.job === null || m.job.number.startsWith("J-"))).toBe(true);
    const first = await site.as.LEAD.mail.log({ limit: 2 });
    const second = await site.as.LEAD.mail.log({ limit: 2, cursor: first.nextCursor ?? undefined });
    expect(second.mails.map((m) => m.id)).toEqual(page.mails.slice(2, 4).map((m) => m.id));
    expect((await refusalOf(site.as.STAFF.mail.log({}))).code).toBe("FORBIDDEN");
  });

  it("the task metrics count sends and failures", async () => {
    const metrics = await harness.deps.metrics.registry.metrics();
    expect(metrics).toMatch(/orderdeck_task_duration_seconds_count\{task="send_mail",outcome="ok"\} [1-9]/);
  });
});
