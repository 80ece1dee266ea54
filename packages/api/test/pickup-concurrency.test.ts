// Ten consoles scan the same code at the same moment, five times each: the job is handed over
// exactly once, and every other scan is answered ALREADY_PICKED_UP and recorded.
import { randomUUID } from "node:crypto";
import { DomainError } from "@orderdeck/contracts";
import { TRPCError } from "@trpc/server";
import { beforeAll, describe, expect, it } from "vitest";
import { apiHarnessForFile } from "./harness.ts";
import { addPickupJob, addStation, count, type StationFixture } from "./pickup-helpers.ts";

const stations: StationFixture[] = [];

const harness = await apiHarnessForFile();
const site = await harness.createSite("Rush hour");

beforeAll(async () => {
  for (let i = 1; i <= 10; i++) stations.push(await addStation(harness, site, `Counter ${i}`));
});

describe("50 concurrent pickup.confirm of one code from 10 stations", () => {
  it("hands over once: one PICKED_UP, one picked_up event, one receipt, 49 ALREADY_PICKED_UP, 50 scan records", { timeout: 120_000 }, async () => {
    // Waived: the handover itself must issue the receipt, so "one receipt" is a real test of the lock.
    const job = await addPickupJob(harness, site, { status: "READY_FOR_PICKUP", paymentStatus: "WAIVED" });
    const attempts = Array.from({ length: 50 }, (_, i) => {
      const station = stations[i % stations.length] as StationFixture;
      return station.staff.pickup
        .confirm({ code: job.pickupCode, clientMutationId: randomUUID(), scannedAt: new Date().toISOString() })
        .then(
          (answer) => ({ ok: true as const, station: station.stationId, outcome: answer.outcome }),
          (error: unknown) => ({
            ok: false as const,
            station: station.stationId,
            reason: error instanceof TRPCError && error.cause instanceof DomainError ? error.cause.reason : String(error),
          }),
        );
    });
    const results = await Promise.all(attempts);

    const handedOver = results.filter((r) => r.ok);
    expect(handedOver).toHaveLength(1);
    const refused = results.filter((r) => !r.ok);
    expect(refused).toHaveLength(49);
    expect(new Set(refused.map((r) => (r.ok ? "" : r.reason)))).toEqual(new Set(["ALREADY_PICKED_UP"]));

    const row = await harness.db.prisma.job.findUniqueOrThrow({ where: { id: job.id } });
    expect(row.status).toBe("PICKED_UP");
    expect(row.pickedUpStationId).toBe(handedOver[0]?.station);
    expect(await count(harness, "SELECT count(*) AS n FROM job_events WHERE job_id = $1 AND type = 'picked_up'", [job.id])).toBe(1);
    expect(await count(harness, "SELECT count(*) AS n FROM job_events WHERE job_id = $1", [job.id])).toBe(1);
    expect(await count(harness, "SELECT count(*) AS n FROM receipts WHERE job_id = $1", [job.id])).toBe(1);
    expect(await count(harness, "SELECT count(*) AS n FROM scan_records WHERE job_id = $1", [job.id])).toBe(50);
    expect(await count(harness, "SELECT count(*) AS n FROM scan_records WHERE job_id = $1 AND outcome = 'HANDED_OVER'", [job.id])).toBe(1);
    expect(await count(harness, "SELECT count(*) AS n FROM scan_records WHERE job_id = $1 AND outcome = 'ALREADY_PICKED_UP'", [job.id])).toBe(49);
    expect(await count(harness, "SELECT count(DISTINCT station_id) AS n FROM scan_records WHERE job_id = $1", [job.id])).toBe(10);
  });

  it("a console resending one scan while the first is still in flight gets one answer twice", { timeout: 60_000 }, async () => {
    const job = await addPickupJob(harness, site, { status: "READY_FOR_PICKUP", paymentStatus: "PAID" });
    const input = { code: job.pickupCode, clientMutationId: randomUUID(), scannedAt: new Date().toISOString() };
    const station = stations[0] as StationFixture;
    const answers = await Promise.all(Array.from({ length: 8 }, () => station.staff.pickup.confirm(input)));
    expect(answers.filter((a) => !a.replayed)).toHaveLength(1);
    expect(new Set(answers.map((a) => a.receipts[0]?.id)).size).toBe(1);
    expect(await count(harness, "SELECT count(*) AS n FROM scan_records WHERE job_id = $1", [job.id])).toBe(1);
    expect(await count(harness, "SELECT count(*) AS n FROM receipts WHERE job_id = $1", [job.id])).toBe(1);
  });
});
