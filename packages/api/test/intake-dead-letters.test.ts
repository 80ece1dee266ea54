// Through the API: malformed rows to the dead-letter table (the run goes on), retried after the
// storefront fixes them; changes to jobs the shop has started (flagged, never moving a job
// back); the exceptions list; sources administration and who may do what.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { apiHarnessForFile, refusalOf, type SiteFixture } from "./harness.ts";
import { addFeed, feedJobCounts, stopFeeds, type FeedFixture } from "./intake-helpers.ts";

const harness = await apiHarnessForFile();

afterAll(async () => {
  await stopFeeds();
});

async function jobOf(siteId: string, externalId: string) {
  return harness.db.prisma.job.findFirstOrThrow({ where: { siteId, source: "FEED", externalId } });
}

describe("malformed rows", { timeout: 60_000 }, () => {
  let site: SiteFixture;
  let feed: FeedFixture;

  beforeAll(async () => {
    site = await harness.createSite();
    feed = await addFeed(harness, site, { orders: 10, pageSize: 4 });
    feed.store.control.breakOrders(["SO-100003"], "quantity");
    feed.store.control.breakOrders(["SO-100005"], "missing-title");
    feed.store.control.breakOrders(["SO-100007"], "email");
    feed.store.control.addGarbageRow();
  });

  it("go to the dead-letter table with the reason, and do not stop the run", async () => {
    const result = await site.as.LEAD.intake.runNow({ sourceId: feed.sourceId });
    expect(result.status).toBe("SUCCEEDED");
    expect(result.run).toMatchObject({ rowsSeen: 11, rowsInserted: 7, rowsRejected: 4 });
    expect(result.message).toMatch(/7 new/);

    const letters = await site.as.LEAD.intake.deadLetters.list({});
    const byId = new Map(letters.items.map((l) => [l.externalId, l]));
    expect(letters.items).toHaveLength(4);
    expect(byId.get("SO-100003")?.reason).toMatch(/^quantity: /);
    expect(byId.get("SO-100005")?.reason).toMatch(/^title: /);
    expect(byId.get("SO-100007")?.reason).toMatch(/^customer\.email: /);
    expect(byId.get(null)?.reason).toMatch(/id: .*updated_at: /);
    for (const letter of letters.items) expect(letter).toMatchObject({ kind: "INVALID", status: "OPEN", runId: result.run.id, attempts: 0 });
    expect(byId.get("SO-100003")?.payload).toMatchObject({ id: "SO-100003", quantity: "three" });

    const exceptions = await site.as.STAFF.exceptions.list({ kinds: ["INTAKE_DEAD_LETTER"] });
    expect(exceptions.counts.INTAKE_DEAD_LETTER).toBe(4);
    expect(exceptions.items.map((e) => e.refId).sort()).toEqual(letters.items.map((l) => l.id).sort());
  });

  it("seen again unchanged, a malformed row updates its open letter instead of adding one", async () => {
    await site.as.LEAD.intake.runNow({ sourceId: feed.sourceId, mode: "FULL" });
    const letters = await site.as.LEAD.intake.deadLetters.list({});
    expect(letters.items).toHaveLength(4);
  });

  it("a retry while the storefront still sends it broken keeps the letter open and says why", async () => {
    const letter = (await site.as.LEAD.intake.deadLetters.list({})).items.find((l) => l.externalId === "SO-100003");
    const retried = await site.as.LEAD.intake.deadLetters.retry({ id: letter?.id ?? "" });
    expect(retried.outcome).toBe("STILL_OPEN");
    expect(retried.message).toMatch(/quantity/);
    expect(retried.deadLetter.attempts).toBe(1);
    expect(retried.deadLetter.lastAttemptAt).not.toBeNull();
  });

  it("once the storefront fixes a row, a retry takes it in and closes the letter", async () => {
    feed.store.control.fixOrders(["SO-100003"]);
    const letter = (await site.as.LEAD.intake.deadLetters.list({})).items.find((l) => l.externalId === "SO-100003");
    const retried = await site.as.LEAD.intake.deadLetters.retry({ id: letter?.id ?? "" });
    expect(retried.outcome).toBe("TAKEN");
    expect(retried.deadLetter).toMatchObject({ status: "RETRIED", attempts: 2 });
    const job = await jobOf(site.siteId, "SO-100003");
    expect(retried.message).toContain(`J-${String(job.number).padStart(6, "0")}`);
    expect(retried.deadLetter.job?.id).toBe(job.id);
    expect(job.status).toBe("QUEUED");
    // The next run sees the fixed row again (its updated_at moved) and finds nothing to do.
    const run = await site.as.LEAD.intake.runNow({ sourceId: feed.sourceId });
    expect(run.run).toMatchObject({ rowsSeen: 1, rowsInserted: 0, rowsUpdated: 0, rowsUnchanged: 1 });
  });

  it("a row fixed at the storefront and brought by the next run closes its letter by itself", async () => {
    feed.store.control.fixOrders(["SO-100005"]);
    const run = await site.as.LEAD.intake.runNow({ sourceId: feed.sourceId });
    expect(run.run).toMatchObject({ rowsInserted: 1 });
    const open = await site.as.LEAD.intake.deadLetters.list({});
    expect(open.items.map((l) => l.externalId).sort()).toEqual([null, "SO-100007"].sort());
    const retried = await site.as.LEAD.intake.deadLetters.list({ status: "RETRIED" });
    expect(retried.items.map((l) => l.externalId).sort()).toEqual(["SO-100003", "SO-100005"]);
    expect((await feedJobCounts(harness, site.siteId)).size).toBe(9);
  });

  it("a letter closed by hand stays closed, with who and why; it cannot be resolved or retried twice", async () => {
    const garbage = (await site.as.LEAD.intake.deadLetters.list({})).items.find((l) => l.externalId === null);
    const stillGarbage = await site.as.LEAD.intake.deadLetters.retry({ id: garbage?.id ?? "" });
    expect(stillGarbage.outcome).toBe("STILL_OPEN");
    const resolved = await site.as.LEAD.intake.deadLetters.resolve({ id: garbage?.id ?? "", note: "Test row from the shop's developer" });
    expect(resolved).toMatchObject({ status: "RESOLVED", resolvedById: site.users.LEAD.id, resolutionNote: "Test row from the shop's developer" });
    expect((await refusalOf(site.as.LEAD.intake.deadLetters.resolve({ id: garbage?.id ?? "" }))).code).toBe("PRECONDITION_FAILED");
    expect((await refusalOf(site.as.LEAD.intake.deadLetters.retry({ id: garbage?.id ?? "" }))).code).toBe("PRECONDITION_FAILED");
    const audit = await harness.db.prisma.auditLog.findMany({ where: { siteId: site.siteId, action: { startsWith: "intake.dead_letter" } } });
    expect(audit.map((a) => a.action)).toContain("intake.dead_letter_resolve");
    const exceptions = await site.as.STAFF.exceptions.list({ kinds: ["INTAKE_DEAD_LETTER"] });
    expect(exceptions.counts.INTAKE_DEAD_LETTER).toBe(1);
  });

  it("another site's dead letter does not exist here", async () => {
    const other = await harness.createSite();
    const letter = (await site.as.LEAD.intake.deadLetters.list({})).items[0];
    expect((await refusalOf(other.as.LEAD.intake.deadLetters.retry({ id: letter?.id ?? "" }))).code).toBe("NOT_FOUND");
    expect((await refusalOf(other.as.LEAD.intake.deadLetters.resolve({ id: letter?.id ?? "" }))).code).toBe("NOT_FOUND");
    expect((await other.as.LEAD.intake.deadLetters.list({})).items).toEqual([]);
  });
});

describe("changes to jobs the shop has started", { timeout: 60_000 }, () => {
  let site: SiteFixture;
  let feed: FeedFixture;

  beforeAll(async () => {
    site = await harness.createSite();
    feed = await addFeed(harness, site, { orders: 6, pageSize: 10 });
    await site.as.LEAD.intake.runNow({ sourceId: feed.sourceId });
  });

  it("an untouched QUEUED job follows the order, including a cancellation", async () => {
    const id = "SO-100001";
    feed.store.control.updateOrder(id, { title: "Bigger stand", quantity: 4, price_cents: 4000 });
    await site.as.LEAD.intake.runNow({ sourceId: feed.sourceId });
    expect(await jobOf(site.siteId, id)).toMatchObject({ title: "Bigger stand", quantity: 4, priceCents: 4000, status: "QUEUED" });

    feed.store.control.updateOrder(id, { status: "cancelled" });
    const run = await site.as.LEAD.intake.runNow({ sourceId: feed.sourceId });
    expect(run.run).toMatchObject({ rowsUpdated: 1, rowsFlagged: 0 });
    const job = await jobOf(site.siteId, id);
    expect(job).toMatchObject({ status: "CANCELLED", queuePosition: null });
    const events = await harness.db.prisma.jobEvent.findMany({ where: { jobId: job.id }, orderBy: { at: "asc" } });
    expect(events.at(-1)).toMatchObject({ type: "status_changed", actorKind: "SYSTEM", before: { status: "QUEUED" } });
  });

  it("a started job takes the new title but not the new quantity, which is flagged for a person", async () => {
    const id = "SO-100002";
    const before = await jobOf(site.siteId, id);
    await site.as.STAFF.jobs.transition({ id: before.id, to: "IN_PROGRESS" });
    feed.store.control.updateOrder(id, { title: "Stand, engraved", quantity: before.quantity + 3 });
    const run = await site.as.LEAD.intake.runNow({ sourceId: feed.sourceId });
    expect(run.run).toMatchObject({ rowsUpdated: 1, rowsFlagged: 1 });
    const job = await jobOf(site.siteId, id);
    expect(job).toMatchObject({ title: "Stand, engraved", quantity: before.quantity, status: "IN_PROGRESS" });

    const letters = await site.as.LEAD.intake.deadLetters.list({});
    const conflict = letters.items.find((l) => l.externalId === id);
    expect(conflict).toMatchObject({ kind: "CONFLICT", status: "OPEN", job: { id: job.id } });
    expect(conflict?.reason).toMatch(/already started by the shop.*quantity changed to \d+ \(the job has \d+\)/);
    const timeline = await site.as.STAFF.jobs.get({ id: job.id });
    expect(timeline.timeline[0]).toMatchObject({ type: "intake_conflict", actor: { kind: "SYSTEM" } });

    // Once the order agrees with the job again, a retry closes the conflict.
    feed.store.control.updateOrder(id, { quantity: before.quantity });
    const retried = await site.as.LEAD.intake.deadLetters.retry({ id: conflict?.id ?? "" });
    expect(retried.outcome).toBe("TAKEN");
  });

  it("a cancellation at the storefront never cancels a started job; it is flagged, and stays so until dealt with", async () => {
    const id = "SO-100003";
    const before = await jobOf(site.siteId, id);
    await site.as.STAFF.jobs.transition({ id: before.id, to: "IN_PROGRESS" });
    await site.as.STAFF.jobs.transition({ id: before.id, to: "POST_PROCESSING" });
    feed.store.control.updateOrder(id, { status: "cancelled" });
    const run = await site.as.LEAD.intake.runNow({ sourceId: feed.sourceId });
    // (The order the retry above took in comes by again too: unchanged.)
    expect(run.run).toMatchObject({ rowsUpdated: 0, rowsInserted: 0, rowsFlagged: 1 });
    expect((await jobOf(site.siteId, id)).status).toBe("POST_PROCESSING");
    const conflict = (await site.as.LEAD.intake.deadLetters.list({})).items.find((l) => l.externalId === id);
    expect(conflict?.reason).toMatch(/cancelled at the storefront/);
    const retried = await site.as.LEAD.intake.deadLetters.retry({ id: conflict?.id ?? "" });
    expect(retried.outcome).toBe("STILL_OPEN");
    const exceptions = await site.as.STAFF.exceptions.list({ kinds: ["INTAKE_DEAD_LETTER"] });
    expect(exceptions.items.find((e) => e.refId === conflict?.id)?.job?.id).toBe(before.id);
  });

  it("a QUEUED job the shop has edited counts as started: its notes stay the shop's", async () => {
    const id = "SO-100004";
    const before = await jobOf(site.siteId, id);
    await site.as.STAFF.jobs.update({ id: before.id, version: before.version, notes: "Customer wants it matte" });
    feed.store.control.updateOrder(id, { notes: "Gift wrap please", quantity: before.quantity + 1 });
    const run = await site.as.LEAD.intake.runNow({ sourceId: feed.sourceId });
    expect(run.run).toMatchObject({ rowsFlagged: 1 });
    expect(await jobOf(site.siteId, id)).toMatchObject({ notes: "Customer wants it matte", quantity: before.quantity, status: "QUEUED" });
  });
});

describe("sources", { timeout: 60_000 }, () => {
  it("ADMIN adds a source with a credentials reference, never a secret; others may not", async () => {
    const site = await harness.createSite();
    const created = await site.as.ADMIN.intake.sources.create({ name: "Shop", baseUrl: "https://shop.example/api", credentialsRef: "ORDERDECK_FEED_SHOP_TOKEN" });
    expect(created).toMatchObject({ kind: "storefront-json", pageSize: 100, enabled: true, credentialsRef: "ORDERDECK_FEED_SHOP_TOKEN", lagSeconds: 0 });
    for (const bad of [
      { credentialsRef: "sk_live_9f8a7s6d5f4g3h2j1k/+==" },
      { baseUrl: "https://user:secret@shop.example" },
      { baseUrl: "ftp://shop.example" },
      { pageSize: 5000 },
    ]) {
      const error = await refusalOf(site.as.ADMIN.intake.sources.create({ name: "Bad", baseUrl: "https://shop.example", ...bad }));
      expect(error.code, JSON.stringify(bad)).toBe("BAD_REQUEST");
    }
    expect((await refusalOf(site.as.LEAD.intake.sources.create({ name: "Shop", baseUrl: "https://shop.example" }))).code).toBe("FORBIDDEN");
    expect((await refusalOf(site.as.STAFF.intake.sources.list())).code).toBe("FORBIDDEN");
    expect((await refusalOf(site.as.STAFF.intake.runNow({ sourceId: created.id }))).code).toBe("FORBIDDEN");
    const audit = await harness.db.prisma.auditLog.findFirstOrThrow({ where: { siteId: site.siteId, action: "intake.source_create" } });
    expect(JSON.stringify(audit.details)).toContain("ORDERDECK_FEED_SHOP_TOKEN");
  });

  it("a disabled source does not run; one that took jobs in is disabled, not deleted; resetting the cursor reads from the start", async () => {
    const site = await harness.createSite();
    const feed = await addFeed(harness, site, { orders: 3, pageSize: 10 });
    await site.as.LEAD.intake.runNow({ sourceId: feed.sourceId });
    expect((await refusalOf(site.as.ADMIN.intake.sources.delete({ id: feed.sourceId }))).code).toBe("PRECONDITION_FAILED");
    await site.as.ADMIN.intake.sources.update({ id: feed.sourceId, enabled: false });
    expect((await refusalOf(site.as.LEAD.intake.runNow({ sourceId: feed.sourceId }))).code).toBe("PRECONDITION_FAILED");
    const reset = await site.as.ADMIN.intake.sources.update({ id: feed.sourceId, enabled: true, resetCursor: true });
    expect(reset.cursor).toBeNull();
    const run = await site.as.LEAD.intake.runNow({ sourceId: feed.sourceId });
    expect(run.run).toMatchObject({ rowsSeen: 3, rowsUnchanged: 3, rowsInserted: 0 });

    const unused = await site.as.ADMIN.intake.sources.create({ name: "Never used", baseUrl: "https://unused.example" });
    await site.as.ADMIN.intake.sources.delete({ id: unused.id });
    expect((await site.as.LEAD.intake.sources.list()).map((s) => s.id)).toEqual([feed.sourceId]);
  });

  it("another site's source does not exist here", async () => {
    const site = await harness.createSite();
    const other = await harness.createSite();
    const theirs = await other.as.ADMIN.intake.sources.create({ name: "Theirs", baseUrl: "https://theirs.example" });
    expect((await refusalOf(site.as.LEAD.intake.runNow({ sourceId: theirs.id }))).code).toBe("NOT_FOUND");
    expect((await refusalOf(site.as.ADMIN.intake.sources.update({ id: theirs.id, name: "Mine now" }))).code).toBe("NOT_FOUND");
    expect((await refusalOf(site.as.ADMIN.intake.sources.delete({ id: theirs.id }))).code).toBe("NOT_FOUND");
    expect(await site.as.LEAD.intake.runs({ sourceId: theirs.id })).toEqual({ items: [], nextCursor: null });
  });

  it("runs are listed newest first, a page at a time", async () => {
    const site = await harness.createSite();
    const feed = await addFeed(harness, site, { orders: 1, pageSize: 10 });
    for (let i = 0; i < 3; i++) await site.as.LEAD.intake.runNow({ sourceId: feed.sourceId });
    const first = await site.as.LEAD.intake.runs({ limit: 2 });
    expect(first.items).toHaveLength(2);
    const second = await site.as.LEAD.intake.runs({ limit: 2, cursor: first.nextCursor ?? "" });
    expect(second.items).toHaveLength(1);
    expect(second.nextCursor).toBeNull();
    const all = [...first.items, ...second.items];
    expect(all.map((r) => r.startedAt)).toEqual([...all.map((r) => r.startedAt)].sort().reverse());
    expect(all.at(-1)?.rowsInserted).toBe(1);
    expect(all[0]?.requestedById).toBe(site.users.LEAD.id);
    expect((await refusalOf(site.as.LEAD.intake.runs({ cursor: "not-a-cursor" }))).code).toBe("BAD_REQUEST");
  });
});
