// localRouter.online.* against a real API and PostgreSQL: the console's exceptions, operations
// and admin screens call the server live with the station's session. A signed-in console lists
// exceptions, a lead retries a failed task, an admin creates a user and changes the SLA
// thresholds; the server's role checks and refusals reach the renderer with their code, reason
// and message; bad input is refused in the console before anything is sent; offline, every one of
// these refuses with reason OFFLINE.
import { createLocalRouter } from "@orderdeck/console-core";
import { inSite } from "@orderdeck/db";
import { TRPCError } from "@trpc/server";
import { beforeAll, describe, expect, it } from "vitest";
import { apiStackForFile, addJob, createSiteSetup, type ConsoleRole, type SiteSetup } from "./console-helpers.ts";

const stack = apiStackForFile();
let setup: SiteSetup;

beforeAll(async () => {
  setup = await createSiteSetup(stack.db, "Online Works");
});

/** The localRouter a renderer would talk to, of a console enrolled and signed in as `role`. */
async function consoleAs(role: ConsoleRole) {
  const { core } = await stack.console(setup, role);
  return createLocalRouter({ serverUrl: () => core.serverUrl, core }).createCaller({});
}

/** The refusal as the renderer sees it: tRPC code, the reason in data, the message. */
async function refusalOf(call: Promise<unknown>): Promise<{ code: string; reason: string | undefined; message: string }> {
  try {
    await call;
  } catch (error) {
    expect(error).toBeInstanceOf(TRPCError);
    const refusal = error as TRPCError;
    const reason = (refusal.cause as { reason?: string } | undefined)?.reason;
    return { code: refusal.code, reason, message: refusal.message };
  }
  throw new Error("expected the call to be refused, but it succeeded");
}

/** A background task of the site that has used up its attempts (FAILED), parked so nothing runs it. */
async function failedTask(): Promise<string> {
  const id = await inSite(stack.db.prisma, setup.siteId, async (tx) => {
    const rows = await tx.$queryRaw<Array<{ id: string }>>`
      SELECT app_enqueue('retention_site', ${JSON.stringify({ siteId: setup.siteId })}::json, ${`online-${Date.now()}`}::text,
                         ${new Date(Date.now() + 3_600_000).toISOString()}::timestamptz, 5, NULL)::text AS id`;
    return rows[0]?.id as string;
  });
  await stack.db.pool.query("UPDATE graphile_worker._private_jobs SET attempts = max_attempts, last_error = 'mail server said no' WHERE id = $1", [id]);
  return id;
}

describe("exceptions", () => {
  it("a signed-in console lists the site's exceptions with their jobs", async () => {
    const job = await addJob(stack.db, setup.siteId, { title: "Forgotten bracket" });
    await stack.db.prisma.job.update({ where: { id: job.id }, data: { createdAt: new Date(Date.now() - 200 * 3_600_000) } });
    const local = await consoleAs("STAFF");
    const list = await local.online.exceptions.list({ kinds: ["SLA_BREACH"] });
    const entry = list.items.find((e) => e.job?.id === job.id);
    expect(entry).toMatchObject({ kind: "SLA_BREACH", job: { title: "Forgotten bracket", number: job.number } });
    expect(list.counts.SLA_BREACH).toBeGreaterThanOrEqual(1);
  });
});

describe("operations", () => {
  it("a lead lists failed tasks and retries one: it runs again with fresh attempts", async () => {
    const id = await failedTask();
    const local = await consoleAs("LEAD");
    const overview = await local.online.operations.overview();
    expect(overview.counts).toContainEqual({ task: "retention_site", state: "FAILED", count: 1 });
    const failed = await local.online.operations.list({ states: ["FAILED"] });
    expect(failed.tasks.map((t) => t.id)).toEqual([id]);
    expect(failed.tasks[0]).toMatchObject({ task: "retention_site", lastError: "mail server said no" });

    const retried = await local.online.operations.retry({ ids: [id, "999999999"] });
    expect(retried).toMatchObject({ succeeded: 1, failed: 1 });
    expect(retried.results).toContainEqual({ id, ok: true });
    expect(retried.results.find((r) => r.id === "999999999")).toMatchObject({ ok: false, reason: "NOT_FOUND" });
    const row = await stack.db.pool.query<{ attempts: number }>("SELECT attempts FROM graphile_worker._private_jobs WHERE id = $1", [id]);
    expect(row.rows[0]?.attempts).toBe(0);
    expect((await local.online.operations.list({ states: ["FAILED"] })).tasks).toEqual([]);
  });

  it("staff are refused the operations with FORBIDDEN and the server's message", async () => {
    const local = await consoleAs("STAFF");
    expect(await refusalOf(local.online.operations.overview())).toEqual({
      code: "FORBIDDEN",
      reason: "FORBIDDEN",
      message: "This needs the LEAD role; you are signed in as STAFF.",
    });
  });
});

describe("admin", () => {
  it("an admin creates a user who can then sign in, and disables them", async () => {
    const local = await consoleAs("ADMIN");
    const created = await local.online.admin.users.create({ email: "New.Hire@orderdeck.test", name: "New Hire", role: "STAFF", password: "a long first password" });
    expect(created).toMatchObject({ email: "new.hire@orderdeck.test", role: "STAFF", disabled: false, lastSignInAt: null });
    const listed = await local.online.admin.users.list({});
    expect(listed.users.map((u) => u.email)).toContain("new.hire@orderdeck.test");
    expect(await stack.db.prisma.auditLog.count({ where: { siteId: setup.siteId, action: "user.create", target: `user:${created.id}` } })).toBe(1);

    const duplicate = await refusalOf(local.online.admin.users.create({ email: "new.hire@orderdeck.test", name: "Again", role: "STAFF", password: "a long first password" }));
    expect(duplicate).toEqual({ code: "CONFLICT", reason: "DUPLICATE", message: "That email address already belongs to a user." });

    const disabled = await local.online.admin.users.disable({ userId: created.id });
    expect(disabled.disabled).toBe(true);
  });

  it("an admin changes the SLA thresholds; stale or nonsensical ones are refused with a clear message", async () => {
    const local = await consoleAs("ADMIN");
    const settings = await local.online.admin.site.settings();
    expect(settings).toMatchObject({ name: "Online Works", timezone: "Europe/Berlin", slaWarnHours: 48, slaBreachHours: 96 });
    const changed = await local.online.admin.site.updateSettings({ slaWarnHours: 24, slaBreachHours: 72, version: settings.version });
    expect(changed).toMatchObject({ slaWarnHours: 24, slaBreachHours: 72 });
    expect(await stack.db.prisma.site.findUniqueOrThrow({ where: { id: setup.siteId } })).toMatchObject({ slaWarnHours: 24, slaBreachHours: 72 });

    expect(await refusalOf(local.online.admin.site.updateSettings({ slaWarnHours: 1, slaBreachHours: 2, version: settings.version }))).toMatchObject({
      code: "CONFLICT",
      reason: "VERSION_CONFLICT",
      message: expect.stringMatching(/changed meanwhile/),
    });
    // Checked by the console with the contracts' schema before anything is sent.
    const nonsense = await refusalOf(local.online.admin.site.updateSettings({ slaWarnHours: 72, slaBreachHours: 24, version: changed.version }));
    expect(nonsense.code).toBe("BAD_REQUEST");
    expect(nonsense.message).toContain("The breach threshold must be more hours than the warning threshold.");
    expect(await stack.db.prisma.site.findUniqueOrThrow({ where: { id: setup.siteId } })).toMatchObject({ slaWarnHours: 24, slaBreachHours: 72 });
  });

  it("an admin creates an enrollment code, listed as pending until a console uses it", async () => {
    const local = await consoleAs("ADMIN");
    const created = await local.online.admin.stations.createEnrollment({ name: "Back counter" });
    expect(created.code).toMatch(/^[0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]{4}$/);
    expect((await local.online.admin.stations.list()).pendingEnrollments.map((e) => e.name)).toContain("Back counter");
  });

  it("a staff session is refused every admin call with FORBIDDEN and the server's message", async () => {
    const local = await consoleAs("STAFF");
    const calls: Array<() => Promise<unknown>> = [
      () => local.online.admin.users.list({}),
      () => local.online.admin.users.create({ email: "sneaky@orderdeck.test", name: "Sneaky", role: "ADMIN", password: "a long enough password" }),
      () => local.online.admin.stations.list(),
      () => local.online.admin.webhooks.list(),
      () => local.online.admin.site.settings(),
      () => local.online.admin.intake.sources(),
    ];
    for (const call of calls) {
      const refusal = await refusalOf(call());
      expect(refusal.reason).toBe("FORBIDDEN");
      expect(refusal.code).toBe("FORBIDDEN");
      expect(refusal.message).toMatch(/^This needs the (ADMIN|LEAD) role; you are signed in as STAFF\.$/);
    }
    expect(await stack.db.prisma.user.count({ where: { email: "sneaky@orderdeck.test" } })).toBe(0);
  });
});

describe("offline", () => {
  it("every online feature refuses with reason OFFLINE, naming what needs the server", async () => {
    const staff = await consoleAs("STAFF");
    const admin = await consoleAs("ADMIN");
    await stack.serverDown(async () => {
    const exceptions = await refusalOf(staff.online.exceptions.list({}));
    expect(exceptions).toMatchObject({ code: "PRECONDITION_FAILED", reason: "OFFLINE" });
    expect(exceptions.message).toMatch(/^The exceptions list needs the server, which cannot be reached right now/);
    expect(await refusalOf(admin.online.operations.overview())).toMatchObject({ code: "PRECONDITION_FAILED", reason: "OFFLINE" });
    expect(await refusalOf(admin.online.admin.users.list({}))).toMatchObject({ code: "PRECONDITION_FAILED", reason: "OFFLINE" });
    expect(await refusalOf(admin.online.admin.site.settings())).toMatchObject({ reason: "OFFLINE", message: expect.stringMatching(/^The site settings needs the server/) });
    });
    expect((await admin.online.admin.site.settings()).name).toBe("Online Works");
  });
});
