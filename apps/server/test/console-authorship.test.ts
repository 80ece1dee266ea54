// A console's waiting changes keep their author (a real API, real PostgreSQL, a real console core on
// SQLite): the server ends a session with handovers and a note waiting, another person signs in at
// that console and nothing of them is sent; their author signs in again and everything is sent and
// recorded as theirs. A lead's offline handoff survives a staff sign-in, and a change refused only
// because of who is signed in (the author's role lowered meanwhile) waits instead of being dropped.
import type { ConsoleCore, ConsoleCoreOptions } from "@orderdeck/console-core";
import { z } from "zod";
import { describe, expect, it } from "vitest";
import { addJob, adminOf, apiStackForFile, createSiteSetup, cuttableNetwork, eventually, PASSWORD, until, type ConsoleRole, type SiteSetup } from "./console-helpers.ts";

const stack = apiStackForFile();

async function consoleAt(setup: SiteSetup, role: ConsoleRole, options: Partial<ConsoleCoreOptions> = {}) {
  const network = cuttableNetwork();
  const { core } = await stack.console(setup, role, { fetch: network.fetch, liveAnswerTimeoutMs: 300, ...options });
  await synced(core);
  return { core, network };
}

const synced = (core: ConsoleCore) => until(core, (s) => s.connection === "online" && s.lastSyncAt !== null, 30_000);

/** Asks for a sync now and waits until the console's state shows `ready`. */
async function syncUntil(core: ConsoleCore, ready: Parameters<typeof until>[1]): Promise<void> {
  void core.sync.now();
  await until(core, ready, 30_000);
}

async function signInAs(core: ConsoleCore, setup: SiteSetup, role: ConsoleRole): Promise<void> {
  await core.setup.signIn(setup.users[role].email, PASSWORD);
  // The first cycle after a sign-in pushes, then pulls: online means it has run.
  await until(core, (s) => s.signedIn && s.connection === "online", 30_000);
}

const rows = async (sql: string, params: unknown[]) => (await stack.db.pool.query(sql, params)).rows;

describe("the server ends a session while its changes wait", () => {
  it("sends nothing of them under the next person, and everything under their author when they are back", { timeout: 60_000 }, async () => {
    const setup = await createSiteSetup(stack.db, "Revoked Works");
    const ready: Array<Awaited<ReturnType<typeof addJob>>> = [];
    for (let i = 0; i < 3; i++) ready.push(await addJob(stack.db, setup.siteId, { status: "READY_FOR_PICKUP" }));
    const queued = await addJob(stack.db, setup.siteId);
    const { core, network } = await consoleAt(setup, "STAFF");
    const staff = setup.users.STAFF.id;

    network.cut(true);
    await syncUntil(core, (s) => s.connection === "offline");
    for (const job of ready) expect(await core.pickup.confirm(job.pickupCode)).toMatchObject({ outcome: "pending_sync" });
    expect(await core.jobs.note(queued.id, "Glue the hinge before handing over")).toMatchObject({ status: "pending" });
    expect(core.sync.state().outboxSize).toBe(4);

    // Meanwhile an admin disables the account and enables it again: the server ends its sessions.
    const admin = await adminOf(stack.api, setup);
    await admin.mutation("users.disable", { userId: staff }, z.unknown());
    await admin.mutation("users.enable", { userId: staff }, z.unknown());
    network.cut(false);
    await syncUntil(core, (s) => !s.signedIn);
    expect(core.sync.state().outboxSize).toBe(4);

    const nothingSent = async () => {
      expect(await rows("SELECT id FROM client_mutations WHERE site_id = $1", [setup.siteId])).toEqual([]);
      expect(await rows("SELECT id FROM scan_records WHERE site_id = $1", [setup.siteId])).toEqual([]);
      expect(await rows("SELECT id FROM job_events WHERE site_id = $1", [setup.siteId])).toEqual([]);
      expect(await rows("SELECT status::text, notes FROM jobs WHERE id = ANY($1::uuid[]) ORDER BY status", [[...ready.map((j) => j.id), queued.id]])).toEqual([
        { status: "QUEUED", notes: null },
        ...ready.map(() => ({ status: "READY_FOR_PICKUP", notes: null })),
      ]);
    };
    await nothingSent();

    // Another person signs in at that console: they sync, and the changes still wait for their author.
    await signInAs(core, setup, "LEAD");
    await nothingSent();
    // The status bar's "4 changes waiting for STAFF of Revoked Works to sign in".
    expect(core.sync.state()).toMatchObject({ outboxSize: 4, waitingFor: [{ userId: staff, name: "STAFF of Revoked Works", count: 4 }] });
    // The lead sees them among the exceptions, with the console that holds them.
    const waiting = core.outbox.waiting();
    expect(waiting.station).toEqual(core.setup.state().station);
    expect(waiting.changes.map((c) => [c.authorName, c.description.split(" ")[0]])).toEqual([
      ["STAFF of Revoked Works", "Handover"],
      ["STAFF of Revoked Works", "Handover"],
      ["STAFF of Revoked Works", "Handover"],
      ["STAFF of Revoked Works", "Note"],
    ]);
    expect((await core.setup.signOut()).user).toBeNull();
    await nothingSent();

    // Their author signs in again: everything goes out, recorded as theirs.
    await signInAs(core, setup, "STAFF");
    await until(core, (s) => s.outboxSize === 0 && s.connection === "online");
    expect(await rows("SELECT user_id::text AS user, outcome::text FROM client_mutations WHERE site_id = $1", [setup.siteId])).toEqual(
      Array.from({ length: 4 }, () => ({ user: staff, outcome: "APPLIED" })),
    );
    expect(await rows("SELECT user_id::text AS user, outcome::text FROM scan_records WHERE site_id = $1", [setup.siteId])).toEqual(
      Array.from({ length: 3 }, () => ({ user: staff, outcome: "HANDED_OVER" })),
    );
    expect(await rows("SELECT picked_up_by_id::text AS by FROM jobs WHERE id = ANY($1::uuid[]) AND status = 'PICKED_UP'", [ready.map((j) => j.id)])).toEqual(
      Array.from({ length: 3 }, () => ({ by: staff })),
    );
    expect(await rows("SELECT type, actor_user_id::text AS actor FROM job_events WHERE site_id = $1 ORDER BY type", [setup.siteId])).toEqual([
      ...Array.from({ length: 3 }, () => ({ type: "picked_up", actor: staff })),
      { type: "updated", actor: staff },
    ]);
    expect(await rows("SELECT notes FROM jobs WHERE id = $1", [queued.id])).toEqual([{ notes: "Glue the hinge before handing over" }]);
    expect(core.notices.list()).toEqual([]);
  });
});

describe("a lead's offline handoff", () => {
  it("survives a staff sign-in (not sent, not dropped) and is sent when the lead signs in again", { timeout: 60_000 }, async () => {
    const setup = await createSiteSetup(stack.db, "Handoff Works");
    const { core, network } = await consoleAt(setup, "LEAD", { backoff: { minMs: 60_000, maxMs: 60_000 } });
    const lead = setup.users.LEAD.id;

    network.cut(true);
    await syncUntil(core, (s) => s.connection === "offline");
    expect(await core.handoff.create("Printer 2 jams on PETG; order 1042 waits for its customer")).toMatchObject({ status: "pending" });
    // Its push has failed, and the next try is a minute away: no push is on its way while the lead signs out.
    await eventually(() => network.refused("sync.push"), (n) => n > 0);
    // Signing out offline is allowed: the handoff waits for the lead, on this console.
    expect((await core.setup.signOut()).user).toBeNull();
    expect(core.sync.state()).toMatchObject({ outboxSize: 1, waitingFor: [{ userId: lead, name: "LEAD of Handoff Works", count: 1 }] });
    network.cut(false);

    await signInAs(core, setup, "STAFF");
    expect(await rows("SELECT id FROM handoffs WHERE site_id = $1", [setup.siteId])).toEqual([]);
    expect(await rows("SELECT id FROM client_mutations WHERE site_id = $1", [setup.siteId])).toEqual([]);
    expect(core.sync.state()).toMatchObject({ outboxSize: 1, waitingFor: [{ userId: lead, count: 1 }] });
    expect(core.notices.list()).toEqual([]);
    await core.setup.signOut();

    await signInAs(core, setup, "LEAD");
    await until(core, (s) => s.outboxSize === 0);
    expect(await rows("SELECT created_by_id::text AS by, notes FROM handoffs WHERE site_id = $1", [setup.siteId])).toEqual([
      { by: lead, notes: "Printer 2 jams on PETG; order 1042 waits for its customer" },
    ]);
    expect(core.handoff.list().map((h) => h.createdBy.id)).toEqual([lead]);
  });

  it("waits, and is not dropped, while its author's role is too low for it, and is sent when they have it again", { timeout: 60_000 }, async () => {
    const setup = await createSiteSetup(stack.db, "Demoted Works");
    const { core, network } = await consoleAt(setup, "LEAD");
    const lead = setup.users.LEAD.id;
    const admin = await adminOf(stack.api, setup);

    network.cut(true);
    await syncUntil(core, (s) => s.connection === "offline");
    await core.handoff.create("Written as a lead");
    // The lead's role is lowered meanwhile (which ends their sessions); they sign in again as STAFF.
    await admin.mutation("users.changeRole", { userId: lead, role: "STAFF" }, z.unknown());
    network.cut(false);
    await syncUntil(core, (s) => !s.signedIn);
    await signInAs(core, setup, "LEAD");
    // The server refused it for the role alone: it waits, with a notice saying why, and nothing is recorded.
    expect(core.sync.state()).toMatchObject({ signedIn: true, outboxSize: 1, waitingFor: [] });
    expect(core.notices.list().map((n) => n.message)).toEqual([
      "The shift handoff waits on this console: Writing a handoff needs the LEAD role; you are signed in as STAFF. It is sent again when LEAD of Demoted Works next signs in.",
    ]);
    expect(await rows("SELECT id FROM handoffs WHERE site_id = $1", [setup.siteId])).toEqual([]);
    expect(await rows("SELECT id FROM client_mutations WHERE site_id = $1", [setup.siteId])).toEqual([]);
    // Not sent again under the session that was refused it.
    await core.sync.now();
    expect(core.sync.state().outboxSize).toBe(1);
    expect(core.notices.list()).toHaveLength(1);

    await admin.mutation("users.changeRole", { userId: lead, role: "LEAD" }, z.unknown());
    await syncUntil(core, (s) => !s.signedIn);
    await signInAs(core, setup, "LEAD");
    await until(core, (s) => s.outboxSize === 0);
    expect(await rows("SELECT created_by_id::text AS by, notes FROM handoffs WHERE site_id = $1", [setup.siteId])).toEqual([{ by: lead, notes: "Written as a lead" }]);
  });
});
