// Everything one handover writes, pinned row by row: the job, its one event, the receipts (the
// payment's own and the one the handover issues for an imported payment), the receipt mail and
// its send job, one webhook delivery and job per subscribed endpoint and event, the scan record
// and the ledger entry, and an answer that matches what the database holds afterwards.
import { randomUUID } from "node:crypto";
import { createPrismaClient, inSite, type SentStatement } from "@orderdeck/db";
import { describe, expect, it } from "vitest";
import { queueMail } from "../src/mail/queue.ts";
import type { Principal } from "../src/auth/principal.ts";
import { recordPayment } from "../src/payments/service.ts";
import { confirmPickup } from "../src/pickup/confirm.ts";
import { graphileJobs } from "./background-helpers.ts";
import { apiHarnessForFile } from "./harness.ts";
import { addPickupJob } from "./pickup-helpers.ts";

const harness = await apiHarnessForFile();
const site = await harness.createSite("Pickup Ottensen");

async function endpoint(eventTypes: string[]): Promise<string> {
  const row = await harness.db.prisma.webhookEndpoint.create({
    data: { siteId: site.siteId, url: "http://127.0.0.1:9/hooks/orderdeck", secret: randomUUID(), eventTypes },
    select: { id: true },
  });
  return row.id;
}

describe("a handover writes exactly its rows", () => {
  it("job, event, receipts, mail, webhooks, scan and ledger; the answer is what the database holds", async () => {
    const both = await endpoint(["job.status_changed", "job.picked_up"]);
    const pickupsOnly = await endpoint(["job.picked_up"]);
    const invoicesOnly = await endpoint(["invoice.issued"]);

    const job = await addPickupJob(harness, site, { status: "READY_FOR_PICKUP", paymentStatus: "UNPAID", priceCents: 5_000, customer: "Mary Somerville" });
    const email = `mary-${randomUUID()}@example.com`;
    const { customerId } = await harness.db.prisma.job.findUniqueOrThrow({ where: { id: job.id }, select: { customerId: true } });
    await harness.db.prisma.customer.update({ where: { id: customerId ?? "" }, data: { email } });
    // A deposit taken at the counter (it issues its own receipt), and the rest paid online and
    // imported without one: the handover issues that one.
    await inSite(harness.db.prisma, site.siteId, (tx) =>
      recordPayment(tx, {
        siteId: site.siteId,
        jobId: job.id,
        provider: "cash",
        providerReference: `cash-${randomUUID()}`,
        amountCents: 2_000,
        currency: "EUR",
        actor: { kind: "USER", userId: site.users.STAFF.id, stationId: site.stationId },
      }),
    );
    await harness.db.prisma.payment.create({
      data: { siteId: site.siteId, jobId: job.id, provider: "storefront", providerReference: `shop-${randomUUID()}`, amountCents: 3_000, currency: "EUR" },
    });
    await harness.db.prisma.job.update({ where: { id: job.id }, data: { paymentStatus: "PAID" } });
    const jobsBefore = new Set((await graphileJobs(harness, site.siteId)).map((j) => j.id));
    const eventsBefore = new Set((await harness.db.prisma.jobEvent.findMany({ where: { jobId: job.id }, select: { id: true } })).map((e) => e.id));

    const clientMutationId = randomUUID();
    const answer = await site.as.STAFF.pickup.confirm({ code: job.pickupCode, clientMutationId, scannedAt: "2026-11-23T10:15:00.000Z" });

    // The answer.
    expect(answer).toMatchObject({
      outcome: "HANDED_OVER",
      replayed: false,
      receiptsIssued: 1,
      job: { id: job.id, status: "PICKED_UP" },
      customer: { name: "Mary Somerville", email },
      payment: { status: "PAID", priceCents: 5_000, paidCents: 5_000, amountDueCents: 0, currency: "EUR" },
      pickedUp: { by: "STAFF of Pickup Ottensen", station: "Pickup Ottensen counter" },
    });
    // Receipts newest first, exactly as the table orders them.
    const receipts = await harness.db.pool.query<{ id: string; payment_id: string | null; amount_cents: number }>(
      "SELECT id::text AS id, payment_id::text AS payment_id, amount_cents FROM receipts WHERE job_id = $1 ORDER BY issued_at DESC, year DESC, number DESC",
      [job.id],
    );
    expect(receipts.rows).toHaveLength(2);
    expect(answer.receipts.map((r) => r.id)).toEqual(receipts.rows.map((r) => r.id));
    expect(receipts.rows.map((r) => r.amount_cents)).toEqual([3_000, 2_000]);
    expect(receipts.rows.every((r) => r.payment_id !== null)).toBe(true);

    // The job row, and a lookup now answering what the confirmation answered.
    const row = await harness.db.prisma.job.findUniqueOrThrow({ where: { id: job.id } });
    expect(row).toMatchObject({ status: "PICKED_UP", queuePosition: null, pickedUpById: site.users.STAFF.id, pickedUpStationId: site.stationId });
    expect(row.pickedUpAt?.toISOString()).toBe(answer.pickedUp?.at);
    const lookup = await site.as.STAFF.pickup.lookup({ code: job.pickupCode });
    const { outcome: _o, receipts: _r, receiptsIssued: _i, replayed: _p, ...facts } = answer;
    expect({ job: lookup.job, customer: lookup.customer, payment: lookup.payment, pickedUp: lookup.pickedUp }).toEqual(facts);

    // One event, naming the receipts.
    const events = (await harness.db.prisma.jobEvent.findMany({ where: { jobId: job.id } })).filter((e) => !eventsBefore.has(e.id));
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({ type: "picked_up", actorKind: "USER", actorUserId: site.users.STAFF.id, actorStationId: site.stationId });
    expect(events[0]?.before).toEqual({ status: "READY_FOR_PICKUP", queuePosition: expect.any(Number) });
    expect(events[0]?.after).toEqual({
      status: "PICKED_UP",
      pickedUpAt: answer.pickedUp?.at,
      pickedUpById: site.users.STAFF.id,
      pickedUpStationId: site.stationId,
      scannedAt: "2026-11-23T10:15:00.000Z",
      clientMutationId,
      receiptIds: answer.receipts.map((r) => r.id),
      receiptsIssued: 1,
    });

    // The receipt mail of the newest receipt, with its send job.
    // The number was taken in the batch that wrote the mail, the webhooks and the stored answer:
    // each carries it as the receipt's INSERT stored it.
    const [receipt] = (await harness.db.pool.query<{ formatted_number: string; number: number }>("SELECT formatted_number, number FROM receipts WHERE id = $1", [answer.receipts[0]?.id])).rows;
    expect(answer.receipts[0]).toMatchObject({ number: receipt?.formatted_number, sequence: receipt?.number });
    expect(receipt?.formatted_number).toMatch(/^RCT-\d{4}-\d{4}$/);
    const mails = await harness.db.pool.query<{ id: string; kind: string; to: string; subject: string; receipt_id: string; status: string; dedupe_key: string }>(
      "SELECT id::text AS id, kind::text AS kind, \"to\", subject, receipt_id::text AS receipt_id, status::text AS status, dedupe_key FROM mail_log WHERE job_id = $1",
      [job.id],
    );
    expect(mails.rows).toEqual([
      {
        id: expect.any(String),
        kind: "RECEIPT",
        to: email,
        subject: expect.stringContaining(`: receipt ${receipt?.formatted_number} for order J-`),
        receipt_id: answer.receipts[0]?.id,
        status: "PENDING",
        dedupe_key: `pickup-receipt:${job.id}`,
      },
    ]);
    const mailId = mails.rows[0]?.id;
    const added = (await graphileJobs(harness, site.siteId)).filter((j) => !jobsBefore.has(j.id));
    const sends = added.filter((j) => j.task === "send_mail");
    expect(sends).toHaveLength(1);
    expect(sends[0]?.payload).toEqual({ siteId: site.siteId, mailLogId: mailId });
    expect(sends[0]?.key).toContain(`mail:${mailId}`);

    // One delivery per subscribed endpoint and event, each with its job; one envelope per event.
    const deliveries = await harness.db.prisma.webhookDelivery.findMany({ where: { siteId: site.siteId }, orderBy: [{ eventType: "asc" }, { endpointId: "asc" }] });
    const byEndpoint = (id: string) => deliveries.filter((d) => d.endpointId === id).map((d) => d.eventType).sort();
    expect(byEndpoint(both)).toEqual(["job.picked_up", "job.status_changed"]);
    expect(byEndpoint(pickupsOnly)).toEqual(["job.picked_up"]);
    expect(byEndpoint(invoicesOnly)).toEqual([]);
    expect(deliveries.every((d) => d.status === "PENDING")).toBe(true);
    const envelope = (type: string) => deliveries.filter((d) => d.eventType === type).map((d) => d.payload as { id: string; data: Record<string, unknown> });
    const picked = envelope("job.picked_up");
    expect(new Set(picked.map((p) => p.id)).size).toBe(1);
    expect(picked[0]?.data).toMatchObject({ pickedUpAt: answer.pickedUp?.at, stationId: site.stationId, receipts: [answer.receipts[0]?.number], job: { id: job.id, status: "PICKED_UP" } });
    const changed = envelope("job.status_changed");
    expect(changed[0]?.data).toMatchObject({ from: "READY_FOR_PICKUP", to: "PICKED_UP", job: { id: job.id, status: "PICKED_UP" } });
    expect(changed[0]?.id).not.toBe(picked[0]?.id);
    const hooks = added.filter((j) => j.task === "deliver_webhook");
    expect(hooks.map((j) => j.payload.deliveryId).sort()).toEqual(deliveries.map((d) => d.id).sort());
    expect(added).toHaveLength(1 + deliveries.length);

    // The scan record and the ledger entry holding the answer.
    const scans = await harness.db.pool.query("SELECT outcome::text AS outcome, job_id::text AS job_id FROM scan_records WHERE client_mutation_id = $1", [clientMutationId]);
    expect(scans.rows).toEqual([{ outcome: "HANDED_OVER", job_id: job.id }]);
    const ledger = await harness.db.prisma.clientMutation.findMany({ where: { mutationId: clientMutationId } });
    expect(ledger).toHaveLength(1);
    expect(ledger[0]?.outcome).toBe("APPLIED");
    expect(ledger[0]?.result).toEqual({ ok: true, confirmation: answer });
  });

  it("takes the site's receipt number as late as it can: in the batch that commits, after it only what needs the number", async () => {
    // Every handover of a site that issues a receipt waits at the site's counter row from the
    // number's take to the commit, so what comes after the take decides the site's handover rate:
    // no round trip to the API, and no statement that does not carry the number.
    const counterSite = await harness.createSite("Pickup Altona");
    const job = await addPickupJob(harness, counterSite, { status: "READY_FOR_PICKUP", paymentStatus: "WAIVED", priceCents: 0, customer: "Emmy Noether" });
    const { customerId } = await harness.db.prisma.job.findUniqueOrThrow({ where: { id: job.id }, select: { customerId: true } });
    await harness.db.prisma.customer.update({ where: { id: customerId ?? "" }, data: { email: `emmy-${randomUUID()}@example.com` } });
    // A pipelined batch's statements are all sent before anything is awaited: those seen before
    // the next microtask went out together.
    const sent: Array<SentStatement & { batch: number }> = [];
    let batch = 0;
    let batchOpen = false;
    const onQuery = (statement: SentStatement) => {
      if (!batchOpen) {
        batchOpen = true;
        queueMicrotask(() => {
          batch += 1;
          batchOpen = false;
        });
      }
      sent.push({ ...statement, batch });
    };
    const prisma = createPrismaClient(harness.db.url, { max: 1, onQuery });
    try {
      const staff = counterSite.users.STAFF;
      const principal: Principal = {
        userId: staff.id,
        siteId: counterSite.siteId,
        role: "STAFF",
        email: staff.email,
        name: "STAFF of Pickup Altona",
        sessionId: randomUUID(),
        stationId: counterSite.stationId,
        stationName: "Pickup Altona counter",
      };
      const answer = await confirmPickup({ prisma }, principal, { code: job.pickupCode, clientMutationId: randomUUID(), scannedAt: new Date() }, "req-counter");
      expect(answer.receiptsIssued).toBe(1);
    } finally {
      await prisma.$disconnect();
    }
    const texts = sent.map((s) => s.text);
    const take = texts.findIndex((t) => t.includes("next_counter"));
    const commit = texts.findIndex((t, i) => i > take && t.trim().toUpperCase() === "COMMIT");
    expect(take).toBeGreaterThan(0);
    expect(commit).toBeGreaterThan(take);
    // The receipt's own INSERT takes the number, in the batch that commits.
    expect(texts[take]).toMatch(/INSERT INTO receipts/);
    expect(sent[take]?.batch).toBe(sent[commit]?.batch);
    const held = texts.slice(take + 1, commit);
    // Its mail (with the send job) and the scan's stored answer (this site has no webhook
    // endpoints, so no deliveries), and nothing read: the subscriptions were read before.
    expect(held.map((t) => /"?(receipts|mail_log|webhook_endpoints|client_mutations)"?/.exec(t)?.[1] ?? t)).toEqual(["mail_log", "client_mutations"]);
    const before = texts.slice(0, take);
    for (const table of ["webhook_endpoints", "job_events", "scan_records"]) expect(before.some((t) => t.includes(table))).toBe(true);
  });

  it("queueing a mail whose dedupe key is taken adds neither a row nor a send job", async () => {
    const first = await inSite(harness.db.prisma, site.siteId, (tx) =>
      queueMail(tx, { siteId: site.siteId, kind: "HANDOFF_REMINDER", to: "lead@example.com", subject: "Handoff", dedupeKey: "reminder:pin" }),
    );
    expect(first).toEqual(expect.any(String));
    const jobsBefore = (await graphileJobs(harness, site.siteId)).length;
    const again = await inSite(harness.db.prisma, site.siteId, (tx) =>
      queueMail(tx, { siteId: site.siteId, kind: "HANDOFF_REMINDER", to: "lead@example.com", subject: "Handoff", dedupeKey: "reminder:pin" }),
    );
    expect(again).toBeNull();
    expect(await graphileJobs(harness, site.siteId)).toHaveLength(jobsBefore);
    const rows = await harness.db.pool.query("SELECT count(*)::int AS n FROM mail_log WHERE site_id = $1 AND dedupe_key = 'reminder:pin'", [site.siteId]);
    expect(rows.rows[0]?.n).toBe(1);
  });
});
