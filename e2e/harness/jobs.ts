// Jobs a test needs, made through the API as the admin would make them (create, move along the
// status machine, settle the payment), and read back from the server's database.
import { formatJobNumber, type JobStatus } from "@orderdeck/contracts";
import type { Stack } from "./stack.ts";

export interface SeededJob {
  id: string;
  number: number;
  displayNumber: string;
  pickupCode: string;
  title: string;
}

const PATH_TO_READY: JobStatus[] = ["IN_PROGRESS", "POST_PROCESSING", "READY_FOR_PICKUP"];

export async function seedJob(
  stack: Stack,
  options: { title: string; customer: string; email?: string; ready?: boolean; paid?: boolean; priceCents?: number },
): Promise<SeededJob> {
  const created = await stack.admin.mutate<{ id: string; number: number; version: number }>("jobs.create", {
    title: options.title,
    customer: { name: options.customer, ...(options.email ? { email: options.email } : {}) },
    priceCents: options.priceCents ?? 2_500,
    currency: "EUR",
  });
  if (options.ready) {
    for (const to of PATH_TO_READY) await stack.admin.mutate("jobs.transition", { id: created.id, to });
  }
  if (options.paid) await stack.admin.mutate("payments.waive", { jobId: created.id, reason: "E2E: settled at the counter" });
  const row = await stack.db.query<{ pickup_code: string }>("SELECT pickup_code FROM jobs WHERE id = $1", [created.id]);
  return { id: created.id, number: created.number, displayNumber: formatJobNumber(created.number), pickupCode: row.rows[0]?.pickup_code ?? "", title: options.title };
}

export async function serverJob(stack: Stack, id: string): Promise<{ status: string; notes: string | null; pickedUpEvents: number; queuePosition: number | null }> {
  const row = await stack.db.query<{ status: string; notes: string | null; picked: string; queue_position: string | null }>(
    `SELECT status::text, notes, queue_position::text,
            (SELECT count(*) FROM job_events e WHERE e.job_id = j.id AND e.after->>'status' = 'PICKED_UP')::text AS picked
       FROM jobs j WHERE id = $1`,
    [id],
  );
  const found = row.rows[0];
  if (!found) throw new Error(`job ${id} is not on the server`);
  return { status: found.status, notes: found.notes, pickedUpEvents: Number(found.picked), queuePosition: found.queue_position === null ? null : Number(found.queue_position) };
}
