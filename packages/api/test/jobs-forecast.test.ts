// forecast.capacity: finish times from estimates, queue order and machine count.
import { beforeAll, describe, expect, it } from "vitest";
import { insertJob } from "./jobs-fixtures.ts";
import { apiHarnessForFile } from "./harness.ts";

const MIN = 60_000;
const job: Record<string, string> = {};

const harness = await apiHarnessForFile();
const site = await harness.createSite("Forecast");

beforeAll(async () => {
  const staff = site.as.STAFF;
  const running = await staff.jobs.create({ title: "Running", estimatedMinutes: 60, machine: "Prusa 1" });
  await staff.jobs.transition({ id: running.id, to: "IN_PROGRESS" });
  job.running = running.id;
  job.a = (await staff.jobs.create({ title: "A", estimatedMinutes: 30 })).id;
  job.b = (await staff.jobs.create({ title: "B (no estimate)", dueAt: new Date(Date.now() + 60 * MIN).toISOString() })).id;
  job.c = (await staff.jobs.create({ title: "C", estimatedMinutes: 90, machine: "prusa 2" })).id;
  // Not on the machines: held, finished, in finishing, failed.
  await insertJob(harness, site, { status: "ON_HOLD", estimatedMinutes: 999 });
  await insertJob(harness, site, { status: "READY_FOR_PICKUP", estimatedMinutes: 999 });
  await insertJob(harness, site, { status: "POST_PROCESSING", estimatedMinutes: 999, machine: "PRUSA 1 " });
  await insertJob(harness, site, { status: "FAILED", estimatedMinutes: 999 });
});

const minutesFrom = (start: string, at: string) => Math.round((new Date(at).getTime() - new Date(start).getTime()) / MIN);

describe("forecast.capacity", () => {
  it("schedules the running job, then the queue in order, on the machines in use", async () => {
    const forecast = await site.as.STAFF.forecast.capacity({});
    // "Prusa 1", "prusa 2" and "PRUSA 1 " are two machines.
    expect(forecast).toMatchObject({ machines: 2, machinesRule: "machines-in-use", jobCount: 4, assumedMinutesPerJob: 60 });
    const t0 = forecast.generatedAt;
    const plan = Object.fromEntries(
      forecast.jobs.map((j) => [j.id, { start: minutesFrom(t0, j.startsAt), finish: minutesFrom(t0, j.finishesAt), slot: j.slot, assumed: j.estimateAssumed }]),
    );
    expect(forecast.jobs.map((j) => j.id)).toEqual([job.running, job.a, job.b, job.c]);
    expect(plan[job.running as string]).toMatchObject({ start: 0, finish: 60 });
    expect(plan[job.a as string]).toMatchObject({ start: 0, finish: 30 });
    // B has no estimate: the median of the others (60) is assumed, on the machine A frees.
    expect(plan[job.b as string]).toEqual({ start: 30, finish: 90, slot: plan[job.a as string]?.slot, assumed: true });
    expect(plan[job.c as string]).toMatchObject({ start: 60, finish: 150, slot: plan[job.running as string]?.slot });
    expect(minutesFrom(t0, forecast.completesAt)).toBe(150);
    expect(forecast.jobs.find((j) => j.id === job.b)?.late).toBe(true);
    expect(forecast.jobs.find((j) => j.id === job.a)?.late).toBe(false);
  });

  it("uses the machine count asked for, and lists only as many jobs as asked", async () => {
    const one = await site.as.STAFF.forecast.capacity({ machines: 1, limit: 2 });
    expect(one).toMatchObject({ machines: 1, machinesRule: "requested", jobCount: 4 });
    expect(one.jobs).toHaveLength(2);
    expect(minutesFrom(one.generatedAt, one.completesAt)).toBe(60 + 30 + 60 + 90);
  });

  it("follows a reorder", async () => {
    await site.as.LEAD.jobs.reorder({ id: job.c as string, before: job.a as string });
    const forecast = await site.as.STAFF.forecast.capacity({ machines: 1 });
    expect(forecast.jobs.map((j) => j.id)).toEqual([job.running, job.c, job.a, job.b]);
  });

  it("with no machine named anywhere, one machine; with nothing waiting, done now", async () => {
    const empty = await harness.createSite("Forecast empty");
    const forecast = await empty.as.STAFF.forecast.capacity({});
    expect(forecast).toMatchObject({ machines: 1, machinesRule: "default", jobCount: 0, jobs: [] });
    expect(forecast.completesAt).toBe(forecast.generatedAt);
  });
});
