// Money taken at the counter, against a real API server and PostgreSQL with a real console core on
// real SQLite files: online the payment is recorded with its receipt and the handover goes on;
// offline the payment and the handover wait in the outbox, in that order, and reach the server
// once each; a staff member cannot waive, a lead can.
import { describe, expect, it } from "vitest";
import { addJob, apiStackForFile, createSiteSetup, cuttableNetwork, until, type ConsoleRole, type SiteSetup } from "./console-helpers.ts";

const stack = apiStackForFile();

async function counterAt(setup: SiteSetup, role: ConsoleRole = "STAFF") {
  const network = cuttableNetwork();
  const { core } = await stack.console(setup, role, { fetch: network.fetch, liveAnswerTimeoutMs: 5_000 });
  await until(core, (s) => s.connection === "online" && s.lastSyncAt !== null, 30_000);
  return { core, network };
}

const rows = async <T,>(sql: string, params: unknown[]) => (await stack.db.pool.query(sql, params)).rows as T[];

async function moneyOf(jobId: string) {
  const [job] = await rows<{ payment_status: string; status: string }>("SELECT payment_status, status FROM jobs WHERE id = $1", [jobId]);
  const payments = await rows<{ provider: string; amount_cents: number; recorded_by: string | null }>(
    "SELECT provider, amount_cents, recorded_by_id::text AS recorded_by FROM payments WHERE job_id = $1",
    [jobId],
  );
  const receipts = await rows<{ number: string }>("SELECT formatted_number AS number FROM receipts WHERE job_id = $1 ORDER BY number", [jobId]);
  return { job, payments, receipts };
}

describe("payment at the counter", () => {
  it("online: cash is recorded with a receipt under the person who took it, and the handover goes on", { timeout: 60_000 }, async () => {
    const setup = await createSiteSetup(stack.db, "Counter Cash Works");
    const job = await addJob(stack.db, setup.siteId, { status: "READY_FOR_PICKUP", paymentStatus: "UNPAID" });
    const { core } = await counterAt(setup);

    const before = core.pickup.lookup(job.pickupCode);
    expect(before.canHandOver).toBe(false);
    expect(before.refusal?.reason).toBe("UNPAID");
    expect(before.payment.amountDueCents).toBe(1_500);

    const paid = await core.payments.take(job.id, "cash", before.payment.amountDueCents);
    expect(paid.status).toBe("applied");
    expect(paid.receipts).toHaveLength(1);
    expect(core.pickup.lookup(job.pickupCode).canHandOver).toBe(true);

    const handed = await core.pickup.confirm(job.pickupCode);
    expect(handed.outcome).toBe("handed_over");

    const money = await moneyOf(job.id);
    expect(money.job).toEqual({ payment_status: "PAID", status: "PICKED_UP" });
    expect(money.payments).toEqual([{ provider: "cash", amount_cents: 1_500, recorded_by: setup.users.STAFF.id }]);
    expect(money.receipts.map((r) => r.number)).toEqual(paid.receipts);
  });

  it("offline: the payment and the handover wait in order and are applied once each when the line is back", { timeout: 60_000 }, async () => {
    const setup = await createSiteSetup(stack.db, "Counter Offline Works");
    const job = await addJob(stack.db, setup.siteId, { status: "READY_FOR_PICKUP", paymentStatus: "UNPAID" });
    const { core, network } = await counterAt(setup);

    network.cut(true);
    await until(core, (s) => s.connection !== "online", 30_000).catch(() => undefined);
    const paid = await core.payments.take(job.id, "card", 1_500);
    expect(paid.status).toBe("pending");
    expect(paid.receipts).toEqual([]);
    // The cache shows the payment: the counter goes on to the handover, pending sync.
    expect(core.pickup.lookup(job.pickupCode).canHandOver).toBe(true);
    const handed = await core.pickup.confirm(job.pickupCode);
    expect(handed.outcome).toBe("pending_sync");
    expect((await moneyOf(job.id)).payments).toEqual([]);

    network.cut(false);
    void core.sync.now();
    await until(core, (s) => s.connection === "online" && s.outboxSize === 0, 30_000);
    const money = await moneyOf(job.id);
    expect(money.job).toEqual({ payment_status: "PAID", status: "PICKED_UP" });
    expect(money.payments).toEqual([{ provider: "card", amount_cents: 1_500, recorded_by: setup.users.STAFF.id }]);
    expect(money.receipts).toHaveLength(1);

    // One ledger answer per change: a repeat of either (a lost answer) gets that answer, not a second payment.
    const ledger = await rows<{ n: number }>("SELECT count(*)::int AS n FROM client_mutations WHERE site_id = $1 AND type IN ('payment.record', 'pickup.confirm')", [setup.siteId]);
    expect(ledger[0]?.n).toBe(2);
      });

  it("only a lead waives, and the waiver lets the handover go on", { timeout: 60_000 }, async () => {
    const setup = await createSiteSetup(stack.db, "Counter Waive Works");
    const job = await addJob(stack.db, setup.siteId, { status: "READY_FOR_PICKUP", paymentStatus: "UNPAID" });
    const staff = await counterAt(setup, "STAFF");
    await expect(staff.core.payments.waive(job.id, "Remake after a misprint")).rejects.toMatchObject({ reason: "FORBIDDEN" });
    expect((await moneyOf(job.id)).job?.payment_status).toBe("UNPAID");

    const lead = await counterAt(setup, "LEAD");
    const waived = await lead.core.payments.waive(job.id, "Remake after a misprint");
    expect(waived.status).toBe("applied");
    expect(lead.core.pickup.lookup(job.pickupCode).canHandOver).toBe(true);
    expect((await moneyOf(job.id)).job?.payment_status).toBe("WAIVED");
    // A job that owes nothing takes no payment.
    await expect(lead.core.payments.take(job.id, "cash", 100)).rejects.toMatchObject({ reason: "DUPLICATE" });
  });
});
