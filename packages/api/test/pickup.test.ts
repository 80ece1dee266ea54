// pickup.lookup and pickup.confirm against a real database: the handover and its receipt, every
// refusal (with nothing changed but the scan record), another site's code looking exactly like
// an unknown one, and the client mutation id answering the first answer again.
import { randomUUID } from "node:crypto";
import { DomainError, PICKUP_CODE_ALPHABET, formatJobNumber, formatPickupCode, type PaymentStatus } from "@orderdeck/contracts";
import { inSite, type PrismaClient } from "@orderdeck/db";
import { TRPCError } from "@trpc/server";
import { describe, expect, it } from "vitest";
import { recordPayment } from "../src/payments/service.ts";
import { lookupPickup } from "../src/pickup/lookup.ts";
import { apiHarnessForFile } from "./harness.ts";
import { addPickupJob, addStation, count, fingerprint, signInWithoutStation, unusedCode, type PickupJobOptions } from "./pickup-helpers.ts";

const harness = await apiHarnessForFile();
const site = await harness.createSite("Pickup Kreuzberg");
const otherSite = await harness.createSite("Pickup Altona");

interface Refusal {
  code: string;
  message: string;
  reason: string | undefined;
  details: Record<string, unknown> | undefined;
}

async function refusalOf(call: Promise<unknown>): Promise<Refusal> {
  try {
    await call;
  } catch (error) {
    expect(error).toBeInstanceOf(TRPCError);
    const trpc = error as TRPCError;
    const cause = trpc.cause instanceof DomainError ? trpc.cause : undefined;
    return { code: trpc.code, message: trpc.message, reason: cause?.reason, details: cause?.details };
  }
  throw new Error("expected the call to be refused");
}

function confirmInput(code: string, clientMutationId: string = randomUUID()) {
  return { code, clientMutationId, scannedAt: "2026-11-23T10:15:00.000+01:00" };
}

async function scansOf(code: string) {
  const rows = await harness.db.pool.query<{
    station_id: string;
    user_id: string;
    code: string;
    outcome: string;
    job_id: string | null;
    client_time: Date;
    server_time: Date;
    client_mutation_id: string;
  }>("SELECT * FROM scan_records WHERE code = $1 ORDER BY server_time", [code]);
  return rows.rows;
}

async function readyJob(options: PickupJobOptions = {}) {
  return addPickupJob(harness, site, { status: "READY_FOR_PICKUP", paymentStatus: "PAID", customer: "Ada Lovelace", ...options });
}

async function pay(jobId: string, amountCents: number) {
  await inSite(harness.db.prisma, site.siteId, (tx) =>
    recordPayment(tx, {
      siteId: site.siteId,
      jobId,
      provider: "cash",
      providerReference: `cash-${randomUUID()}`,
      amountCents,
      currency: "EUR",
      actor: { kind: "USER", userId: site.users.STAFF.id, stationId: site.stationId },
    }),
  );
}

describe("pickup.confirm hands a ready, settled job over", () => {
  it("moves it to PICKED_UP with who, station and time, frees its queue position, writes one event, one receipt and the scan", async () => {
    const job = await readyJob({ priceCents: 4_200, paymentStatus: "UNPAID" });
    await pay(job.id, 4_200);
    const receiptsBefore = await count(harness, "SELECT count(*) AS n FROM receipts WHERE job_id = $1", [job.id]);
    expect(receiptsBefore).toBe(1);

    const before = Date.now();
    // Typed the way people type it off a label: lower case, with the dash.
    const answer = await site.as.STAFF.pickup.confirm(confirmInput(formatPickupCode(job.pickupCode).toLowerCase()));
    expect(answer.outcome).toBe("HANDED_OVER");
    expect(answer.replayed).toBe(false);
    expect(answer.job.status).toBe("PICKED_UP");
    expect(answer.job.number).toBe(formatJobNumber(job.number));
    expect(answer.customer?.name).toBe("Ada Lovelace");
    expect(answer.pickedUp).toMatchObject({ by: "STAFF of Pickup Kreuzberg", station: "Pickup Kreuzberg counter" });
    // The payment had issued its receipt: the handover reuses it instead of numbering a second.
    expect(answer.receiptsIssued).toBe(0);
    expect(answer.receipts).toHaveLength(1);

    const row = await harness.db.prisma.job.findUniqueOrThrow({ where: { id: job.id } });
    expect(row.status).toBe("PICKED_UP");
    expect(row.queuePosition).toBeNull();
    expect(row.pickedUpById).toBe(site.users.STAFF.id);
    expect(row.pickedUpStationId).toBe(site.stationId);
    expect(row.pickedUpAt?.getTime()).toBeGreaterThanOrEqual(before - 1000);

    expect(await count(harness, "SELECT count(*) AS n FROM receipts WHERE job_id = $1", [job.id])).toBe(1);
    const events = await harness.db.prisma.jobEvent.findMany({ where: { jobId: job.id, type: "picked_up" } });
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({ actorKind: "USER", actorUserId: site.users.STAFF.id, actorStationId: site.stationId });
    expect(events[0]?.before).toMatchObject({ status: "READY_FOR_PICKUP" });
    expect(events[0]?.after).toMatchObject({ status: "PICKED_UP", pickedUpStationId: site.stationId });

    const scans = await scansOf(job.pickupCode);
    expect(scans).toHaveLength(1);
    expect(scans[0]).toMatchObject({ outcome: "HANDED_OVER", job_id: job.id, station_id: site.stationId, user_id: site.users.STAFF.id });
    expect(scans[0]?.client_time.toISOString()).toBe("2026-11-23T09:15:00.000Z");
  });

  it("issues the receipt itself for a waived job (amount 0) and for a job marked paid with no payment on record", async () => {
    for (const [paymentStatus, amount] of [
      ["WAIVED", 0],
      ["PAID", 3_100],
    ] as Array<[PaymentStatus, number]>) {
      const job = await readyJob({ paymentStatus, priceCents: 3_100 });
      const answer = await site.as.STAFF.pickup.confirm(confirmInput(job.pickupCode));
      expect(answer.receiptsIssued).toBe(1);
      expect(answer.receipts).toHaveLength(1);
      expect(answer.receipts[0]).toMatchObject({ amountCents: amount, currency: "EUR", paymentId: null });
      expect(answer.receipts[0]?.number).toMatch(/^RCT-\d{4}-\d{4}$/);
      expect(await count(harness, "SELECT count(*) AS n FROM receipts WHERE job_id = $1", [job.id])).toBe(1);
    }
  });

  it("gives the first answer again for a repeated client mutation id, without a second handover, event, receipt or scan", async () => {
    const job = await readyJob({ paymentStatus: "WAIVED" });
    const id = randomUUID();
    const first = await site.as.STAFF.pickup.confirm(confirmInput(job.pickupCode, id));
    const again = await site.as.STAFF.pickup.confirm(confirmInput(job.pickupCode, id));
    expect(again.replayed).toBe(true);
    expect({ ...again, replayed: false }).toEqual(first);
    expect(await count(harness, "SELECT count(*) AS n FROM job_events WHERE job_id = $1 AND type = 'picked_up'", [job.id])).toBe(1);
    expect(await count(harness, "SELECT count(*) AS n FROM receipts WHERE job_id = $1", [job.id])).toBe(1);
    expect(await scansOf(job.pickupCode)).toHaveLength(1);

    // A new scan (new id) of the same code is a new question, with the answer of now.
    const later = await refusalOf(site.as.STAFF.pickup.confirm(confirmInput(job.pickupCode)));
    expect(later.reason).toBe("ALREADY_PICKED_UP");
  });

  it("keeps a refusal as the answer to its mutation id even after the job has been settled", async () => {
    const job = await readyJob({ paymentStatus: "UNPAID", priceCents: 1_500 });
    const id = randomUUID();
    const first = await refusalOf(site.as.STAFF.pickup.confirm(confirmInput(job.pickupCode, id)));
    expect(first.reason).toBe("UNPAID");
    await pay(job.id, 1_500);
    const replay = await refusalOf(site.as.STAFF.pickup.confirm(confirmInput(job.pickupCode, id)));
    expect(replay).toEqual(first);
    expect(await scansOf(job.pickupCode)).toHaveLength(1);
    const handedOver = await site.as.STAFF.pickup.confirm(confirmInput(job.pickupCode));
    expect(handedOver.outcome).toBe("HANDED_OVER");
  });

  it("refuses a mutation id reused for another code, and accepts the same id from another station", async () => {
    const a = await readyJob({ paymentStatus: "WAIVED" });
    const b = await readyJob({ paymentStatus: "WAIVED" });
    const id = randomUUID();
    await site.as.STAFF.pickup.confirm(confirmInput(a.pickupCode, id));
    const reused = await refusalOf(site.as.STAFF.pickup.confirm(confirmInput(b.pickupCode, id)));
    expect(reused.code).toBe("CONFLICT");
    expect((await harness.db.prisma.job.findUniqueOrThrow({ where: { id: b.id } })).status).toBe("READY_FOR_PICKUP");
    // Mutation ids are per station: another console's id space is its own.
    const other = await addStation(harness, site, "Back door");
    expect((await other.staff.pickup.confirm(confirmInput(b.pickupCode, id))).outcome).toBe("HANDED_OVER");
  });

  it("only confirms at an enrolled station", async () => {
    const job = await readyJob({ paymentStatus: "WAIVED" });
    const browser = await signInWithoutStation(harness, site);
    const refused = await refusalOf(browser.pickup.confirm(confirmInput(job.pickupCode)));
    expect(refused.code).toBe("FORBIDDEN");
    // Looking up needs no station.
    expect((await browser.pickup.lookup({ code: job.pickupCode })).canHandOver).toBe(true);
  });
});

describe("every other case answers its own reason and changes nothing but the scan record", () => {
  async function expectRefused(code: string, reason: string, trpcCode: string, jobId: string | null): Promise<Refusal> {
    const before = await fingerprint(harness);
    const scansBefore = await count(harness, "SELECT count(*) AS n FROM scan_records");
    const clientMutationId = randomUUID();
    const refusal = await refusalOf(site.as.STAFF.pickup.confirm(confirmInput(code, clientMutationId)));
    expect(refusal.reason).toBe(reason);
    expect(refusal.code).toBe(trpcCode);
    expect(await fingerprint(harness), `${reason} changed jobs, receipts, events, payments or counters`).toBe(before);
    expect(await count(harness, "SELECT count(*) AS n FROM scan_records")).toBe(scansBefore + 1);
    const scan = await harness.db.prisma.scanRecord.findFirstOrThrow({ where: { clientMutationId } });
    expect(scan).toMatchObject({ siteId: site.siteId, stationId: site.stationId, userId: site.users.STAFF.id, outcome: reason, jobId });
    expect(scan.clientTime?.toISOString()).toBe("2026-11-23T09:15:00.000Z");
    expect(Math.abs(scan.serverTime.getTime() - Date.now())).toBeLessThan(60_000);
    return refusal;
  }

  it("INVALID_CODE: one symbol changed fails the check symbol", async () => {
    const job = await readyJob();
    const wrong = [...PICKUP_CODE_ALPHABET].find((c) => c !== job.pickupCode[3]) ?? "2";
    const typo = `${job.pickupCode.slice(0, 3)}${wrong}${job.pickupCode.slice(4)}`;
    const refusal = await expectRefused(typo, "INVALID_CODE", "BAD_REQUEST", null);
    expect(refusal.message).toMatch(/not a valid pickup code/);
    expect((await harness.db.prisma.scanRecord.findFirstOrThrow({ where: { code: typo } })).code).toBe(typo);
    // Junk from a scanner is recorded as scanned, too.
    await expectRefused("hello world", "INVALID_CODE", "BAD_REQUEST", null);
  });

  it("UNKNOWN_CODE and another site's code answer identically", async () => {
    const unknown = await unusedCode(harness);
    const theirs = await addPickupJob(harness, otherSite, { status: "READY_FOR_PICKUP", paymentStatus: "PAID" });
    const a = await expectRefused(unknown, "UNKNOWN_CODE", "NOT_FOUND", null);
    const b = await expectRefused(theirs.pickupCode, "UNKNOWN_CODE", "NOT_FOUND", null);
    const blank = (r: Refusal, code: string) => JSON.parse(JSON.stringify(r).replaceAll(formatPickupCode(code), "<code>")) as unknown;
    expect(blank(b, theirs.pickupCode)).toEqual(blank(a, unknown));
    // The same for a look-up, and the other site's job is untouched.
    const la = await refusalOf(site.as.STAFF.pickup.lookup({ code: unknown }));
    const lb = await refusalOf(site.as.STAFF.pickup.lookup({ code: theirs.pickupCode }));
    expect(blank(lb, theirs.pickupCode)).toEqual(blank(la, unknown));
    expect((await harness.db.prisma.job.findUniqueOrThrow({ where: { id: theirs.id } })).status).toBe("READY_FOR_PICKUP");
    expect(await count(harness, "SELECT count(*) AS n FROM scan_records WHERE site_id = $1", [otherSite.siteId])).toBe(0);
  });

  it("NOT_READY names the current status; a job to be shipped is not collected either", async () => {
    for (const status of ["QUEUED", "IN_PROGRESS", "POST_PROCESSING", "ON_HOLD", "FAILED"] as const) {
      const job = await readyJob({ status });
      const refusal = await expectRefused(job.pickupCode, "NOT_READY", "PRECONDITION_FAILED", job.id);
      expect(refusal.details).toMatchObject({ status, jobNumber: formatJobNumber(job.number) });
      expect(refusal.message).toContain("not ready yet");
    }
    const shipping = await readyJob({ fulfilment: "SHIP" });
    const refusal = await expectRefused(shipping.pickupCode, "NOT_READY", "PRECONDITION_FAILED", shipping.id);
    expect(refusal.details).toMatchObject({ fulfilment: "SHIP" });
  });

  it("UNPAID says how much to collect (what is left after a deposit)", async () => {
    const job = await readyJob({ paymentStatus: "UNPAID", priceCents: 5_000 });
    await pay(job.id, 2_000);
    const refusal = await expectRefused(job.pickupCode, "UNPAID", "PRECONDITION_FAILED", job.id);
    expect(refusal.details).toMatchObject({ amountDueCents: 3_000, currency: "EUR", paymentStatus: "UNPAID" });
    expect(refusal.message).toContain("€30.00");
    const refunded = await readyJob({ paymentStatus: "REFUNDED", priceCents: 1_200 });
    const again = await expectRefused(refunded.pickupCode, "UNPAID", "PRECONDITION_FAILED", refunded.id);
    expect(again.details).toMatchObject({ amountDueCents: 1_200, paymentStatus: "REFUNDED" });
  });

  it("ALREADY_PICKED_UP says when, by whom and at which station", async () => {
    const frontDoor = await addStation(harness, site, "Front door");
    const job = await readyJob({
      status: "PICKED_UP",
      pickedUp: { at: new Date("2026-03-29T01:30:00Z"), byId: site.users.LEAD.id, stationId: frontDoor.stationId },
    });
    const refusal = await expectRefused(job.pickupCode, "ALREADY_PICKED_UP", "CONFLICT", job.id);
    expect(refusal.details).toMatchObject({
      pickedUpAt: "2026-03-29T01:30:00.000Z",
      pickedUpBy: "LEAD of Pickup Kreuzberg",
      station: "Front door",
    });
    // In the site's time: 01:30 UTC on the spring-forward night is 03:30 summer time in Berlin.
    expect(refusal.message).toContain("Sun, 29 Mar 2026, 03:30 CEST");
    expect(refusal.message).toContain("LEAD of Pickup Kreuzberg");
    expect(refusal.message).toContain("Front door");
  });

  it("CANCELLED", async () => {
    const job = await readyJob({ status: "CANCELLED", paymentStatus: "UNPAID" });
    await expectRefused(job.pickupCode, "CANCELLED", "PRECONDITION_FAILED", job.id);
  });
});

describe("pickup.lookup", () => {
  it("shows job, customer, payment and whether it can be handed over, changing nothing", async () => {
    const job = await readyJob({ paymentStatus: "UNPAID", priceCents: 2_750, title: "Lamp shade" });
    const before = await fingerprint(harness);
    const scans = await count(harness, "SELECT count(*) AS n FROM scan_records");
    const view = await site.as.STAFF.pickup.lookup({ code: ` ${formatPickupCode(job.pickupCode)} ` });
    expect(view).toMatchObject({
      job: { id: job.id, number: formatJobNumber(job.number), title: "Lamp shade", status: "READY_FOR_PICKUP" },
      customer: { name: "Ada Lovelace" },
      payment: { status: "UNPAID", priceCents: 2_750, amountDueCents: 2_750, amountDue: "€27.50" },
      canHandOver: false,
      refusal: { reason: "UNPAID" },
    });
    expect(await fingerprint(harness)).toBe(before);
    expect(await count(harness, "SELECT count(*) AS n FROM scan_records")).toBe(scans);

    const ready = await readyJob();
    expect(await site.as.STAFF.pickup.lookup({ code: ready.pickupCode })).toMatchObject({ canHandOver: true, refusal: null });
  });

  it("answers INVALID_CODE without touching the database", async () => {
    const untouchable = new Proxy({} as PrismaClient, {
      get() {
        throw new Error("the database was touched");
      },
    });
    const principal = {
      userId: site.users.STAFF.id,
      siteId: site.siteId,
      role: "STAFF" as const,
      email: site.users.STAFF.email,
      name: "STAFF",
      sessionId: randomUUID(),
      stationId: site.stationId,
      stationName: "counter",
    };
    const job = await readyJob();
    const typo = `${job.pickupCode.slice(0, 9)}${[...PICKUP_CODE_ALPHABET].find((c) => c !== job.pickupCode[9])}`;
    await expect(lookupPickup({ prisma: untouchable }, principal, typo)).rejects.toMatchObject({ reason: "INVALID_CODE" });
    // A well-formed code goes on to the database, which this client is not.
    await expect(lookupPickup({ prisma: untouchable }, principal, job.pickupCode)).rejects.toThrow(/the database was touched|not made by createPrismaClient/);
  });
});
