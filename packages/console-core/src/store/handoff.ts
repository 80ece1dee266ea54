// The cached jobs as the handoff summary reads them (contracts' summariseHandoffRows), in board
// order: the order its lists keep for jobs that tie.
import type { HandoffJobRow, SyncJob } from "@orderdeck/contracts";
import { getCustomer } from "./cache.ts";
import type { SqliteDatabase } from "./database.ts";
import { boardJobs } from "./queue.ts";

export function handoffRowOf(db: SqliteDatabase, job: SyncJob): HandoffJobRow {
  return {
    id: job.id,
    number: job.number,
    title: job.title,
    customer: job.customerId ? (getCustomer(db, job.customerId)?.name ?? null) : null,
    status: job.status,
    queuePosition: job.queuePosition,
    paymentStatus: job.paymentStatus,
    priceCents: job.priceCents,
    paidCents: job.paidCents,
    currency: job.currency,
    createdAt: job.createdAt,
    // The cache keeps no job events: the job's state is its only word that a handover stands.
    pickedUpAt: job.status === "PICKED_UP" ? job.pickedUpAt : null,
    pickedUpBy: job.pickedUpByName,
    pickedUpStation: job.pickedUpStationName,
  };
}

export function handoffJobRows(db: SqliteDatabase, jobs: readonly SyncJob[] = boardJobs(db)): HandoffJobRow[] {
  return jobs.map((job) => handoffRowOf(db, job));
}
