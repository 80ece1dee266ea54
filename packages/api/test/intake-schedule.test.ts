// The feed syncs on the worker's schedule: the sweep (what the crontab runs) queues one sync per
// enabled source, the worker runs it under the source's lock, and a disabled source is left alone.
import { afterAll, describe, expect, it } from "vitest";
import { crontab } from "../src/background/tasks.ts";
import { apiHarnessForFile } from "./harness.ts";
import { eventually, graphileJobs, startTestWorker, testWorkerDeps } from "./background-helpers.ts";
import { addFeed, feedJobCounts, stopFeeds } from "./intake-helpers.ts";

const harness = await apiHarnessForFile();

afterAll(async () => {
  await stopFeeds();
});

describe("scheduled intake", () => {
  it("the crontab runs incremental syncs and the nightly full reconciliation on the configured schedule", () => {
    const items = crontab({ incrementalCron: "*/5 * * * *", fullCron: "0 3 * * *" }).filter((i) => i.task === "intake_sweep");
    expect(items.map((i) => [i.match, i.payload])).toEqual([
      ["*/5 * * * *", { mode: "incremental" }],
      ["0 3 * * *", { mode: "full" }],
    ]);
  });

  it("a sweep syncs every enabled source of every site through the worker, and skips disabled ones", async () => {
    const shop = await harness.createSite();
    const other = await harness.createSite();
    const disabledShop = await harness.createSite();
    const mine = await addFeed(harness, shop, { orders: 7, pageSize: 3 });
    const theirs = await addFeed(harness, other, { orders: 4, pageSize: 2 });
    const off = await addFeed(harness, disabledShop, { orders: 5, pageSize: 5 });
    await disabledShop.as.ADMIN.intake.sources.update({ id: off.sourceId, enabled: false });

    const worker = await startTestWorker(harness, testWorkerDeps(harness, undefined));
    try {
      await harness.db.pool.query(`SELECT graphile_worker.add_job('intake_sweep', '{"mode":"incremental"}'::json)`);
      await eventually("both enabled feeds taken in", async () => {
        const [a, b] = await Promise.all([feedJobCounts(harness, shop.siteId), feedJobCounts(harness, other.siteId)]);
        return a.size === 7 && b.size === 4;
      });
      await eventually("every intake job done", async () => (await graphileJobs(harness)).length === 0);
    } finally {
      await worker.stop();
    }
    expect([...(await feedJobCounts(harness, shop.siteId)).values()].every((n) => n === 1)).toBe(true);
    expect((await feedJobCounts(harness, disabledShop.siteId)).size).toBe(0);
    const runs = await harness.db.pool.query<{ source_id: string; mode: string; status: string }>(
      `SELECT source_id, mode::text, status::text FROM intake_runs WHERE source_id = ANY($1::uuid[]) ORDER BY source_id`,
      [[mine.sourceId, theirs.sourceId, off.sourceId]],
    );
    expect(runs.rows.map((r) => `${r.mode}:${r.status}`).sort()).toEqual(["INCREMENTAL:SUCCEEDED", "INCREMENTAL:SUCCEEDED"]);
  });
});
