// The site's shift rules (timezone and shift starts) as a history of versions: read by everything
// that computes a shift (handoff periods, reminders, the consoles' sync), changed by an admin with
// effect from the next shift. The arithmetic is contracts' (shift-rules.ts), shared with the console.
import {
  DEFAULT_SHIFTS,
  DomainError,
  SHIFT_RULES_BASE_FROM,
  ShiftRulesVersion,
  defaultShiftHistory,
  nextShiftStart,
  type SiteShiftRulesUpdateInput,
} from "@orderdeck/contracts";
import { Prisma, type TransactionClient } from "@orderdeck/db";
import type { z } from "zod";

const ShiftsJson = ShiftRulesVersion.shape.shifts;

/**
 * Every version of the site's rules, oldest first. A site that never changed them works to the
 * built-in shifts in its timezone (no rows: the migration left existing sites as they were).
 */
export async function shiftHistory(tx: TransactionClient, siteId: string, siteTimezone: string): Promise<ShiftRulesVersion[]> {
  return shiftHistoryOf(await tx.$queryRaw<ShiftRulesRow[]>(shiftHistoryStatement(siteId)), siteTimezone);
}

/** A stored version of the rules, as shiftHistoryStatement reads it. */
export interface ShiftRulesRow {
  effectiveFrom: Date;
  timezone: string;
  shifts: unknown;
}

/** The site's stored versions, oldest first, for a caller that reads them with other statements. */
export function shiftHistoryStatement(siteId: string): Prisma.Sql {
  return Prisma.sql`
    SELECT effective_from AS "effectiveFrom", timezone, shifts FROM site_shift_rules
     WHERE site_id = ${siteId}::uuid ORDER BY effective_from ASC`;
}

/** The history from shiftHistoryStatement's rows (the built-in shifts when there are none). */
export function shiftHistoryOf(rows: ShiftRulesRow[], siteTimezone: string): ShiftRulesVersion[] {
  if (rows.length === 0) return defaultShiftHistory(siteTimezone);
  return rows.map((row) => ({ effectiveFrom: row.effectiveFrom.toISOString(), timezone: row.timezone, shifts: ShiftsJson.parse(row.shifts) }));
}

/** The versions a console needs: the one in force `days` ago and every one since (pending ones too). */
export function recentShiftHistory(history: readonly ShiftRulesVersion[], now: Date, days: number): ShiftRulesVersion[] {
  const horizon = now.getTime() - days * 86_400_000;
  const firstKept = history.reduce((kept, version, index) => (Date.parse(version.effectiveFrom) <= horizon ? index : kept), 0);
  return history.slice(firstKept);
}

const sameRules = (a: Pick<ShiftRulesVersion, "timezone" | "shifts">, b: Pick<ShiftRulesVersion, "timezone" | "shifts">): boolean =>
  a.timezone === b.timezone && JSON.stringify(a.shifts.map((s) => [s.start, s.name])) === JSON.stringify(b.shifts.map((s) => [s.start, s.name]));

export interface ShiftRulesChange {
  before: ShiftRulesVersion;
  after: ShiftRulesVersion;
}

/**
 * Writes new rules, from the start of the next shift under the rules in force at `now`. A change
 * still waiting for its shift is replaced (it never applied to anything); asking for the rules in
 * force now just drops such a waiting change. Runs in the caller's transaction, under the site's
 * row lock. Null when nothing changes.
 */
export async function writeShiftRules(
  tx: TransactionClient,
  siteId: string,
  siteTimezone: string,
  input: Pick<z.output<typeof SiteShiftRulesUpdateInput>, "timezone" | "shifts">,
  now: Date,
): Promise<ShiftRulesChange | null> {
  const history = await shiftHistory(tx, siteId, siteTimezone);
  const latest = history[history.length - 1];
  if (!latest) throw new DomainError("NOT_FOUND", "This site has no shift rules.");
  if (sameRules(latest, input)) return null;
  const inForce = history.filter((version) => Date.parse(version.effectiveFrom) <= now.getTime());
  const current = inForce[inForce.length - 1] ?? latest;
  const stored = await tx.siteShiftRules.count({ where: { siteId } });
  if (stored === 0) {
    // The rules worked to so far become the first version, so that the past keeps them.
    await tx.siteShiftRules.create({ data: { siteId, effectiveFrom: new Date(SHIFT_RULES_BASE_FROM), timezone: siteTimezone, shifts: DEFAULT_SHIFTS.map((s) => ({ ...s })) } });
  }
  await tx.siteShiftRules.deleteMany({ where: { siteId, effectiveFrom: { gt: now } } });
  if (sameRules(current, input)) return { before: latest, after: current };
  const effectiveFrom = nextShiftStart(now, inForce.length > 0 ? inForce : history);
  const shifts = input.shifts.map((s) => ({ start: s.start, name: s.name }));
  await tx.siteShiftRules.create({ data: { siteId, effectiveFrom, timezone: input.timezone, shifts } });
  return { before: latest, after: { effectiveFrom: effectiveFrom.toISOString(), timezone: input.timezone, shifts } };
}
