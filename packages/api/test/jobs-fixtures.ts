// Jobs put straight into the database (as an import or the seed would), for tests that need a
// job in a given state without walking it there through the API.
import { generatePickupCode, isOpen, type Fulfilment, type JobStatus, type PaymentStatus } from "@orderdeck/contracts";
import type { ApiHarness, SiteFixture } from "./harness.ts";

export interface FixtureJob {
  status?: JobStatus;
  fulfilment?: Fulfilment;
  title?: string;
  paymentStatus?: PaymentStatus;
  dueAt?: Date | null;
  createdAt?: Date;
  estimatedMinutes?: number | null;
  machine?: string | null;
  archivedAt?: Date | null;
  queuePosition?: number | null;
  customerId?: string | null;
}

async function endOfQueue(harness: ApiHarness, siteId: string): Promise<number> {
  const result = await harness.db.pool.query<{ next: number }>(
    `SELECT COALESCE(max(queue_position), 0) + 1024 AS next FROM jobs WHERE site_id = $1`,
    [siteId],
  );
  return result.rows[0]?.next ?? 1024;
}

export async function insertJob(harness: ApiHarness, site: SiteFixture, job: FixtureJob = {}) {
  const status = job.status ?? "QUEUED";
  const queuePosition = job.queuePosition !== undefined ? job.queuePosition : isOpen(status) ? await endOfQueue(harness, site.siteId) : null;
  return harness.db.prisma.job.create({
    data: {
      siteId: site.siteId,
      title: job.title ?? `Bracket ${queuePosition ?? "closed"}`,
      status,
      fulfilment: job.fulfilment ?? "PICKUP",
      queuePosition,
      paymentStatus: job.paymentStatus ?? "UNPAID",
      dueAt: job.dueAt ?? null,
      estimatedMinutes: job.estimatedMinutes ?? null,
      machine: job.machine ?? null,
      archivedAt: job.archivedAt ?? null,
      customerId: job.customerId ?? null,
      pickupCode: generatePickupCode(),
      ...(job.createdAt ? { createdAt: job.createdAt, updatedAt: job.createdAt } : {}),
    },
  });
}

/** Open jobs of a site in board order. */
export async function boardOrder(harness: ApiHarness, siteId: string): Promise<Array<{ id: string; queue_position: number }>> {
  const result = await harness.db.pool.query<{ id: string; queue_position: number }>(
    `SELECT id::text, queue_position FROM jobs WHERE site_id = $1 AND queue_position IS NOT NULL ORDER BY queue_position`,
    [siteId],
  );
  return result.rows;
}
