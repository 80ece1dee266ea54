import type { Prisma, TransactionClient } from "@orderdeck/db";
import type { Principal } from "../auth/principal.ts";

/** Every action the audit log knows; the console and reports switch on these names. */
export const AUDIT_ACTIONS = [
  "auth.sign_in",
  "auth.sign_in_failed",
  "auth.lockout",
  "auth.sign_out",
  "station.enrollment_created",
  "station.enrolled",
  "station.enroll_refused",
  "station.revoke",
  "user.create",
  "user.disable",
  "user.enable",
  "user.reset_password",
  "user.change_role",
  "webhook.create",
  "webhook.update",
  "webhook.delete",
  "webhook.rotate_secret",
  "operations.retry",
  "operations.reschedule",
  "operations.give_up",
  "retention.update",
  "site.update_settings",
  "site.update_shift_rules",
  "site.setup",
  "intake.source_create",
  "intake.source_update",
  "intake.source_delete",
  "intake.dead_letter_retry",
  "intake.dead_letter_resolve",
  "jobs.csv_import",
  "job.status_link_revoke",
  "job.status_link_reissue",
] as const;
export type AuditAction = (typeof AUDIT_ACTIONS)[number];

/** Where a request came from, as the audit log records it. */
export interface RequestOrigin {
  requestId: string;
  ip: string;
}

export interface AuditEntry {
  /** Null only when no site is known (a sign-in attempt for an address nobody has). */
  siteId: string | null;
  actorUserId?: string | null;
  actorStationId?: string | null;
  action: AuditAction;
  /** What the action was done to, e.g. `user:<id>`, `station:<id>`. */
  target?: string;
  /** Never a password, token or code: only what a person reviewing the log needs. */
  details?: Prisma.InputJsonValue;
}

// The table's CHECK constraints bound these; a longer value from a client is cut, not refused,
// because an audit row must never be the reason an action fails.
const clip = (value: string, max: number) => (value.length > max ? value.slice(0, max) : value);

/**
 * Appends one audit row. Site-scoped rows are written with the transaction of the action they
 * describe (from `inSite`), so the action and its record commit together.
 */
export async function writeAudit(
  db: Pick<TransactionClient, "auditLog">,
  origin: RequestOrigin,
  entry: AuditEntry,
): Promise<void> {
  await db.auditLog.create({
    data: {
      siteId: entry.siteId,
      actorUserId: entry.actorUserId ?? null,
      actorStationId: entry.actorStationId ?? null,
      action: entry.action,
      target: entry.target === undefined ? null : clip(entry.target, 200),
      details: entry.details,
      ip: clip(origin.ip, 64),
      requestId: clip(origin.requestId, 128),
    },
  });
}

/** Appends one audit row for an action a signed-in person took: site and actor come from them. */
export function writeCallerAudit(
  db: Pick<TransactionClient, "auditLog">,
  caller: RequestOrigin & { principal: Principal },
  entry: Omit<AuditEntry, "siteId" | "actorUserId" | "actorStationId">,
): Promise<void> {
  const { principal } = caller;
  return writeAudit(db, caller, {
    ...entry,
    siteId: principal.siteId,
    actorUserId: principal.userId,
    actorStationId: principal.stationId,
  });
}
