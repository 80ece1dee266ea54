// The handoff summary's row part is one function in contracts (summariseHandoffRows), fed rows by
// the server from PostgreSQL and by a console from its SQLite cache. Here both feed it the same
// site — a real API and database, a real console synced from it — and must get the same answer.
import { openDatabase } from "@orderdeck/console-core";
import { summariseHandoffRows } from "@orderdeck/contracts";
import { inSite } from "@orderdeck/db";
import { describe, expect, it } from "vitest";
// The row readers are internal to each side; the test reads them where they live rather than
// widening either package's exports for it.
import { handoffJobRows as serverRows } from "../../../packages/api/src/handoff/summary.ts";
import { handoffJobRows as cacheRows } from "../../../packages/console-core/src/store/handoff.ts";
import { addJob, apiStackForFile, createSiteSetup, until } from "./console-helpers.ts";

const stack = apiStackForFile();

// Jobs made in one millisecond tie, and each side lists ties in its own order (ids, the board).
const nextMillisecond = () => new Promise((resolve) => setTimeout(resolve, 5));

describe("the handoff summary's rows", () => {
  it("give the same summary from the server's database and from a console's cache", { timeout: 60_000 }, async () => {
    const setup = await createSiteSetup(stack.db, "Handoff Rows Works");
    const from = new Date(Date.now() - 3_600_000);
    const queued = [];
    for (let i = 0; i < 3; i++) {
      queued.push(await addJob(stack.db, setup.siteId));
      await nextMillisecond();
    }
    const unpaid = await addJob(stack.db, setup.siteId, { status: "READY_FOR_PICKUP", paymentStatus: "UNPAID" });
    await nextMillisecond();
    const waiting = await addJob(stack.db, setup.siteId, { status: "READY_FOR_PICKUP" });
    await nextMillisecond();
    const collected = await addJob(stack.db, setup.siteId, { status: "READY_FOR_PICKUP" });
    const customer = await stack.db.prisma.customer.create({ data: { siteId: setup.siteId, name: "Grace" } });
    await stack.db.prisma.job.update({ where: { id: waiting.id }, data: { customerId: customer.id } });

    const { core, dir } = await stack.console(setup, "LEAD");
    await until(core, (s) => s.connection === "online" && s.lastSyncAt !== null, 30_000);
    expect((await core.pickup.confirm(collected.pickupCode)).outcome).toBe("handed_over");
    await core.sync.now();
    await until(core, (s) => s.connection === "online" && s.outboxSize === 0, 30_000);

    const period = { from, to: new Date(Date.now() + 60_000) };
    const fromServer = await inSite(stack.db.prisma, setup.siteId, (tx) => serverRows(tx, setup.siteId, { ...period, basis: "chosen" }));
    const cache = openDatabase(dir);
    const fromCache = (() => {
      try {
        return cacheRows(cache);
      } finally {
        cache.close();
      }
    })();

    const iso = { from: period.from.toISOString(), to: period.to.toISOString() };
    const server = summariseHandoffRows(fromServer, iso);
    expect(summariseHandoffRows(fromCache, iso)).toEqual(server);

    expect(server.counts).toEqual({ received: 6, pickedUp: 1, readyWaiting: 2, readyUnpaid: 1 });
    expect(server.received.map((r) => r.jobId)).toEqual([...queued.map((j) => j.id), unpaid.id, waiting.id, collected.id]);
    expect(server.pickedUp).toEqual([expect.objectContaining({ jobId: collected.id, by: `LEAD of Handoff Rows Works` })]);
    expect(server.readyWaiting).toEqual([
      expect.objectContaining({ jobId: unpaid.id, unpaid: true, amountDue: "€15.00" }),
      expect.objectContaining({ jobId: waiting.id, unpaid: false, customer: "Grace" }),
    ]);
  });
});
