// The queue board's server-only features through the console's localRouter (online.views /
// forecast / jobs / labels) and the typed online handoff summary, against a real API server and
// PostgreSQL: the answers are the server's, checked against the contracts' schemas, refusals
// keep the server's reason, and with the server gone they refuse with reason OFFLINE.
import { createLocalRouter } from "@orderdeck/console-core";
import { TRPCError } from "@trpc/server";
import { beforeAll, describe, expect, it } from "vitest";
import { apiStackForFile, addJob, createSiteSetup, until, type SiteSetup } from "./console-helpers.ts";

const stack = apiStackForFile();
let setup: SiteSetup;

beforeAll(async () => {
  setup = await createSiteSetup(stack.db, "Board Works");
});

async function callerAs(role: "STAFF" | "LEAD") {
  const { core } = await stack.console(setup, role);
  await until(core, (s) => s.connection === "online" && s.lastSyncAt !== null);
  return { core, caller: createLocalRouter({ serverUrl: stack.api.url, core }).createCaller({}) };
}

async function positions(): Promise<string[]> {
  const rows = await stack.db.pool.query<{ id: string }>(
    "SELECT id::text FROM jobs WHERE site_id = $1 AND queue_position IS NOT NULL ORDER BY queue_position",
    [setup.siteId],
  );
  return rows.rows.map((r) => r.id);
}

describe("the board's online features through localRouter", () => {
  it("reorders on the server (LEAD), and a STAFF console is refused with the server's reason FORBIDDEN", async () => {
    const a = await addJob(stack.db, setup.siteId, { title: "First" });
    const b = await addJob(stack.db, setup.siteId, { title: "Second" });
    const c = await addJob(stack.db, setup.siteId, { title: "Third" });
    const { caller } = await callerAs("LEAD");
    const moved = await caller.online.jobs.reorder({ id: c.id, before: a.id });
    expect(moved).toMatchObject({ id: c.id, renumbered: expect.any(Boolean) });
    const order = await positions();
    expect(order.indexOf(c.id)).toBeLessThan(order.indexOf(a.id));
    expect(order.indexOf(a.id)).toBeLessThan(order.indexOf(b.id));

    const staff = await callerAs("STAFF");
    const refusal = await staff.caller.online.jobs.reorder({ id: a.id, after: b.id }).catch((error: unknown) => error);
    expect(refusal).toBeInstanceOf(TRPCError);
    expect((refusal as TRPCError).code).toBe("FORBIDDEN");
    expect((refusal as TRPCError & { cause: { reason?: string } }).cause.reason).toBe("FORBIDDEN");
    // Nothing moved.
    expect(await positions()).toEqual(order);
  });

  it("answers a bulk change with one result per row: allowed moves done, a refused one says why", async () => {
    const queued = await addJob(stack.db, setup.siteId, { title: "Bulk queued" });
    const ready = await addJob(stack.db, setup.siteId, { title: "Bulk ready", status: "READY_FOR_PICKUP" });
    const { caller } = await callerAs("LEAD");
    const result = await caller.online.jobs.bulk({ ids: [queued.id, ready.id], action: { type: "status", to: "IN_PROGRESS" } });
    expect(result.succeeded).toBe(1);
    expect(result.failed).toBe(1);
    expect(result.results.find((r) => r.id === queued.id)).toMatchObject({ ok: true });
    expect(result.results.find((r) => r.id === ready.id)).toMatchObject({ ok: false, reason: expect.any(String), message: expect.any(String) });
    const statuses = await stack.db.pool.query<{ id: string; status: string }>("SELECT id::text, status::text FROM jobs WHERE id = ANY($1::uuid[])", [[queued.id, ready.id]]);
    expect(Object.fromEntries(statuses.rows.map((r) => [r.id, r.status]))).toEqual({ [queued.id]: "IN_PROGRESS", [ready.id]: "READY_FOR_PICKUP" });
  });

  it("saves, lists, renames and deletes a view; forecasts the queue; renders a label", async () => {
    const job = await addJob(stack.db, setup.siteId, { title: "Label me" });
    const { caller } = await callerAs("STAFF");
    const view = await caller.online.views.create({ name: "Ready ones", filter: { statuses: ["READY_FOR_PICKUP"], archived: "exclude" } });
    expect(view).toMatchObject({ name: "Ready ones", mine: true, filter: { statuses: ["READY_FOR_PICKUP"] } });
    expect((await caller.online.views.list()).map((v) => v.id)).toContain(view.id);
    expect(await caller.online.views.update({ id: view.id, name: "Ready for pickup" })).toMatchObject({ name: "Ready for pickup" });
    expect(await caller.online.views.delete({ id: view.id })).toEqual({ id: view.id, deleted: true });
    expect((await caller.online.views.list()).map((v) => v.id)).not.toContain(view.id);

    const forecast = await caller.online.forecast.capacity({ machines: 2 });
    expect(forecast.machines).toBe(2);
    expect(forecast.jobs.map((j) => j.id)).toContain(job.id);

    const label = await caller.online.labels.job({ jobId: job.id, format: "png" });
    expect(label.format).toBe("png");
    if (label.format === "png") expect(Buffer.from(label.base64, "base64").subarray(1, 4).toString("latin1")).toBe("PNG");
  });

  it("gives the renderer the server's handoff summary typed, counts included", async () => {
    const { caller } = await callerAs("LEAD");
    const summary = await caller.handoff.summary();
    expect(summary.source).toBe("server");
    if (summary.source === "server") {
      expect(summary.summary.counts).toMatchObject({ received: expect.any(Number), readyWaiting: expect.any(Number) });
      expect(summary.summary.period.fromLocal).toEqual(expect.any(String));
    }
  });

  it("refuses with reason OFFLINE while the server is down, and works again when it is back", async () => {
    const a = await addJob(stack.db, setup.siteId, { title: "Offline A" });
    const b = await addJob(stack.db, setup.siteId, { title: "Offline B" });
    const { core, caller } = await callerAs("LEAD");
    await stack.serverDown(async () => {
    await until(core, (s) => s.connection === "offline");
    const refusal = await caller.online.jobs.reorder({ id: b.id, before: a.id }).catch((error: unknown) => error);
    expect(refusal).toBeInstanceOf(TRPCError);
    expect((refusal as TRPCError).code).toBe("PRECONDITION_FAILED");
    expect((refusal as TRPCError & { cause: { reason?: string } }).cause.reason).toBe("OFFLINE");
    await expect(caller.online.views.list()).rejects.toThrow(/Saved views/);
    });
    await until(core, (s) => s.connection === "online");
    await expect(caller.online.jobs.reorder({ id: b.id, before: a.id })).resolves.toMatchObject({ id: b.id });
  });
});
