// What the set-based path of the intake must keep on its own: a refused row dead-lettered alone
// with numbers gapless, and an unchanged rerun that writes nothing.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createApiHarness, type ApiHarness } from "./harness.ts";
import { writesFingerprint } from "./intake-helpers.ts";
import { intakeFeeds, order, people } from "./intake-set-based-fixtures.ts";

let harness: ApiHarness;

beforeAll(async () => {
  harness = await createApiHarness();
});

afterAll(async () => {
  await harness.drop();
});

const { newFeed, take, outcomeOf } = intakeFeeds(() => harness);

describe("a database refusal inside a set-based chunk", { timeout: 60_000 }, () => {
  it("dead-letters only the refused row; the rest lands, numbered gaplessly in feed order", async () => {
    const feed = await newFeed();
    const constraint = `test_refusal_${feed.site.siteId.slice(0, 8)}`;
    await harness.db.pool.query(`ALTER TABLE jobs ADD CONSTRAINT ${constraint} CHECK (title <> 'Refused title') NOT VALID`);
    try {
      await take(feed, [order("A", people.ada)]);
      const counts = await take(feed, [
        order("A", people.ada),
        order("B", people.bob),
        order("P", people.carol, { title: "Refused title" }),
        order("C", people.carol),
      ]);
      expect(counts).toEqual({ seen: 4, inserted: 2, updated: 0, unchanged: 1, rejected: 1, flagged: 0 });
      expect(await take(feed, [order("D", people.dan)])).toMatchObject({ inserted: 1 });
    } finally {
      await harness.db.pool.query(`ALTER TABLE jobs DROP CONSTRAINT ${constraint}`);
    }
    const { jobs, letters, events } = await outcomeOf(feed);
    expect(jobs.map((j) => [j.external_id, j.number])).toEqual([
      ["A", 1],
      ["B", 2],
      ["C", 3],
      ["D", 4],
    ]);
    const counter = await harness.db.pool.query(`SELECT value FROM counters WHERE site_id = $1 AND kind = 'JOB'`, [feed.site.siteId]);
    expect(counter.rows[0]?.value).toBe(4);
    expect(letters).toHaveLength(1);
    expect(letters[0]).toMatchObject({ kind: "INVALID", status: "OPEN", external_id: "P" });
    expect(String(letters[0]?.reason)).toMatch(/database refused/);
    expect(events.filter((e) => e.includes('"type":"created"'))).toHaveLength(4);
    const records = await harness.db.pool.query(`SELECT count(*)::int AS n FROM intake_records WHERE site_id = $1`, [feed.site.siteId]);
    expect(records.rows[0]?.n).toBe(4);
  });
});

describe("an unchanged rerun", { timeout: 60_000 }, () => {
  it("writes no job event and changes no row; it only closes an open INVALID letter of a row that is valid again", async () => {
    const feed = await newFeed();
    const rows = Array.from({ length: 40 }, (_, i) => order(`U${i}`, i % 2 === 0 ? people.ada : people.bob));
    await take(feed, [...rows, { ...order("X", people.erin), quantity: 0 }]);
    const before = await writesFingerprint(harness, feed.site.siteId);
    const seqBefore = await harness.db.pool.query(`SELECT max(change_seq)::text AS seq FROM jobs WHERE site_id = $1`, [feed.site.siteId]);
    const letterBefore = await harness.db.prisma.intakeDeadLetter.findFirstOrThrow({ where: { sourceId: feed.sourceId } });

    expect(await take(feed, rows)).toEqual({ seen: 40, inserted: 0, updated: 0, unchanged: 40, rejected: 0, flagged: 0 });
    expect(await writesFingerprint(harness, feed.site.siteId)).toBe(before);
    const seqAfter = await harness.db.pool.query(`SELECT max(change_seq)::text AS seq FROM jobs WHERE site_id = $1`, [feed.site.siteId]);
    expect(seqAfter.rows[0]?.seq).toBe(seqBefore.rows[0]?.seq);
    // Another row's open letter is left as it was.
    const letterAfter = await harness.db.prisma.intakeDeadLetter.findFirstOrThrow({ where: { id: letterBefore.id } });
    expect(letterAfter).toEqual(letterBefore);

    // U3 comes malformed once (a letter opens, the job stays), then as it was: unchanged, and its letter closes.
    await take(feed, [{ ...order("U3", people.bob), currency: "euro" }]);
    const opened = await harness.db.prisma.intakeDeadLetter.findFirstOrThrow({ where: { sourceId: feed.sourceId, externalId: "U3" } });
    expect(opened.status).toBe("OPEN");
    const events = await harness.db.pool.query(`SELECT count(*)::int AS n FROM job_events WHERE site_id = $1`, [feed.site.siteId]);
    expect(await take(feed, rows)).toMatchObject({ unchanged: 40 });
    expect((await harness.db.prisma.intakeDeadLetter.findUniqueOrThrow({ where: { id: opened.id } })).status).toBe("RETRIED");
    const eventsAfter = await harness.db.pool.query(`SELECT count(*)::int AS n FROM job_events WHERE site_id = $1`, [feed.site.siteId]);
    expect(eventsAfter.rows[0]?.n).toBe(events.rows[0]?.n);
    expect((await harness.db.prisma.intakeDeadLetter.findUniqueOrThrow({ where: { id: letterBefore.id } })).status).toBe("OPEN");
  });
});
