// 200 consoles hammer one shop through the real HTTP API for RELIABILITY_HAMMER_SECONDS (30 s):
// pickup scans (often of the same codes at once, sometimes repeated with the same mutation id),
// reorders, status changes, new jobs, payments and invoices. Nothing may answer 5xx or fail to
// answer, and afterwards every invariant of the shop holds: open positions distinct, no job
// handed over twice, one event per acknowledged change and status histories that chain, job /
// invoice / receipt numbers gapless.
import { randomUUID } from "node:crypto";
import type { JobStatus, UserRole } from "@orderdeck/contracts";
import { createTestDatabase, type TestDatabase } from "@orderdeck/db/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { newSecretKey, startApiHere } from "./api-process.ts";
import { ApiClient, type ApiAnswer } from "./http-client.ts";
import { eventViolations, handoverViolations, numberingViolations, queueViolations, type AcknowledgedChange } from "./invariants.ts";
import { addJobs, createShop, type JobSpec, type Shop } from "./shop.ts";

const SECONDS = Number(process.env.RELIABILITY_HAMMER_SECONDS ?? 30);
const CLIENTS = 200;

let db: TestDatabase;
let shop: Shop;
let api: Awaited<ReturnType<typeof startApiHere>>;
const firstStatus = new Map<string, JobStatus>();
const openJobIds: string[] = [];
const readyCodes: string[] = [];

beforeAll(async () => {
  db = await createTestDatabase();
  const secretKey = newSecretKey();
  const seats: UserRole[] = Array.from({ length: CLIENTS }, (_, i) => (i % 4 === 0 ? "LEAD" : "STAFF"));
  shop = await createShop(db.pool, secretKey, { name: "Hammered", stations: 20, seats });
  const specs: JobSpec[] = [
    ...Array.from({ length: 400 }, (_, i): JobSpec => ({ status: "READY_FOR_PICKUP", paymentStatus: "PAID", withPayment: i % 2 === 0 })),
    ...Array.from({ length: 60 }, (): JobSpec => ({ status: "READY_FOR_PICKUP", paymentStatus: "UNPAID" })),
    ...Array.from({ length: 240 }, (): JobSpec => ({ status: "QUEUED" })),
    ...Array.from({ length: 80 }, (): JobSpec => ({ status: "IN_PROGRESS" })),
    ...Array.from({ length: 60 }, (): JobSpec => ({ status: "POST_PROCESSING" })),
    ...Array.from({ length: 30 }, (): JobSpec => ({ status: "ON_HOLD" })),
    ...Array.from({ length: 20 }, (): JobSpec => ({ status: "FAILED" })),
  ];
  for (const job of await addJobs(db.pool, shop.siteId, specs)) {
    firstStatus.set(job.id, job.status);
    openJobIds.push(job.id);
    if (job.status === "READY_FOR_PICKUP") readyCodes.push(job.pickupCode);
  }
  // Consoles sit behind a load balancer at 127.0.0.1 that names each one's own address.
  api = await startApiHere(db.url, secretKey, { TRUST_PROXY: "127.0.0.1" });
});

afterAll(async () => {
  await api?.stop();
  await db?.drop();
});

const pick = <T>(items: readonly T[]): T => items[Math.floor(Math.random() * items.length)] as T;

interface JobView {
  job: { id: string; status: JobStatus; version: number; paymentStatus: string; priceCents: number; currency: string; pickupCode: string; allowedNextStatuses: JobStatus[] };
}

describe("200 consoles at once", () => {
  it(`keep every invariant through ${SECONDS} s of pickups, reorders and status changes`, { timeout: (SECONDS + 90) * 1000 }, async () => {
    const acknowledged: AcknowledgedChange[] = [];
    const statusCounts = new Map<number, number>();
    const failures: string[] = [];
    const replayMismatches: string[] = [];
    const done = { handovers: 0, transitions: 0, reorders: 0, creates: 0, payments: 0, invoices: 0 };

    const note = <T>(what: string, answer: ApiAnswer<T>): ApiAnswer<T> => {
      statusCounts.set(answer.status, (statusCounts.get(answer.status) ?? 0) + 1);
      if (answer.status === 0 || answer.status >= 500) {
        failures.push(`${what}: ${answer.status} ${answer.networkError ?? `${answer.error?.code} ${answer.error?.message}`}`);
      }
      return answer;
    };

    async function pickup(client: ApiClient): Promise<void> {
      const code = pick(readyCodes);
      note("pickup.lookup", await client.query("pickup.lookup", { code }));
      const input = { code, clientMutationId: randomUUID(), scannedAt: new Date().toISOString() };
      const requestId = randomUUID();
      const first = note("pickup.confirm", await client.mutate<{ job: { id: string }; replayed: boolean }>("pickup.confirm", input, { requestId }));
      if (first.status === 200 && first.data) {
        acknowledged.push({ requestId, jobId: first.data.job.id, type: "picked_up" });
        done.handovers++;
      }
      // A console that lost the answer sends the same scan again: it gets the first answer back.
      if (Math.random() < 0.15 && first.status !== 429) {
        const again = note("pickup.confirm (repeat)", await client.mutate<{ job: { id: string }; replayed: boolean }>("pickup.confirm", input));
        const same =
          again.status === first.status &&
          (first.status !== 200 || (again.data?.replayed === true && again.data.job.id === first.data?.job.id)) &&
          (first.status === 200 || again.error?.reason === first.error?.reason);
        if (!same && again.status !== 429) replayMismatches.push(`${first.status}/${first.error?.reason} then ${again.status}/${again.error?.reason}`);
      }
    }

    async function changeStatus(client: ApiClient): Promise<void> {
      const got = note("jobs.get", await client.query<JobView>("jobs.get", { id: pick(openJobIds) }));
      if (got.status !== 200 || !got.data) return;
      const { job } = got.data;
      const choices = job.allowedNextStatuses.filter((s) => s !== "PICKED_UP" && (s !== "CANCELLED" || Math.random() < 0.1));
      if (choices.length === 0) return;
      const to = pick(choices);
      const requestId = randomUUID();
      const moved = note("jobs.transition", await client.mutate("jobs.transition", { id: job.id, version: job.version, to }, { requestId }));
      if (moved.status === 200) {
        acknowledged.push({ requestId, jobId: job.id, type: "status_changed" });
        done.transitions++;
        if (to === "READY_FOR_PICKUP") readyCodes.push(job.pickupCode);
      }
    }

    async function reorder(client: ApiClient): Promise<void> {
      const id = pick(openJobIds);
      const other = pick(openJobIds);
      if (id === other) return;
      const requestId = randomUUID();
      const input = Math.random() < 0.5 ? { id, before: other } : { id, after: other };
      const moved = note("jobs.reorder", await client.mutate("jobs.reorder", input, { requestId }));
      if (moved.status === 200) {
        acknowledged.push({ requestId, jobId: id, type: "reordered" });
        done.reorders++;
      }
    }

    async function create(client: ApiClient): Promise<void> {
      const requestId = randomUUID();
      const made = note("jobs.create", await client.mutate<{ id: string }>("jobs.create", { title: "Walk-in repair part", priceCents: 1_800 }, { requestId }));
      if (made.status === 200 && made.data) {
        acknowledged.push({ requestId, jobId: made.data.id, type: "created" });
        firstStatus.set(made.data.id, "QUEUED");
        openJobIds.push(made.data.id);
        done.creates++;
      }
    }

    async function pay(client: ApiClient): Promise<void> {
      const got = note("jobs.get", await client.query<JobView>("jobs.get", { id: pick(openJobIds) }));
      if (got.status !== 200 || !got.data || got.data.job.paymentStatus !== "UNPAID") return;
      const { job } = got.data;
      const paid = note(
        "payments.record",
        await client.mutate("payments.record", { jobId: job.id, provider: "card-terminal", providerReference: randomUUID(), amountCents: job.priceCents, currency: job.currency }),
      );
      if (paid.status === 200) {
        done.payments++;
        if (job.status === "READY_FOR_PICKUP") readyCodes.push(job.pickupCode);
      }
    }

    async function invoice(client: ApiClient): Promise<void> {
      if (note("invoices.create", await client.mutate("invoices.create", { jobId: pick(openJobIds) })).status === 200) done.invoices++;
    }

    async function list(client: ApiClient): Promise<void> {
      note("jobs.list", await client.query("jobs.list", { filter: { statuses: ["QUEUED", "IN_PROGRESS"] }, limit: 50 }));
    }

    const staffOps: Array<[(c: ApiClient) => Promise<void>, number]> = [[pickup, 45], [changeStatus, 30], [pay, 6], [invoice, 4], [create, 5], [list, 10]];
    const leadOps: Array<[(c: ApiClient) => Promise<void>, number]> = [[reorder, 45], [changeStatus, 25], [pickup, 20], [create, 5], [list, 5]];
    const choose = (ops: Array<[(c: ApiClient) => Promise<void>, number]>) => {
      let roll = Math.random() * ops.reduce((sum, [, w]) => sum + w, 0);
      for (const [op, weight] of ops) if ((roll -= weight) < 0) return op;
      return (ops[0] as [(c: ApiClient) => Promise<void>, number])[0];
    };

    const deadline = Date.now() + SECONDS * 1000;
    await Promise.all(
      shop.seats.map(async (seat, i) => {
        const client = new ApiClient(api.url, { ...seat.headers, "x-forwarded-for": `10.0.${i}.7` });
        const ops = seat.role === "LEAD" ? leadOps : staffOps;
        while (Date.now() < deadline) await choose(ops)(client);
      }),
    );

    const summary = { ...done, statuses: Object.fromEntries([...statusCounts].sort(([a], [b]) => a - b)) };
    console.info(`hammer: ${JSON.stringify(summary)}`);
    expect(failures.slice(0, 20), `${failures.length} calls answered 5xx or not at all`).toEqual([]);
    expect(replayMismatches.slice(0, 20)).toEqual([]);
    // The load was real: every kind of change happened, and often.
    expect(done.handovers).toBeGreaterThan(20);
    expect(done.transitions).toBeGreaterThan(20);
    expect(done.reorders).toBeGreaterThan(20);
    expect(done.creates).toBeGreaterThan(0);

    expect(await queueViolations(db.pool, shop.siteId)).toEqual([]);
    expect(await handoverViolations(db.pool, shop.siteId)).toEqual([]);
    expect(await numberingViolations(db.pool, shop.siteId)).toEqual([]);
    expect(await eventViolations(db.pool, shop.siteId, acknowledged, firstStatus)).toEqual([]);
  });
});
