// Side effects are enqueued in the transaction of the change that causes them: a status change
// that rolls back leaves no mail log row and no job (so nothing can ever be sent), one that
// commits sends exactly one mail, received by a real SMTP server. The database door for
// enqueueing (app_enqueue) only lets a site enqueue for itself.
import { randomUUID } from "node:crypto";
import { formatPickupCode, type JobStatus } from "@orderdeck/contracts";
import { inSite } from "@orderdeck/db";
import { describe, expect, it } from "vitest";
import type { Principal } from "../src/auth/principal.ts";
import { enqueue } from "../src/background/enqueue.ts";
import { afterStatusChange } from "../src/jobs/notify.ts";
import { transitionInTx } from "../src/jobs/lifecycle.ts";
import { eventually, graphileJobs, mailsOf, mailSinkForFile, testWorkerDeps, testWorkerForFile } from "./background-helpers.ts";
import { apiHarnessForFile, type SiteFixture } from "./harness.ts";
import { insertJob } from "./jobs-fixtures.ts";

const harness = await apiHarnessForFile();
const site = await harness.createSite("Enqueue Mitte");
const other = await harness.createSite("Enqueue Nord");

const sink = await mailSinkForFile();
await testWorkerForFile(harness, testWorkerDeps(harness, sink));

function principalOf(fixture: SiteFixture): Principal {
  const user = fixture.users.STAFF;
  return { userId: user.id, siteId: fixture.siteId, role: "STAFF", email: user.email, name: "Staff", sessionId: randomUUID(), stationId: fixture.stationId, stationName: null };
}

async function jobWithCustomer(status: JobStatus, email: string) {
  const customer = await harness.db.prisma.customer.create({ data: { siteId: site.siteId, name: "Ada Lovelace", email } });
  return insertJob(harness, site, { status, customerId: customer.id, title: "Gear housing" });
}

describe("enqueueing in the transaction of the change", () => {
  it("a status change that rolls back leaves no mail, no mail log row and no job", async () => {
    const email = `rollback-${randomUUID()}@example.com`;
    const job = await jobWithCustomer("POST_PROCESSING", email);
    const call = { prisma: harness.db.prisma, principal: principalOf(site), requestId: "rollback-test" };
    await expect(
      inSite(harness.db.prisma, site.siteId, async (tx) => {
        await transitionInTx(call, tx, { id: job.id, to: "READY_FOR_PICKUP" });
        // Inside the transaction the mail and its job exist...
        expect(await tx.mailLog.count({ where: { jobId: job.id } })).toBe(1);
        throw new Error("the change fails after its side effect was enqueued");
      }),
    ).rejects.toThrow(/fails after its side effect/);
    // ...and after the rollback neither does: there is nothing a worker could ever send.
    expect(await mailsOf(harness, { jobId: job.id })).toEqual([]);
    expect((await graphileJobs(harness, site.siteId)).filter((j) => JSON.stringify(j.payload).includes(job.id))).toEqual([]);
    expect((await harness.db.prisma.job.findUniqueOrThrow({ where: { id: job.id } })).status).toBe("POST_PROCESSING");
    expect(sink.messages.filter((m) => m.to.includes(email))).toEqual([]);
  });

  it("a status change that commits sends exactly one mail, received by the SMTP server", async () => {
    const email = `commit-${randomUUID()}@example.com`;
    const job = await jobWithCustomer("POST_PROCESSING", email);
    const moved = await site.as.STAFF.jobs.transition({ id: job.id, to: "READY_FOR_PICKUP" });

    const received = await sink.waitFor((m) => m.to.includes(email));
    expect(received.subject).toBe(`Enqueue Mitte: your order ${moved.displayNumber} (Gear housing) is ready for pickup`);
    expect(received.from).toBe("orders@orderdeck.test");
    expect(received.text).toContain("Hello Ada Lovelace,");
    expect(received.text).toContain(`Pickup code: ${formatPickupCode(job.pickupCode)}`);

    const [mail] = await eventually("the mail log to say SENT", async () => {
      const rows = await mailsOf(harness, { jobId: job.id });
      return rows[0]?.status === "SENT" ? rows : undefined;
    });
    expect(mail).toMatchObject({ kind: "READY_FOR_PICKUP", to: email, status: "SENT", attempts: 1, last_error: null });
    expect(mail?.message_id).toBe(received.messageId);
    await eventually("the send job to be done", async () => (await graphileJobs(harness, site.siteId)).length === 0);
    expect(sink.messages.filter((m) => m.to.includes(email))).toHaveLength(1);
  });

  it("the same transition's side effects, replayed, queue no second mail", async () => {
    const email = `replay-${randomUUID()}@example.com`;
    const job = await jobWithCustomer("POST_PROCESSING", email);
    await site.as.STAFF.jobs.transition({ id: job.id, to: "READY_FOR_PICKUP" });
    const after = await harness.db.prisma.job.findUniqueOrThrow({ where: { id: job.id }, include: { customer: true } });
    const queued = await inSite(harness.db.prisma, site.siteId, async (tx) => {
      await afterStatusChange(tx, { siteId: site.siteId, job: after, from: "POST_PROCESSING", at: new Date() });
      return tx.mailLog.count({ where: { jobId: job.id } });
    });
    expect(queued).toBe(1);
    await sink.waitFor((m) => m.to.includes(email));
    await eventually("the send jobs to be done", async () => (await graphileJobs(harness, site.siteId)).length === 0);
    expect(sink.messages.filter((m) => m.to.includes(email))).toHaveLength(1);
  });

  it("a job without a customer address changes status without any mail", async () => {
    const job = await insertJob(harness, site, { status: "POST_PROCESSING" });
    await site.as.STAFF.jobs.transition({ id: job.id, to: "READY_FOR_PICKUP" });
    expect(await mailsOf(harness, { jobId: job.id })).toEqual([]);
  });
});

describe("app_enqueue, the one door into the job queue", () => {
  it("refuses a payload naming another site, and a transaction acting for no site", async () => {
    await expect(
      inSite(harness.db.prisma, site.siteId, (tx) => enqueue(tx, "retention_site", { siteId: other.siteId })),
    ).rejects.toThrow(/must carry the siteId of the transaction/);
    await expect(
      harness.db.prisma.$transaction(async (tx) => {
        await tx.$executeRaw`SELECT set_config('role', 'orderdeck_app', true)`;
        return enqueue(tx, "retention_site", { siteId: site.siteId });
      }),
    ).rejects.toThrow(/needs a transaction acting for a site/);
  });

  it("the application role cannot reach graphile-worker's tables around it", async () => {
    await expect(
      inSite(harness.db.prisma, site.siteId, (tx) => tx.$queryRaw`SELECT count(*) FROM graphile_worker._private_jobs`),
    ).rejects.toThrow(/permission denied/);
  });

  it("prefixes job keys with the site, so two sites' keys never meet", async () => {
    const key = `same-key-${randomUUID()}`;
    const [a, b] = await Promise.all(
      [site, other].map((fixture) =>
        inSite(harness.db.prisma, fixture.siteId, (tx) =>
          enqueue(tx, "retention_site", { siteId: fixture.siteId }, { jobKey: key, runAt: new Date(Date.now() + 3_600_000) }),
        ),
      ),
    );
    expect(a).not.toBe(b);
    const keys = (await graphileJobs(harness)).filter((j) => j.key?.endsWith(key)).map((j) => j.key);
    expect(keys.sort()).toEqual([`${site.siteId}:${key}`, `${other.siteId}:${key}`].sort());
    await harness.db.pool.query("DELETE FROM graphile_worker._private_jobs WHERE key LIKE $1", [`%${key}`]);
  });
});
