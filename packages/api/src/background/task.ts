import type { PrismaClient, TransactionClient } from "@orderdeck/db";
import type { Logger } from "@orderdeck/logging";
import type { PoolClient } from "pg";
import type { z } from "zod";
import type { IntakeEnvironment } from "../intake/sync-run.ts";
import type { MailSender } from "../mail/transport.ts";
import type { StatusLinkSettings } from "../pickup/status-link.ts";
import type { Metrics } from "../observability/metrics.ts";
import type { ServerRetention } from "../retention/service.ts";
import type { RetryPolicy } from "./retry.ts";

/** What every task handler may use; built once per worker process. */
export interface WorkerDependencies {
  prisma: PrismaClient;
  logger: Logger;
  metrics: Metrics;
  mail: {
    /** Closed by the worker when it stops. */
    sender: MailSender;
    /** The From of every mail, e.g. `Workshop <orders@example.com>`. */
    from: string;
    retry: RetryPolicy;
    /** The customer's status page link in the "ready for pickup" mail; absent: the mail carries the code only. */
    statusLinks?: StatusLinkSettings;
  };
  webhooks: {
    /** A receiver that has not answered within this is a failed attempt. */
    timeoutMs: number;
    /** Deliveries given up in a row after which the endpoint is disabled. */
    disableAfter: number;
    retry: RetryPolicy;
    userAgent: string;
    /** Deliver to loopback, private and link-local addresses too (off unless a shop asks; see outbound/destination.ts). */
    allowPrivateNetworks: boolean;
    /** ORDERDECK_SECRET_KEY: opens the endpoints' sealed secrets (webhooks/sealed-secret.ts). */
    secretKey: string;
  };
  retention: ServerRetention & {
    /** Rows archived or deleted per transaction, so no prune holds its locks for long. */
    batchSize: number;
  };
  handoffReminders: {
    /** How long after a shift ended its leads are reminded of a missing handoff. */
    graceMs: number;
  };
  /** The storefront feed's settings and secrets (the lock connection is the task's own). */
  intake?: Omit<IntakeEnvironment, "withConnection">;
  now(): Date;
}

/** The graphile-worker job a handler is running, as far as handlers need to know it. */
export interface TaskRun {
  id: string;
  /** This attempt's number (1 for the first). */
  attempt: number;
  maxAttempts: number;
  /** A connection of the worker's own pool (as the tables' owner, outside row-level security). */
  withPgClient<T>(work: (client: PoolClient) => Promise<T>): Promise<T>;
}

/**
 * One background task: the shape of its payload, what it does, and what the domain records
 * when it is given up.
 *
 * Errors: a handler that throws is retried by graphile-worker (its exponential backoff, up to the
 * job's max attempts), which suits the unexpected (the database gone for a moment, a bug fixed by
 * a deploy). Expected delivery failures (an SMTP refusal, a webhook receiver answering 500) are
 * handled by the task itself: it records the attempt and schedules the next one with our own
 * backoff (see retry.ts) in the same transaction. `PermanentFailure` ends the job at once.
 */
export interface TaskDefinition<S extends z.ZodType = z.ZodType> {
  payload: S;
  run(payload: z.output<S>, deps: WorkerDependencies, job: TaskRun): Promise<void>;
  /**
   * Records in the domain that this task's work will not happen (mail GAVE_UP, delivery GAVE_UP),
   * in a transaction acting for the payload's site. Called after the last attempt failed and
   * when an operator gives the job up.
   */
  giveUp?(tx: TransactionClient, payload: z.output<S>, reason: string): Promise<void>;
}

export function defineTask<S extends z.ZodType>(definition: TaskDefinition<S>): TaskDefinition<S> {
  return definition;
}

/** A failure no retry can fix (a payload of the wrong shape, a row that no longer exists). */
export class PermanentFailure extends Error {
  override name = "PermanentFailure";
}
