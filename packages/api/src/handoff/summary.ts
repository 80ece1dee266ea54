// What happened in a period and where the floor stands now, for the shift handoff.
//
// Everything is counted from stored UTC instants over the half-open period [from, to): two
// adjacent periods never count a row twice or drop one, and the daylight-saving hour is simply
// an hour more or less of instants. Only the boundaries are wall times, resolved with the site's
// shift rules valid at the time (site/shift-rules.ts, documents/zoned-time.ts).
import {
  DomainError,
  HANDOFF_LIST_LIMIT,
  HANDOFF_MAX_PERIOD_DAYS,
  formatJobNumber,
  summariseHandoffRows,
  type ExceptionList,
  type Forecast,
  type HandoffJobRow,
  type ScanOutcome,
} from "@orderdeck/contracts";
import { Prisma, type PrismaClient, type TransactionClient } from "@orderdeck/db";
import { listExceptions } from "../exceptions/service.ts";
import { forecastCapacity } from "../forecast/service.ts";
import type { HandoffSummary } from "@orderdeck/contracts";
import { currentShiftStart, formatLocal, parseBoundary } from "../documents/zoned-time.ts";
import { shiftHistory } from "../site/shift-rules.ts";

/** Jobs listed per category; counts are complete regardless. */
export const LIST_LIMIT = HANDOFF_LIST_LIMIT;
export const NEXT_IN_QUEUE = 10;
export const MAX_PERIOD_DAYS = HANDOFF_MAX_PERIOD_DAYS;
const HOUR_MS = 3_600_000;

export interface PeriodInput {
  from?: string | undefined;
  to?: string | undefined;
}

export interface Period {
  from: Date;
  to: Date;
  basis: HandoffSummary["period"]["basis"];
}

/**
 * The period a summary covers. Defaults: up to now; from the end of the site's last acknowledged
 * handoff (the previous shift's report was taken over, so everything after it is news), or from
 * the start of the current shift when there is none (or it is older than the longest period).
 * Shift starts follow the rules valid at the instant they are asked about, so a period of the past
 * keeps the boundaries it had.
 */
export async function resolvePeriod(tx: TransactionClient, siteId: string, timeZone: string, input: PeriodInput, now: Date): Promise<Period> {
  const parse = (text: string, which: string): Date => {
    const instant = parseBoundary(text, timeZone);
    if (!instant) {
      throw new DomainError("VALIDATION_FAILED", `"${which}" must be a date (2026-03-29), a wall time at the site (2026-03-29T06:00) or an instant with its offset.`);
    }
    return instant;
  };
  const history = await shiftHistory(tx, siteId, timeZone);
  const to = input.to !== undefined ? parse(input.to, "to") : now;
  let from: Date;
  let basis: Period["basis"] = "chosen";
  if (input.from !== undefined) {
    from = parse(input.from, "from");
  } else if (input.to !== undefined) {
    // A chosen end without a start: the shift that was running just before it.
    from = currentShiftStart(new Date(to.getTime() - 1), history);
  } else {
    const last = await tx.handoff.findFirst({
      where: { siteId, status: "ACKNOWLEDGED" },
      orderBy: [{ periodTo: "desc" }, { id: "desc" }],
      select: { periodTo: true },
    });
    const oldest = to.getTime() - MAX_PERIOD_DAYS * 24 * HOUR_MS;
    if (last && last.periodTo.getTime() < to.getTime() && last.periodTo.getTime() >= oldest) {
      from = last.periodTo;
      basis = "since_last_handoff";
    } else {
      from = currentShiftStart(now, history);
      basis = "current_shift";
    }
  }
  if (from.getTime() >= to.getTime()) throw new DomainError("VALIDATION_FAILED", "The period must end after it starts.");
  if (to.getTime() - from.getTime() > MAX_PERIOD_DAYS * 24 * HOUR_MS) {
    throw new DomainError("VALIDATION_FAILED", `A handoff covers at most ${MAX_PERIOD_DAYS} days; choose a shorter period.`);
  }
  return { from, to, basis };
}

const jobRefSelect = {
  id: true,
  number: true,
  title: true,
  customer: { select: { name: true } },
} satisfies Prisma.JobSelect;

type JobRefRow = Prisma.JobGetPayload<{ select: typeof jobRefSelect }>;

function ref(job: JobRefRow): { jobId: string; number: string; title: string; customer: string | null } {
  return { jobId: job.id, number: formatJobNumber(job.number), title: job.title, customer: job.customer?.name ?? null };
}

type TransitionKind = "started" | "finished" | "failed" | "reprinted" | "picked_up";

interface TransitionRow {
  kind: TransitionKind;
  job_id: string;
  at: Date;
}

/**
 * Status changes in the period, classified. A return from ON_HOLD is a resumption, not a start,
 * finish or failure; FAILED → QUEUED is a reprint. Read from every event that records a status
 * change (status_changed from the jobs service and the seed, picked_up from the counter), except
 * "created": a job imported already under way was received, not started, in this period.
 */
async function transitionsIn(tx: TransactionClient, siteId: string, period: Period): Promise<Map<TransitionKind, Map<string, Date>>> {
  const rows = await tx.$queryRaw<TransitionRow[]>`
    SELECT kind, job_id, max(at) AS at FROM (
      SELECT e.job_id, e.at,
        CASE
          WHEN e.after->>'status' = 'PICKED_UP' THEN 'picked_up'
          WHEN e.before->>'status' IS NOT DISTINCT FROM 'ON_HOLD' THEN NULL
          WHEN e.after->>'status' = 'IN_PROGRESS' THEN 'started'
          WHEN e.after->>'status' = 'READY_FOR_PICKUP' THEN 'finished'
          WHEN e.after->>'status' = 'FAILED' THEN 'failed'
          WHEN e.after->>'status' = 'QUEUED' AND e.before->>'status' = 'FAILED' THEN 'reprinted'
        END AS kind
      FROM job_events e
      WHERE e.site_id = ${siteId}::uuid
        AND e.at >= ${period.from} AND e.at < ${period.to}
        AND e.type <> 'created'
        AND e.after ? 'status'
        AND (e.before->>'status') IS DISTINCT FROM (e.after->>'status')
    ) classified
    WHERE kind IS NOT NULL
    GROUP BY kind, job_id`;
  const byKind = new Map<TransitionKind, Map<string, Date>>();
  for (const row of rows) {
    const jobs = byKind.get(row.kind) ?? new Map<string, Date>();
    jobs.set(row.job_id, row.at);
    byKind.set(row.kind, jobs);
  }
  return byKind;
}

async function jobRefs(tx: TransactionClient, siteId: string, ids: string[]): Promise<Map<string, JobRefRow>> {
  if (ids.length === 0) return new Map();
  const rows = await tx.job.findMany({ where: { siteId, id: { in: ids } }, select: jobRefSelect });
  return new Map(rows.map((row) => [row.id, row]));
}

/** The first LIST_LIMIT jobs of a kind, in time order, with their job facts. */
async function momentsOf(tx: TransactionClient, siteId: string, jobs: Map<string, Date> | undefined): Promise<HandoffSummary["received"]> {
  const ordered = [...(jobs ?? new Map<string, Date>()).entries()].sort((a, b) => a[1].getTime() - b[1].getTime()).slice(0, LIST_LIMIT);
  const refs = await jobRefs(tx, siteId, ordered.map(([id]) => id));
  return ordered.flatMap(([id, at]) => {
    const job = refs.get(id);
    return job ? [{ ...ref(job), at: at.toISOString() }] : [];
  });
}

/** What the summary takes from the floor services: the exceptions list and the capacity forecast. */
export interface FloorState {
  exceptions: ExceptionList;
  forecast: Forecast;
}

/**
 * Read through the exceptions and forecast services, so that the handoff says exactly what their
 * screens say (what is overdue, when the queue will be done). Each runs its own transaction: call
 * this before opening the summary's, never inside it, or one request would hold two connections.
 */
export async function floorState(prisma: PrismaClient, siteId: string, now: Date): Promise<FloorState> {
  const exceptions = await listExceptions(prisma, siteId, { perKind: LIST_LIMIT }, now);
  const forecast = await forecastCapacity(prisma, siteId, { limit: NEXT_IN_QUEUE }, now);
  return { exceptions, forecast };
}

export async function computeSummary(tx: TransactionClient, siteId: string, period: Period, now: Date, floor: FloorState): Promise<HandoffSummary> {
  const site = await tx.site.findFirst({ where: { id: siteId }, select: { name: true, timezone: true } });
  if (!site) throw new DomainError("NOT_FOUND", "That site does not exist.");
  const tz = site.timezone;
  const inPeriod = { gte: period.from, lt: period.to };

  // One statement at a time: an interactive transaction runs on one connection anyway.
  const transitions = await transitionsIn(tx, siteId, period);
  const rows = await handoffJobRows(tx, siteId, period, transitions.get("picked_up"));
  const fromRows = summariseHandoffRows(rows, { from: period.from.toISOString(), to: period.to.toISOString() });
  const readySince = await readySinceOf(tx, siteId, fromRows.readyWaiting.map((r) => r.jobId));

  const overdueEntries = floor.exceptions.items.filter((item) => item.kind === "OVERDUE" && item.job);
  const overdueRefs = await tx.job.findMany({
    where: { siteId, id: { in: overdueEntries.flatMap((item) => (item.job ? [item.job.id] : [])) } },
    select: { ...jobRefSelect, dueAt: true, status: true },
  });
  const overdueById = new Map(overdueRefs.map((job) => [job.id, job]));
  const queueIds = floor.forecast.jobs.map((job) => job.id);
  const queueRefs = await jobRefs(tx, siteId, queueIds);

  const scanGroups = await tx.scanRecord.groupBy({ by: ["outcome"], where: { siteId, serverTime: inPeriod }, _count: { _all: true } });

  const refusedByOutcome: Partial<Record<ScanOutcome, number>> = {};
  let scansTotal = 0;
  let handedOver = 0;
  for (const group of scanGroups) {
    scansTotal += group._count._all;
    if (group.outcome === "HANDED_OVER") handedOver += group._count._all;
    else refusedByOutcome[group.outcome] = group._count._all;
  }

  const count = (kind: TransitionKind): number => transitions.get(kind)?.size ?? 0;
  const openExceptions = Object.values(floor.exceptions.counts).reduce((total, n) => total + n, 0);
  return {
    version: 1,
    site: { name: site.name, timezone: tz },
    period: {
      from: period.from.toISOString(),
      to: period.to.toISOString(),
      fromLocal: formatLocal(period.from, tz),
      toLocal: formatLocal(period.to, tz),
      hours: Math.round(((period.to.getTime() - period.from.getTime()) / HOUR_MS) * 100) / 100,
      basis: period.basis,
    },
    generatedAt: now.toISOString(),
    generatedAtLocal: formatLocal(now, tz),
    counts: {
      received: fromRows.counts.received,
      started: count("started"),
      finished: count("finished"),
      pickedUp: fromRows.counts.pickedUp,
      failed: count("failed"),
      reprinted: count("reprinted"),
      readyWaiting: fromRows.counts.readyWaiting,
      readyUnpaid: fromRows.counts.readyUnpaid,
      overdue: floor.exceptions.counts.OVERDUE ?? 0,
      openExceptions,
      scansRefused: scansTotal - handedOver,
    },
    listLimit: LIST_LIMIT,
    received: fromRows.received,
    started: await momentsOf(tx, siteId, transitions.get("started")),
    finished: await momentsOf(tx, siteId, transitions.get("finished")),
    pickedUp: fromRows.pickedUp,
    failed: await momentsOf(tx, siteId, transitions.get("failed")),
    reprinted: await momentsOf(tx, siteId, transitions.get("reprinted")),
    readyWaiting: fromRows.readyWaiting.map(({ paymentStatus, unpaid, amountDue, ...job }) => ({
      ...job,
      readySince: readySince.get(job.jobId)?.toISOString() ?? null,
      paymentStatus,
      unpaid,
      amountDue,
    })),
    overdue: overdueEntries.flatMap((item) => {
      const job = item.job ? overdueById.get(item.job.id) : undefined;
      return job ? [{ ...ref(job), dueAt: (job.dueAt ?? now).toISOString(), status: job.status }] : [];
    }),
    exceptions: {
      total: openExceptions,
      byKind: Object.fromEntries(Object.entries(floor.exceptions.counts).filter(([, n]) => n > 0)),
    },
    forecast: {
      machines: floor.forecast.machines,
      completesAt: floor.forecast.completesAt,
      jobCount: floor.forecast.jobCount,
    },
    nextInQueue: floor.forecast.jobs.map((job) => {
      const known = queueRefs.get(job.id);
      return {
        jobId: job.id,
        number: job.displayNumber,
        title: job.title,
        customer: known?.customer?.name ?? null,
        position: job.queuePosition,
        status: job.status,
        remainingMinutes: job.remainingMinutes,
        estimateAssumed: job.estimateAssumed,
        forecastCompletionAt: job.finishesAt,
      };
    }),
    scans: { total: scansTotal, handedOver, refused: scansTotal - handedOver, refusedByOutcome },
  };
}

/**
 * The site's jobs that the summary's row part reads (received or handed over in the period, or
 * ready now), in id order: the order its lists keep for jobs that tie. Handed over: the counter's
 * picked_up events, status changes to PICKED_UP, and the job's own picked-up time (jobs handed
 * over by an import or a path that wrote no event) — once per job, the job's own time first.
 */
export async function handoffJobRows(
  tx: TransactionClient,
  siteId: string,
  period: Period,
  pickedUpEvents?: Map<string, Date>,
): Promise<HandoffJobRow[]> {
  const events = pickedUpEvents ?? (await transitionsIn(tx, siteId, period)).get("picked_up") ?? new Map<string, Date>();
  const inPeriod = { gte: period.from, lt: period.to };
  const jobs = await tx.job.findMany({
    where: { siteId, OR: [{ createdAt: inPeriod }, { pickedUpAt: inPeriod }, { status: "READY_FOR_PICKUP" }, { id: { in: [...events.keys()] } }] },
    orderBy: { id: "asc" },
    select: {
      ...jobRefSelect,
      status: true,
      queuePosition: true,
      paymentStatus: true,
      priceCents: true,
      currency: true,
      createdAt: true,
      pickedUpAt: true,
      pickedUpBy: { select: { name: true } },
      pickedUpStation: { select: { name: true } },
    },
  });
  const paid = await paidByJob(tx, siteId, jobs.filter((j) => j.status === "READY_FOR_PICKUP" && j.paymentStatus === "UNPAID").map((j) => j.id));
  return jobs.map((job) => {
    const column = job.pickedUpAt;
    const handedOver = column && column >= period.from && column < period.to ? column : (events.get(job.id) ?? null);
    return {
      id: job.id,
      number: job.number,
      title: job.title,
      customer: job.customer?.name ?? null,
      status: job.status,
      queuePosition: job.queuePosition,
      paymentStatus: job.paymentStatus,
      priceCents: job.priceCents,
      paidCents: paid.get(job.id) ?? 0,
      currency: job.currency,
      createdAt: job.createdAt.toISOString(),
      pickedUpAt: handedOver?.toISOString() ?? null,
      pickedUpBy: job.pickedUpBy?.name ?? null,
      pickedUpStation: job.pickedUpStation?.name ?? null,
    };
  });
}

/** When each job last became ready (its latest change to READY_FOR_PICKUP). */
async function readySinceOf(tx: TransactionClient, siteId: string, jobIds: string[]): Promise<Map<string, Date>> {
  if (jobIds.length === 0) return new Map();
  const rows = await tx.$queryRaw<Array<{ job_id: string; at: Date }>>`
    SELECT job_id, max(at) AS at FROM job_events
    WHERE site_id = ${siteId}::uuid AND job_id IN (${Prisma.join(jobIds.map((id) => Prisma.sql`${id}::uuid`))})
      AND after->>'status' = 'READY_FOR_PICKUP'
    GROUP BY job_id`;
  return new Map(rows.map((r) => [r.job_id, r.at]));
}

async function paidByJob(tx: TransactionClient, siteId: string, jobIds: string[]): Promise<Map<string, number>> {
  if (jobIds.length === 0) return new Map();
  const sums = await tx.payment.groupBy({ by: ["jobId"], where: { siteId, jobId: { in: jobIds } }, _sum: { amountCents: true } });
  return new Map(sums.map((s) => [s.jobId, s._sum.amountCents ?? 0]));
}
