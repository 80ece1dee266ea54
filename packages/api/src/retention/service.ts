// Retention (SPEC §3): closed jobs leave the board's lists after archiveAfterDays; job events,
// scan records and audit rows are deleted after pruneEventsAfterDays; mail log and webhook
// deliveries after pruneDeliveriesAfterDays (the site's settings). The server's own settings
// bound the bookkeeping nobody reads for long: intake run records, the client-mutation ledger's
// stored answers and sessions that ended (ServerRetention). Every step runs in batches, each its
// own short transaction acting for the site, so that a prune of a year's rows never holds locks
// for long and a batch that fails loses only itself (the next run picks up where this one stopped).
import { DomainError } from "@orderdeck/contracts";
import { Prisma, inSite, type PrismaClient, type TransactionClient } from "@orderdeck/db";
import { writeCallerAudit } from "../audit/log.ts";
import type { AuthedContext } from "../context.ts";

const DAY_MS = 86_400_000;

export interface RetentionSettings {
  archiveAfterDays: number;
  pruneEventsAfterDays: number;
  pruneDeliveriesAfterDays: number;
}

/** The server's retention settings (README: INTAKE_RUN_RETENTION_DAYS and the two below). */
export interface ServerRetention {
  /** Intake run records older than this go; each source keeps its newest finished run (status and /metrics read it). */
  intakeRunDays: number;
  /**
   * A stored answer of the client-mutation ledger is kept at least this long, and beyond that until
   * its console can no longer ask for it again (see clientMutationsBatch).
   */
  clientMutationDays: number;
  /** A session is deleted this long after it expired (its address and user agent, for looking into an incident). */
  expiredSessionDays: number;
}

export const SERVER_RETENTION_DEFAULTS: ServerRetention = { intakeRunDays: 30, clientMutationDays: 30, expiredSessionDays: 7 };

export interface RetentionResult {
  archivedJobs: number;
  jobEvents: number;
  scanRecords: number;
  auditRows: number;
  mailLog: number;
  webhookDeliveries: number;
  intakeRuns: number;
  clientMutations: number;
  sessions: number;
}

const settingsSelect = { archiveAfterDays: true, pruneEventsAfterDays: true, pruneDeliveriesAfterDays: true } as const;

/** Runs `batch` until it handles fewer rows than a full batch; answers the total. */
async function inBatches(batchSize: number, batch: () => Promise<number>): Promise<number> {
  let total = 0;
  for (;;) {
    const handled = await batch();
    total += handled;
    if (handled < batchSize) return total;
  }
}

/**
 * Archives up to `limit` closed jobs last changed before `before`, each with its "archived" event
 * (actor SYSTEM), in one statement. Jobs locked by someone right now are skipped, not waited for;
 * the next run takes them.
 */
async function archiveBatch(tx: TransactionClient, siteId: string, before: Date, now: Date, limit: number, days: number): Promise<number> {
  const rows = await tx.$queryRaw<Array<{ n: number }>>`
    WITH picked AS (
      SELECT id FROM jobs
       WHERE site_id = ${siteId}::uuid AND archived_at IS NULL
         AND status IN ('PICKED_UP', 'SHIPPED', 'CANCELLED') AND updated_at < ${before.toISOString()}::timestamptz
       LIMIT ${limit}
       FOR UPDATE SKIP LOCKED
    ), archived AS (
      UPDATE jobs j SET archived_at = ${now.toISOString()}::timestamptz
        FROM picked WHERE j.id = picked.id AND j.site_id = ${siteId}::uuid
      RETURNING j.id
    ), events AS (
      INSERT INTO job_events (id, site_id, job_id, actor_kind, at, type, before, after)
      SELECT gen_random_uuid(), ${siteId}::uuid, archived.id, 'SYSTEM', ${now.toISOString()}::timestamptz, 'archived',
             '{"archivedAt": null}'::jsonb,
             jsonb_build_object('archivedAt', ${now.toISOString()}::text, 'by', 'retention', 'afterDays', ${days}::int)
        FROM archived
      RETURNING 1
    )
    SELECT count(*)::int AS n FROM events`;
  return rows[0]?.n ?? 0;
}

/** Tables pruned by age alone; names are written into SQL, so only these can be. */
type PrunedTable = "job_events" | "scan_records" | "audit_log" | "mail_log" | "webhook_deliveries" | "sessions";

/** Deletes up to `limit` rows that `doomed` selects (ids of `table`), skipping rows locked right now. */
function deleteBatch(tx: TransactionClient, table: string, doomed: Prisma.Sql): Promise<number> {
  return tx.$executeRaw`
    WITH doomed AS (${doomed} FOR UPDATE SKIP LOCKED)
    DELETE FROM ${Prisma.raw(`"${table}"`)} t USING doomed WHERE t.id = doomed.id`;
}

// A console pushes its outbox oldest first whenever it reaches the server, and drops a change
// only once it holds the answer. So a change the server took from a station at least an hour
// after it stored an earlier answer (a later push, not the same one) shows that the console has
// that answer, or asked for it again first and was answered; an hour later that push is over.
const LATER_PUSH_MARGIN = "1 hour";

/**
 * Up to `limit` stored answers of the client-mutation ledger that no console can ask for again
 * (README "Retention"): answered more than `before`, and either every station of its console
 * installation is revoked (their tokens are refused; a console enrolled again is a live station of
 * the same installation, so its answers stay) or the installation has pushed a later change since
 * (see LATER_PUSH_MARGIN). A console away for longer than the retention keeps its answers until it
 * is back, however long that is.
 */
function clientMutationsBatch(siteId: string, before: string, now: string, limit: number): Prisma.Sql {
  return Prisma.sql`
    SELECT m.id FROM client_mutations m
     WHERE m.site_id = ${siteId}::uuid AND m.outcome IS NOT NULL AND m.applied_at < ${before}::timestamptz
       AND (NOT EXISTS (SELECT 1 FROM stations s
                         WHERE s.site_id = m.site_id AND s.installation_id = m.installation_id AND s.revoked_at IS NULL)
            OR EXISTS (SELECT 1 FROM client_mutations later
                        WHERE later.site_id = m.site_id AND later.installation_id = m.installation_id
                          AND later.received_at >= m.applied_at + ${LATER_PUSH_MARGIN}::interval
                          AND later.received_at < ${now}::timestamptz - ${LATER_PUSH_MARGIN}::interval))
     LIMIT ${limit}`;
}

/** Archives and prunes one site's rows past their age (its own settings and the server's), batch by batch. */
export async function applyRetention(
  prisma: PrismaClient,
  siteId: string,
  options: { now: Date; batchSize: number } & ServerRetention,
): Promise<RetentionResult> {
  const { now, batchSize } = options;
  const settings = await inSite(prisma, siteId, (tx) => tx.site.findFirst({ where: { id: siteId }, select: settingsSelect }));
  if (!settings) throw new DomainError("NOT_FOUND", "That site does not exist.");
  const cutoff = (days: number) => new Date(now.getTime() - days * DAY_MS).toISOString();
  const archiveBefore = new Date(now.getTime() - settings.archiveAfterDays * DAY_MS);
  const eventsBefore = cutoff(settings.pruneEventsAfterDays);
  const deliveriesBefore = cutoff(settings.pruneDeliveriesAfterDays);
  const batch = (work: (tx: TransactionClient) => Promise<number>) => inBatches(batchSize, () => inSite(prisma, siteId, work));
  // The site's rows of `table` whose `column` is before `before` (and match `also`), batch by batch.
  const pruneBefore = (table: PrunedTable, column: "at" | "server_time" | "created_at" | "expires_at", before: string, also: Prisma.Sql = Prisma.empty) =>
    batch((tx) =>
      deleteBatch(
        tx,
        table,
        Prisma.sql`SELECT id FROM ${Prisma.raw(table)} WHERE site_id = ${siteId}::uuid AND ${Prisma.raw(column)} < ${before}::timestamptz ${also} LIMIT ${batchSize}`,
      ),
    );

  const archivedJobs = await batch((tx) => archiveBatch(tx, siteId, archiveBefore, now, batchSize, settings.archiveAfterDays));
  const jobEvents = await pruneBefore("job_events", "at", eventsBefore);
  const scanRecords = await pruneBefore("scan_records", "server_time", eventsBefore);
  const auditRows = await pruneBefore("audit_log", "at", eventsBefore);
  // A mail or delivery still waiting for its first attempt is kept, whatever its age.
  const attempted = Prisma.sql`AND status <> 'PENDING'`;
  const mailLog = await pruneBefore("mail_log", "created_at", deliveriesBefore, attempted);
  const webhookDeliveries = await pruneBefore("webhook_deliveries", "created_at", deliveriesBefore, attempted);
  // A run still going is never deleted, nor the newest finished run of its source.
  const intakeRuns = await batch((tx) =>
    deleteBatch(
      tx,
      "intake_runs",
      Prisma.sql`SELECT r.id FROM intake_runs r
                  WHERE r.site_id = ${siteId}::uuid AND r.started_at < ${cutoff(options.intakeRunDays)}::timestamptz AND r.status <> 'RUNNING'
                    AND r.id IS DISTINCT FROM (SELECT newest.id FROM intake_runs newest
                                                WHERE newest.source_id = r.source_id AND newest.status IN ('SUCCEEDED', 'FAILED')
                                                ORDER BY newest.started_at DESC, newest.id DESC LIMIT 1)
                  LIMIT ${batchSize}`,
    ),
  );
  const clientMutations = await batch((tx) =>
    deleteBatch(tx, "client_mutations", clientMutationsBatch(siteId, cutoff(options.clientMutationDays), now.toISOString(), batchSize)),
  );
  // A revoked session, or one past its absolute lifetime, is refused and never extended again,
  // so its expiry passes within SESSION_IDLE_HOURS: expiry alone decides.
  const sessions = await pruneBefore("sessions", "expires_at", cutoff(options.expiredSessionDays));
  return { archivedJobs, jobEvents, scanRecords, auditRows, mailLog, webhookDeliveries, intakeRuns, clientMutations, sessions };
}

/**
 * Audit rows that belong to no site (sign-in attempts for addresses nobody has) are kept this
 * long; no site's settings can reach them.
 */
export const UNSITED_AUDIT_DAYS = 365;

/** Prunes the site-less audit rows, as the tables' owner (row-level security hides them from every site). */
export async function pruneUnsitedAudit(prisma: PrismaClient, options: { now: Date; batchSize: number }): Promise<number> {
  const before = new Date(options.now.getTime() - UNSITED_AUDIT_DAYS * DAY_MS).toISOString();
  return inBatches(options.batchSize, () =>
    prisma.$transaction((tx) =>
      deleteBatch(
        tx,
        "audit_log",
        Prisma.sql`SELECT id FROM audit_log WHERE site_id IS NULL AND at < ${before}::timestamptz LIMIT ${options.batchSize}`,
      ),
    ),
  );
}

export async function retentionSettings(ctx: AuthedContext): Promise<RetentionSettings> {
  const { siteId } = ctx.principal;
  const settings = await inSite(ctx.prisma, siteId, (tx) => tx.site.findFirst({ where: { id: siteId }, select: settingsSelect }));
  if (!settings) throw new DomainError("NOT_FOUND", "That site does not exist.");
  return settings;
}

export async function updateRetentionSettings(ctx: AuthedContext, input: Partial<RetentionSettings>): Promise<RetentionSettings> {
  const { siteId } = ctx.principal;
  return inSite(ctx.prisma, siteId, async (tx) => {
    const before = await tx.site.findFirst({ where: { id: siteId }, select: settingsSelect });
    if (!before) throw new DomainError("NOT_FOUND", "That site does not exist.");
    const data = Object.fromEntries(Object.entries(input).filter(([, v]) => v !== undefined)) as Partial<RetentionSettings>;
    if (Object.keys(data).length === 0) return before;
    const after = await tx.site.update({ where: { id: siteId }, data, select: settingsSelect });
    await writeCallerAudit(tx, ctx, { action: "retention.update", target: `site:${siteId}`, details: { before: { ...before }, after: { ...after } } });
    return after;
  });
}
