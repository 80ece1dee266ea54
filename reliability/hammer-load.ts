// The hammer's load: consoles (one seat each) picking up, changing status, reordering, taking
// walk-in orders, recording payments and invoicing, as fast as the API answers, for a given time.
// reliability/hammer.test.ts runs it against one API process; reliability/cluster.test.ts runs it
// through nginx in front of two, while processes are killed and restarted. Every answer is kept
// with the moment it was sent and received, so a caller can judge each one against what was
// happening then.
import { randomUUID } from "node:crypto";
import type { JobStatus } from "@orderdeck/contracts";
import type pg from "pg";
import { ApiClient, type ApiAnswer } from "./http-client.ts";
import type { AcknowledgedChange } from "./invariants.ts";
import { addJobs, type JobSpec, type Seat } from "./shop.ts";

export interface HammerTarget {
  /** Where the consoles send their calls (an API process, or a load balancer in front of several). */
  baseUrl: string;
  seats: Seat[];
  /** Open jobs to act on; jobs the load creates are added. */
  openJobIds: string[];
  /** Pickup codes of jobs ready for pickup; jobs the load makes ready are added. */
  readyCodes: string[];
  /** Each job's status before the load (jobs it creates are added as QUEUED). */
  firstStatus: Map<string, JobStatus>;
}

/** What the load acts on and adds to, as it stands before the load. */
export type HammerJobs = Pick<HammerTarget, "openJobIds" | "readyCodes" | "firstStatus">;

/** How many jobs of each kind a hammered shop starts with. */
export interface HammerJobMix {
  readyPaid: number;
  readyUnpaid: number;
  queued: number;
  inProgress: number;
  postProcessing: number;
  onHold: number;
  failed: number;
}

/** The jobs the load acts on, inserted in this order; every other paid ready job has its payment as a row, the rest are paid as after an import. */
export async function addHammerJobs(pool: pg.Pool, siteId: string, mix: HammerJobMix): Promise<HammerJobs> {
  const specs: JobSpec[] = [
    ...Array.from({ length: mix.readyPaid }, (_, i): JobSpec => ({ status: "READY_FOR_PICKUP", paymentStatus: "PAID", withPayment: i % 2 === 0 })),
    ...Array.from({ length: mix.readyUnpaid }, (): JobSpec => ({ status: "READY_FOR_PICKUP", paymentStatus: "UNPAID" })),
    ...Array.from({ length: mix.queued }, (): JobSpec => ({ status: "QUEUED" })),
    ...Array.from({ length: mix.inProgress }, (): JobSpec => ({ status: "IN_PROGRESS" })),
    ...Array.from({ length: mix.postProcessing }, (): JobSpec => ({ status: "POST_PROCESSING" })),
    ...Array.from({ length: mix.onHold }, (): JobSpec => ({ status: "ON_HOLD" })),
    ...Array.from({ length: mix.failed }, (): JobSpec => ({ status: "FAILED" })),
  ];
  const jobs: HammerJobs = { openJobIds: [], readyCodes: [], firstStatus: new Map() };
  for (const job of await addJobs(pool, siteId, specs)) {
    jobs.firstStatus.set(job.id, job.status);
    jobs.openJobIds.push(job.id);
    if (job.status === "READY_FOR_PICKUP") jobs.readyCodes.push(job.pickupCode);
  }
  return jobs;
}

export interface Outcome {
  what: string;
  /** performance.now() when the call was sent and when its answer (or failure) came. */
  sentAt: number;
  answeredAt: number;
  answer: ApiAnswer;
}

export interface HammerResult {
  outcomes: Outcome[];
  /** Changes the API confirmed (2xx): each must have left exactly its event. */
  acknowledged: AcknowledgedChange[];
  /**
   * Request ids of changes that got no definite answer (no answer, or 5xx): the change may or may
   * not have committed, so it may have left its event once, never twice.
   */
  uncertain: Set<string>;
  /** A repeated scan (same mutation id) that was not answered as the first one was. */
  replayMismatches: string[];
  /** Scans that never got a definite answer before the time ran out. */
  unsettledScans: string[];
  /** Jobs whose handover the API confirmed (first time or replayed): each must be PICKED_UP. */
  handedOver: Set<string>;
  done: { handovers: number; transitions: number; reorders: number; creates: number; payments: number; invoices: number };
}

const pick = <T>(items: readonly T[]): T => items[Math.floor(Math.random() * items.length)] as T;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** No definite answer: the call may or may not have had its effect. */
export const indefinite = (answer: ApiAnswer): boolean => answer.status === 0 || answer.status >= 500;

interface JobView {
  job: { id: string; status: JobStatus; version: number; paymentStatus: string; priceCents: number; currency: string; pickupCode: string; allowedNextStatuses: JobStatus[] };
}

type Op = (client: ApiClient) => Promise<void>;

/** Runs the load for `seconds`; a scan without a definite answer is sent again (same mutation id) until it gets one, as a console's outbox does. */
export async function runHammer(target: HammerTarget, seconds: number): Promise<HammerResult> {
  const { openJobIds, readyCodes, firstStatus } = target;
  const result: HammerResult = {
    outcomes: [],
    acknowledged: [],
    uncertain: new Set(),
    replayMismatches: [],
    unsettledScans: [],
    handedOver: new Set(),
    done: { handovers: 0, transitions: 0, reorders: 0, creates: 0, payments: 0, invoices: 0 },
  };
  const { done, acknowledged, uncertain } = result;
  const deadline = Date.now() + seconds * 1000;
  // A scan still unanswered at the deadline is tried for a while longer: a console never drops one.
  const scanDeadline = deadline + 60_000;

  const call = async <T>(what: string, sending: () => Promise<ApiAnswer<T>>, requestId?: string): Promise<ApiAnswer<T>> => {
    const sentAt = performance.now();
    const answer = await sending();
    result.outcomes.push({ what, sentAt, answeredAt: performance.now(), answer: answer as ApiAnswer });
    if (requestId && indefinite(answer)) uncertain.add(requestId);
    return answer;
  };

  async function pickup(client: ApiClient): Promise<void> {
    const code = pick(readyCodes);
    await call("pickup.lookup", () => client.query("pickup.lookup", { code }));
    const input = { code, clientMutationId: randomUUID(), scannedAt: new Date().toISOString() };
    type Confirmed = { job: { id: string }; replayed: boolean };
    let first: ApiAnswer<Confirmed> | undefined;
    let requestId = "";
    for (;;) {
      requestId = randomUUID();
      first = await call("pickup.confirm", () => client.mutate<Confirmed>("pickup.confirm", input, { requestId }), requestId);
      if (!indefinite(first)) break;
      if (Date.now() > scanDeadline) {
        result.unsettledScans.push(input.clientMutationId);
        return;
      }
      await sleep(200);
    }
    if (first.status === 200 && first.data) {
      // The scan that applied it may have been an earlier attempt whose answer was lost; that is
      // the ledger's business: its event carries that attempt's request id.
      if (first.data.replayed) uncertain.add(requestId);
      else acknowledged.push({ requestId, jobId: first.data.job.id, type: "picked_up" });
      result.handedOver.add(first.data.job.id);
      done.handovers++;
    }
    // A console that lost the answer sends the same scan again: it gets the first answer back.
    if (Math.random() < 0.15 && first.status !== 429) {
      const again = await call("pickup.confirm (repeat)", () => client.mutate<Confirmed>("pickup.confirm", input));
      if (indefinite(again)) return;
      const same =
        again.status === first.status &&
        (first.status !== 200 || (again.data?.replayed === true && again.data.job.id === first.data?.job.id)) &&
        (first.status === 200 || again.error?.reason === first.error?.reason);
      if (!same && again.status !== 429) result.replayMismatches.push(`${first.status}/${first.error?.reason} then ${again.status}/${again.error?.reason}`);
    }
  }

  async function changeStatus(client: ApiClient): Promise<void> {
    const got = await call("jobs.get", () => client.query<JobView>("jobs.get", { id: pick(openJobIds) }));
    if (got.status !== 200 || !got.data) return;
    const { job } = got.data;
    const choices = job.allowedNextStatuses.filter((s) => s !== "PICKED_UP" && (s !== "CANCELLED" || Math.random() < 0.1));
    if (choices.length === 0) return;
    const to = pick(choices);
    const requestId = randomUUID();
    const moved = await call("jobs.transition", () => client.mutate("jobs.transition", { id: job.id, version: job.version, to }, { requestId }), requestId);
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
    const moved = await call("jobs.reorder", () => client.mutate("jobs.reorder", input, { requestId }), requestId);
    if (moved.status === 200) {
      acknowledged.push({ requestId, jobId: id, type: "reordered" });
      done.reorders++;
    }
  }

  async function create(client: ApiClient): Promise<void> {
    const requestId = randomUUID();
    const made = await call("jobs.create", () => client.mutate<{ id: string }>("jobs.create", { title: "Walk-in repair part", priceCents: 1_800 }, { requestId }), requestId);
    if (made.status === 200 && made.data) {
      acknowledged.push({ requestId, jobId: made.data.id, type: "created" });
      firstStatus.set(made.data.id, "QUEUED");
      openJobIds.push(made.data.id);
      done.creates++;
    }
  }

  async function pay(client: ApiClient): Promise<void> {
    const got = await call("jobs.get", () => client.query<JobView>("jobs.get", { id: pick(openJobIds) }));
    if (got.status !== 200 || !got.data || got.data.job.paymentStatus !== "UNPAID") return;
    const { job } = got.data;
    const paid = await call("payments.record", () =>
      client.mutate("payments.record", { jobId: job.id, provider: "card-terminal", providerReference: randomUUID(), amountCents: job.priceCents, currency: job.currency }),
    );
    if (paid.status === 200) {
      done.payments++;
      if (job.status === "READY_FOR_PICKUP") readyCodes.push(job.pickupCode);
    }
  }

  async function invoice(client: ApiClient): Promise<void> {
    if ((await call("invoices.create", () => client.mutate("invoices.create", { jobId: pick(openJobIds) }))).status === 200) done.invoices++;
  }

  async function list(client: ApiClient): Promise<void> {
    await call("jobs.list", () => client.query("jobs.list", { filter: { statuses: ["QUEUED", "IN_PROGRESS"] }, limit: 50 }));
  }

  const staffOps: Array<[Op, number]> = [[pickup, 45], [changeStatus, 30], [pay, 6], [invoice, 4], [create, 5], [list, 10]];
  const leadOps: Array<[Op, number]> = [[reorder, 45], [changeStatus, 25], [pickup, 20], [create, 5], [list, 5]];
  const choose = (ops: Array<[Op, number]>): Op => {
    let roll = Math.random() * ops.reduce((sum, [, w]) => sum + w, 0);
    for (const [op, weight] of ops) if ((roll -= weight) < 0) return op;
    return (ops[0] as [Op, number])[0];
  };

  await Promise.all(
    target.seats.map(async (seat, i) => {
      // Consoles sit behind a load balancer at 127.0.0.1 that names each one's own address.
      const client = new ApiClient(target.baseUrl, { ...seat.headers, "x-forwarded-for": `10.0.${i % 250}.${7 + Math.floor(i / 250)}` });
      const ops = seat.role === "LEAD" ? leadOps : staffOps;
      while (Date.now() < deadline) {
        const before = result.outcomes.length;
        await choose(ops)(client);
        // A console that finds the server gone waits a moment before it tries again.
        if (result.outcomes.slice(before).some((o) => indefinite(o.answer))) await sleep(100);
      }
    }),
  );
  return result;
}
