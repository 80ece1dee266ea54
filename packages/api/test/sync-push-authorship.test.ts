// The client-mutation ledger belongs to a console installation, not to a station: a console enrolled
// again (same installation key, new station) is answered from the ledger for every kind of change it
// sent before, applying none twice; another installation can neither read nor block its entries.
// A change refused only for who sends it (a role the sender lacks now, another person's change) is
// answered "deferred" and recorded nowhere, so it is applied once its author can send it.
import { randomBytes, randomUUID } from "node:crypto";
import type { SyncMutationEnvelope, SyncMutationType, UserRole } from "@orderdeck/contracts";
import { describe, expect, it } from "vitest";
import { apiHarnessForFile, TEST_PASSWORD, type Caller, type SiteFixture } from "./harness.ts";
import { insertJob } from "./jobs-fixtures.ts";
import { addPickupJob, count } from "./pickup-helpers.ts";

let ipCounter = 0;
const freshIp = () => `203.0.113.${++ipCounter}`;

const harness = await apiHarnessForFile();
const site = await harness.createSite("Ledger Leipzig");
const otherSite = await harness.createSite("Ledger Dresden");

function mutation(type: SyncMutationType, args: unknown, authorId?: string): SyncMutationEnvelope {
  return { id: randomUUID(), type, args, clientTime: new Date().toISOString(), ...(authorId ? { authorId } : {}) };
}

const newKey = () => randomBytes(32).toString("base64url");

interface EnrolledConsole {
  stationId: string;
  as(role: UserRole): Promise<Caller>;
}

/** A console enrolled through the real procedures (an admin's code), optionally with its installation key. */
async function enrollConsole(at: SiteFixture, installationKey?: string): Promise<EnrolledConsole> {
  const { code } = await at.as.ADMIN.stations.createEnrollment({ name: `Console ${randomUUID().slice(0, 6)}` });
  const enrolled = await harness.caller({}, freshIp()).stations.enroll({ code, ...(installationKey ? { installationKey } : {}) });
  return {
    stationId: enrolled.station.id,
    async as(role) {
      const signedIn = await harness
        .caller({ stationToken: enrolled.stationToken }, freshIp())
        .auth.login({ email: at.users[role].email, password: TEST_PASSWORD });
      return harness.caller({ authorization: `Bearer ${signedIn.token}`, stationToken: enrolled.stationToken });
    },
  };
}

/** What a replay must leave alone at the site. */
async function siteDigest(siteId: string): Promise<string> {
  const result = await harness.db.pool.query<{ digest: string }>(
    `SELECT md5(string_agg(t, '|' ORDER BY t)) AS digest FROM (
       SELECT 'jobs:' || md5(COALESCE(string_agg(j::text, ',' ORDER BY j.id), '')) AS t FROM jobs j WHERE site_id = $1
       UNION ALL SELECT 'events:' || count(*)::text FROM job_events WHERE site_id = $1
       UNION ALL SELECT 'receipts:' || count(*)::text FROM receipts WHERE site_id = $1
       UNION ALL SELECT 'scans:' || count(*)::text FROM scan_records WHERE site_id = $1
       UNION ALL SELECT 'handoffs:' || md5(COALESCE(string_agg(h::text, ',' ORDER BY h.id), '')) FROM handoffs h WHERE site_id = $1
       UNION ALL SELECT 'ledger:' || md5(COALESCE(string_agg(m::text, ',' ORDER BY m.id), '')) FROM client_mutations m WHERE site_id = $1
     ) parts`,
    [siteId],
  );
  return result.rows[0]?.digest ?? "";
}

const ledgerRows = (mutationId: string) => count(harness, "SELECT count(*) AS n FROM client_mutations WHERE mutation_id = $1", [mutationId]);

describe("a console enrolled again", () => {
  it("is answered from the ledger for every kind of change its earlier station sent, and applies none twice", async () => {
    const key = newKey();
    const ready = await addPickupJob(harness, site, { status: "READY_FOR_PICKUP", paymentStatus: "PAID" });
    const online = await addPickupJob(harness, site, { status: "READY_FOR_PICKUP", paymentStatus: "PAID" });
    const queued = await insertJob(harness, site);
    const written = await site.as.LEAD.handoff.create({ notes: "Written elsewhere, acknowledged here" });
    const first = await enrollConsole(site, key);
    const [staff, lead, admin] = [await first.as("STAFF"), await first.as("LEAD"), await first.as("ADMIN")];
    const staffBatch = [
      mutation("pickup.confirm", { code: ready.pickupCode, scannedAt: new Date().toISOString(), offline: true }),
      mutation("job.note", { id: queued.id, version: 1, notes: "Once only" }),
      mutation("job.transition", { id: queued.id, version: 2, to: "IN_PROGRESS" }),
    ];
    const leadBatch = [mutation("handoff.create", { notes: "Printer 2 jams" })];
    const adminBatch = [mutation("handoff.acknowledge", { id: written.id })];
    const scanId = randomUUID();
    const answers = [
      await staff.sync.push({ mutations: staffBatch }),
      await lead.sync.push({ mutations: leadBatch }),
      await admin.sync.push({ mutations: adminBatch }),
    ];
    const confirmed = await staff.pickup.confirm({ code: online.pickupCode, clientMutationId: scanId, scannedAt: new Date().toISOString() });
    expect(answers.flatMap((a) => a.results.map((r) => r.status))).toEqual(["applied", "applied", "applied", "applied", "applied"]);
    const handoffId = answers[1]?.results[0]?.handoff?.id;

    // Its station is revoked and the console is enrolled again with a new code: a new station.
    await site.as.ADMIN.stations.revoke({ stationId: first.stationId });
    const again = await enrollConsole(site, key);
    expect(again.stationId).not.toBe(first.stationId);
    const before = await siteDigest(site.siteId);
    const replays = [
      await (await again.as("STAFF")).sync.push({ mutations: staffBatch }),
      await (await again.as("LEAD")).sync.push({ mutations: leadBatch }),
      await (await again.as("ADMIN")).sync.push({ mutations: adminBatch }),
    ];
    const reconfirmed = await (await again.as("STAFF")).pickup.confirm({ code: online.pickupCode, clientMutationId: scanId, scannedAt: new Date().toISOString() });
    expect(await siteDigest(site.siteId)).toBe(before);
    expect(replays.flatMap((a) => a.results.map((r) => [r.status, r.replayed]))).toEqual(Array.from({ length: 5 }, () => ["applied", true]));
    expect(replays[1]?.results[0]?.handoff?.id).toBe(handoffId);
    expect(reconfirmed).toMatchObject({ replayed: true, receipts: confirmed.receipts });
    expect(await count(harness, "SELECT count(*) AS n FROM handoffs WHERE site_id = $1 AND notes = 'Printer 2 jams'", [site.siteId])).toBe(1);
    expect(await count(harness, "SELECT count(*) AS n FROM job_events WHERE job_id = $1", [queued.id])).toBe(2);
    expect(await count(harness, "SELECT count(*) AS n FROM job_events WHERE job_id = ANY($1::uuid[]) AND type = 'picked_up'", [[ready.id, online.id]])).toBe(2);
  });

  it("without its key, or at another site, is a console of its own", async () => {
    const key = newKey();
    const queued = await insertJob(harness, site);
    const note = mutation("job.note", { id: queued.id, version: 1, notes: "First console" });
    const first = await enrollConsole(site, key);
    await (await first.as("STAFF")).sync.push({ mutations: [note] });

    // No key: a new installation; the same mutation id is a change of its own (here: a stale version).
    const keyless = await enrollConsole(site);
    const fresh = await (await keyless.as("STAFF")).sync.push({ mutations: [note] });
    expect(fresh.results[0]).toMatchObject({ status: "conflict", replayed: false });

    // The same key at another site: that site's own installation; the first site's job is not there.
    const elsewhere = await enrollConsole(otherSite, key);
    const there = await (await elsewhere.as("STAFF")).sync.push({ mutations: [note] });
    expect(there.results[0]).toMatchObject({ status: "rejected", reason: "NOT_FOUND", replayed: false });
    expect((await harness.db.prisma.job.findUniqueOrThrow({ where: { id: queued.id } })).notes).toBe("First console");
    const installations = await harness.db.pool.query<{ installation_id: string }>(
      "SELECT DISTINCT installation_id::text FROM stations WHERE id = ANY($1::uuid[])",
      [[first.stationId, keyless.stationId, elsewhere.stationId]],
    );
    expect(installations.rowCount).toBe(3);
  });
});

describe("another installation, even one out to do harm", () => {
  it("neither reads a console's ledger entries nor blocks them by taking its mutation ids first", async () => {
    const mine = await insertJob(harness, site);
    const theirs = await insertJob(harness, site);
    const honest = await enrollConsole(site, newKey());
    const hostile = await enrollConsole(site, newKey());
    const [honestStaff, hostileStaff] = [await honest.as("STAFF"), await hostile.as("STAFF")];

    // Reading: the honest console's id sent by the hostile one is answered as the hostile one's own change.
    const sent = mutation("job.note", { id: mine.id, version: 1, notes: "Honest note" });
    await honestStaff.sync.push({ mutations: [sent] });
    const probe = await hostileStaff.sync.push({ mutations: [{ ...sent, args: { id: theirs.id, version: 1, notes: "Probe" } }] });
    expect(probe.results[0]).toMatchObject({ status: "applied", replayed: false, job: { id: theirs.id, notes: "Probe" } });
    expect(probe.results[0]?.job?.id).not.toBe(mine.id);

    // Blocking: an id taken first by the hostile console is still the honest console's to use.
    const later = mutation("job.transition", { id: mine.id, version: 2, to: "IN_PROGRESS" });
    await hostileStaff.sync.push({ mutations: [{ ...later, args: { id: theirs.id, version: 2, to: "ON_HOLD" } }] });
    const mineAnswer = await honestStaff.sync.push({ mutations: [later, sent] });
    expect(mineAnswer.results.map((r) => [r.status, r.replayed, r.job?.id])).toEqual([
      ["applied", false, mine.id],
      ["applied", true, mine.id],
    ]);
    expect(await harness.db.prisma.job.findUniqueOrThrow({ where: { id: mine.id } })).toMatchObject({ status: "IN_PROGRESS", notes: "Honest note" });
    expect(await ledgerRows(later.id)).toBe(2);
  });
});

describe("a change refused only for who sends it", () => {
  it("is deferred and recorded nowhere while its author lacks the role, then applied once they have it", async () => {
    const staffUser = site.users.STAFF.id;
    const staff = await enrollConsole(site, newKey());
    const handoff = mutation("handoff.create", { notes: "Written while a lead" }, staffUser);
    const before = await siteDigest(site.siteId);
    const deferred = await (await staff.as("STAFF")).sync.push({ mutations: [handoff] });
    expect(deferred.results[0]).toMatchObject({ status: "deferred", reason: "FORBIDDEN", replayed: false });
    expect(deferred.results[0]?.message).toMatch(/needs the LEAD role; you are signed in as STAFF/);
    expect(await siteDigest(site.siteId)).toBe(before);
    expect(await ledgerRows(handoff.id)).toBe(0);

    await harness.db.prisma.user.update({ where: { id: staffUser }, data: { role: "LEAD" } });
    try {
      const applied = await (await staff.as("STAFF")).sync.push({ mutations: [handoff] });
      expect(applied.results[0]).toMatchObject({ status: "applied", replayed: false, handoff: { notes: "Written while a lead", createdBy: { id: staffUser } } });
    } finally {
      await harness.db.prisma.user.update({ where: { id: staffUser }, data: { role: "STAFF" } });
    }
    expect(await ledgerRows(handoff.id)).toBe(1);
  });

  it("is deferred when another person's session sends it, and applied under its author's", async () => {
    const job = await insertJob(harness, site);
    const console = await enrollConsole(site, newKey());
    const note = mutation("job.note", { id: job.id, version: 1, notes: "The lead's note" }, site.users.LEAD.id);
    const before = await siteDigest(site.siteId);
    const underStaff = await (await console.as("STAFF")).sync.push({ mutations: [note] });
    expect(underStaff.results[0]).toMatchObject({ status: "deferred", reason: "FORBIDDEN", replayed: false });
    expect(await siteDigest(site.siteId)).toBe(before);

    const underLead = await (await console.as("LEAD")).sync.push({ mutations: [note] });
    expect(underLead.results[0]).toMatchObject({ status: "applied", replayed: false, job: { notes: "The lead's note" } });
    const event = await harness.db.pool.query<{ actor: string }>("SELECT actor_user_id::text AS actor FROM job_events WHERE job_id = $1", [job.id]);
    expect(event.rows).toEqual([{ actor: site.users.LEAD.id }]);
  });
});
