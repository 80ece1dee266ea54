import { Prisma, type TransactionClient } from "@orderdeck/db";
import type { TaskName, TaskPayload } from "./registry.ts";

/**
 * Attempts graphile-worker makes of a job whose handler throws (an unexpected failure; expected
 * delivery failures are retried by the task itself, see task.ts).
 */
export const DEFAULT_MAX_ATTEMPTS = 5;

export interface EnqueueOptions {
  /**
   * While a job with this key waits, enqueueing the key again replaces it instead of adding a
   * second one. Keys are per site (app_enqueue prefixes the site's id).
   */
  jobKey?: string;
  runAt?: Date;
  maxAttempts?: number;
  /** Jobs of one named queue run one at a time. */
  queue?: string;
}

/**
 * Adds a background job inside `tx`, the transaction of the change that causes it: if that
 * transaction rolls back, the job was never there; if it commits, the job is there. `tx` must act
 * for the payload's site (`inSite`); the database refuses anything else (app_enqueue).
 */
export async function enqueue<N extends TaskName>(
  tx: TransactionClient,
  task: N,
  payload: TaskPayload<N>,
  options: EnqueueOptions = {},
): Promise<string> {
  const rows = await tx.$queryRaw<Array<{ id: string }>>`SELECT ${enqueueCall(task, payload, options)} AS id`;
  const id = rows[0]?.id;
  if (!id) throw new Error(`app_enqueue returned no job id for ${task}`);
  return id;
}

/**
 * The app_enqueue call as an SQL expression (answering the job id as text), for a statement that
 * enqueues as part of a larger write (see queueMail); the same rules as enqueue.
 */
export function enqueueCall<N extends TaskName>(task: N, payload: TaskPayload<N>, options: EnqueueOptions = {}): Prisma.Sql {
  return Prisma.sql`app_enqueue(
      ${task}::text,
      ${JSON.stringify(payload)}::json,
      ${options.jobKey ?? null}::text,
      ${options.runAt?.toISOString() ?? null}::timestamptz,
      ${options.maxAttempts ?? DEFAULT_MAX_ATTEMPTS}::int,
      ${options.queue ?? null}::text
    )::text`;
}
