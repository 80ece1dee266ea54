// A full reconciliation over orders the intake already has: chunks that would write nothing are
// recognised by one read (the rows' hashes as sent, else their content hashes, compared in SQL)
// and open no write transaction; their checkpoint is written once per 20 of them and at the end.
// A chunk with anything to do is taken as before, in its own transaction.
import { createPrismaClient, type SentStatement } from "@orderdeck/db";
import { afterAll, describe, expect, it } from "vitest";
import { runFullReconciliation, runIncrementalSync } from "../src/intake/sync-run.ts";
import { rawRowHash } from "../src/intake/take-parse.ts";
import { apiHarnessForFile } from "./harness.ts";
import { addFeed, intakeDeps, sourceRow, stopFeeds, writesFingerprint } from "./intake-helpers.ts";

const harness = await apiHarnessForFile();

afterAll(async () => {
  await stopFeeds();
});

const CHECKPOINT = /^UPDATE "public"\."intake_sources" SET "cursor"/;
// The two checks of a chunk: by the rows as sent, and by their content once checked and mapped.
const AS_SENT_CHECK = /AS i\(external_id, raw_hash\)/;
const CONTENT_CHECK = /r\.payload_hash <> i\.hash/;
const JOB_WRITES = /^\s*(INSERT INTO|UPDATE)\s+"?(public"?\.)?"?(jobs|job_events|intake_records|customers|payments|intake_dead_letters)\b/i;

/** A full reconciliation with chunks of one row, on a client that records every statement. */
async function reconcile(siteId: string, sourceId: string): Promise<{ outcome: Awaited<ReturnType<typeof runFullReconciliation>>; sent: string[] }> {
  const sent: SentStatement[] = [];
  const prisma = createPrismaClient(harness.db.url, { onQuery: (statement) => sent.push(statement) });
  try {
    const outcome = await runFullReconciliation({ ...intakeDeps(harness, { chunkSize: 1 }), prisma }, { siteId, sourceId });
    return { outcome, sent: sent.map((s) => s.text.trim()) };
  } finally {
    await prisma.$disconnect();
  }
}

describe("a full reconciliation of orders the intake already has", { timeout: 60_000 }, () => {
  it("writes only its checkpoint: once per 20 chunks that wrote nothing, and at the end", async () => {
    const site = await harness.createSite();
    const feed = await addFeed(harness, site, { orders: 45, pageSize: 5 });
    await runIncrementalSync(intakeDeps(harness), { siteId: site.siteId, sourceId: feed.sourceId });
    const before = await writesFingerprint(harness, site.siteId);

    const { outcome, sent } = await reconcile(site.siteId, feed.sourceId);
    if (outcome.status === "DISABLED") throw new Error("unreachable");
    expect(outcome.run).toMatchObject({ status: "SUCCEEDED", rowsSeen: 45, rowsUnchanged: 45, rowsInserted: 0, rowsUpdated: 0 });
    // 45 chunks of one row: checkpointed after the 20th, the 40th and the last, not after each.
    expect(sent.filter((text) => CHECKPOINT.test(text))).toHaveLength(3);
    expect(sent.filter((text) => JOB_WRITES.test(text))).toEqual([]);
    expect(await writesFingerprint(harness, site.siteId)).toBe(before);
    expect((await sourceRow(harness, feed.sourceId)).checkpoint).toBeNull();
  });

  it("takes a chunk with a changed order in its own transaction, between chunks that wrote nothing", async () => {
    const site = await harness.createSite();
    const feed = await addFeed(harness, site, { orders: 12, pageSize: 4 });
    await runIncrementalSync(intakeDeps(harness), { siteId: site.siteId, sourceId: feed.sourceId });
    const changed = feed.store.control.updateOrder("SO-100006", { title: "Lamp shade, larger" });

    const { outcome, sent } = await reconcile(site.siteId, feed.sourceId);
    if (outcome.status === "DISABLED") throw new Error("unreachable");
    expect(outcome.run).toMatchObject({ status: "SUCCEEDED", rowsSeen: 12, rowsUpdated: 1, rowsUnchanged: 11, rowsInserted: 0 });
    const job = await harness.db.prisma.job.findFirstOrThrow({ where: { siteId: site.siteId, externalId: changed.id } });
    expect(job.title).toBe("Lamp shade, larger");
    // The change moved the order to the end of the feed: its chunk, the last, checkpoints the eleven before it with itself.
    expect(sent.filter((text) => CHECKPOINT.test(text))).toHaveLength(1);
    expect(sent.filter((text) => JOB_WRITES.test(text)).length).toBeGreaterThan(0);
  });

  it("an order whose INVALID letter is open is taken (and the letter closed), even with the same content", async () => {
    const site = await harness.createSite();
    const feed = await addFeed(harness, site, { orders: 3, pageSize: 3 });
    await runIncrementalSync(intakeDeps(harness), { siteId: site.siteId, sourceId: feed.sourceId });
    // A letter left open for an order the intake has (as a broken row of it served earlier leaves one).
    await harness.db.pool.query(
      `INSERT INTO intake_dead_letters (id, site_id, source_id, external_id, payload, reason, kind, status, updated_at)
       VALUES (gen_random_uuid(), $1, $2, 'SO-100002', '{}', 'quantity: expected a number', 'INVALID', 'OPEN', now())`,
      [site.siteId, feed.sourceId],
    );
    const { outcome } = await reconcile(site.siteId, feed.sourceId);
    if (outcome.status === "DISABLED") throw new Error("unreachable");
    expect(outcome.run).toMatchObject({ status: "SUCCEEDED", rowsSeen: 3, rowsUnchanged: 3 });
    const letters = await harness.db.pool.query(`SELECT status FROM intake_dead_letters WHERE site_id = $1 AND external_id = 'SO-100002'`, [site.siteId]);
    expect(letters.rows).toEqual([{ status: "RETRIED" }]);
  });

  it("knows each unchanged order by its row as sent: no row is checked or mapped, and each record keeps that row's hash", async () => {
    const site = await harness.createSite();
    const feed = await addFeed(harness, site, { orders: 6, pageSize: 3 });
    await runIncrementalSync(intakeDeps(harness), { siteId: site.siteId, sourceId: feed.sourceId });
    const records = await harness.db.pool.query<{ external_id: string; raw_hash: string | null }>(
      "SELECT external_id, raw_hash FROM intake_records WHERE source_id = $1 ORDER BY external_id",
      [feed.sourceId],
    );
    expect(records.rows.map((r) => r.raw_hash)).toEqual(records.rows.map((r) => rawRowHash(feed.store.control.get(r.external_id))));

    const { outcome, sent } = await reconcile(site.siteId, feed.sourceId);
    if (outcome.status === "DISABLED") throw new Error("unreachable");
    expect(outcome.run).toMatchObject({ status: "SUCCEEDED", rowsSeen: 6, rowsUnchanged: 6 });
    // Each page compared as sent as it arrived (two pages of three), and nothing else.
    expect(sent.filter((text) => AS_SENT_CHECK.test(text))).toHaveLength(2);
    expect(sent.filter((text) => CONTENT_CHECK.test(text))).toEqual([]);
  });

  it("checks an order sent changed only in what the intake does not read, records its row's hash, and knows it as sent after", async () => {
    const site = await harness.createSite();
    const feed = await addFeed(harness, site, { orders: 4, pageSize: 4 });
    await runIncrementalSync(intakeDeps(harness), { siteId: site.siteId, sourceId: feed.sourceId });
    // The same order, sent again with a new updated_at and nothing else changed.
    const resent = feed.store.control.updateOrder("SO-100002", {});
    const before = await writesFingerprint(harness, site.siteId);

    const first = await reconcile(site.siteId, feed.sourceId);
    if (first.outcome.status === "DISABLED") throw new Error("unreachable");
    expect(first.outcome.run).toMatchObject({ status: "SUCCEEDED", rowsSeen: 4, rowsUnchanged: 4 });
    // The page had work, so each of its chunks (of one order) was compared as sent on its own, and only the resent one checked and mapped.
    expect(first.sent.filter((text) => AS_SENT_CHECK.test(text))).toHaveLength(1 + 4);
    expect(first.sent.filter((text) => CONTENT_CHECK.test(text))).toHaveLength(1);
    expect(await writesFingerprint(harness, site.siteId)).toBe(before);
    const record = await harness.db.pool.query<{ raw_hash: string }>("SELECT raw_hash FROM intake_records WHERE source_id = $1 AND external_id = $2", [
      feed.sourceId,
      resent.id,
    ]);
    expect(record.rows[0]?.raw_hash).toBe(rawRowHash(resent));

    const second = await reconcile(site.siteId, feed.sourceId);
    expect(second.sent.filter((text) => CONTENT_CHECK.test(text))).toEqual([]);
    expect(second.sent.filter((text) => AS_SENT_CHECK.test(text))).toHaveLength(1);
  });

  it("a record whose content changes without naming the row it came from forgets its raw hash", async () => {
    const site = await harness.createSite();
    const feed = await addFeed(harness, site, { orders: 1, pageSize: 1 });
    await runIncrementalSync(intakeDeps(harness), { siteId: site.siteId, sourceId: feed.sourceId });
    const rawHash = async () =>
      (await harness.db.pool.query<{ raw_hash: string | null }>("SELECT raw_hash FROM intake_records WHERE source_id = $1", [feed.sourceId])).rows[0]?.raw_hash;
    expect(await rawHash()).toEqual(expect.any(String));
    await harness.db.pool.query("UPDATE intake_records SET payload_hash = 'another' WHERE source_id = $1", [feed.sourceId]);
    expect(await rawHash()).toBeNull();
    await harness.db.pool.query("UPDATE intake_records SET payload_hash = 'a third', raw_hash = 'its row' WHERE source_id = $1", [feed.sourceId]);
    expect(await rawHash()).toBe("its row");
    // A full reconciliation checks and maps the order (neither hash matches) and the record holds it again.
    const { outcome } = await reconcile(site.siteId, feed.sourceId);
    if (outcome.status === "DISABLED") throw new Error("unreachable");
    expect(outcome.run).toMatchObject({ status: "SUCCEEDED", rowsSeen: 1 });
    expect(await rawHash()).toBe(rawRowHash(feed.store.control.list()[0]));
    const stored = await harness.db.pool.query<{ payload_hash: string }>("SELECT payload_hash FROM intake_records WHERE source_id = $1", [feed.sourceId]);
    expect(stored.rows[0]?.payload_hash).not.toBe("a third");
  });
});
