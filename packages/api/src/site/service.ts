// The site's own settings an admin edits: the SLA thresholds that colour the board (ageing) and
// put old open jobs on the exceptions list (breach), the pickup place and hours the customers'
// status pages show, and the timezone and shifts, which apply from the next shift (shift-rules.ts
// keeps their history). The name is shown, not edited here.
import { DomainError, SHIFT_RULES_BASE_FROM, type ShiftRulesVersion, type SiteSettings, type SiteSettingsUpdateInput, type SiteShiftRulesUpdateInput } from "@orderdeck/contracts";
import { inSite, type TransactionClient } from "@orderdeck/db";
import type { z } from "zod";
import { writeCallerAudit } from "../audit/log.ts";
import type { AuthedContext } from "../context.ts";
import { shiftHistory, writeShiftRules } from "./shift-rules.ts";

const settingsSelect = { name: true, timezone: true, slaWarnHours: true, slaBreachHours: true, pickupPlace: true, pickupHours: true, updatedAt: true } as const;

interface SiteRow {
  name: string;
  timezone: string;
  slaWarnHours: number;
  slaBreachHours: number;
  pickupPlace: string | null;
  pickupHours: string | null;
  updatedAt: Date;
}

function settingsOf(row: SiteRow, history: readonly ShiftRulesVersion[], now: Date): SiteSettings {
  const latest = history[history.length - 1];
  const pending = latest !== undefined && Date.parse(latest.effectiveFrom) > now.getTime();
  const inForce = history.filter((version) => Date.parse(version.effectiveFrom) <= now.getTime());
  return {
    name: row.name,
    timezone: latest?.timezone ?? row.timezone,
    shifts: latest?.shifts ?? [],
    shiftsFrom: latest && latest.effectiveFrom !== SHIFT_RULES_BASE_FROM ? latest.effectiveFrom : null,
    shiftRulesNow: pending ? (inForce[inForce.length - 1] ?? null) : null,
    slaWarnHours: row.slaWarnHours,
    slaBreachHours: row.slaBreachHours,
    pickupPlace: row.pickupPlace,
    pickupHours: row.pickupHours,
    version: row.updatedAt.toISOString(),
  };
}

async function siteOf(tx: TransactionClient, siteId: string): Promise<SiteRow> {
  const row = await tx.site.findFirst({ where: { id: siteId }, select: settingsSelect });
  if (!row) throw new DomainError("NOT_FOUND", "This site no longer exists.");
  return row;
}

async function currentSettings(tx: TransactionClient, siteId: string, row: SiteRow, now: Date = new Date()): Promise<SiteSettings> {
  return settingsOf(row, await shiftHistory(tx, siteId, row.timezone), now);
}

export async function siteSettings(ctx: AuthedContext): Promise<SiteSettings> {
  const { siteId } = ctx.principal;
  return inSite(ctx.prisma, siteId, async (tx) => currentSettings(tx, siteId, await siteOf(tx, siteId), ctx.now?.()));
}

/** Locks the site's row and checks that the settings are still the ones the admin read. */
async function lockedAtVersion(tx: TransactionClient, siteId: string, version: string): Promise<SiteRow> {
  // The row lock orders concurrent updates: the second one reads the first one's version.
  await tx.$queryRaw`SELECT 1 FROM sites WHERE id = ${siteId}::uuid FOR UPDATE`;
  const before = await siteOf(tx, siteId);
  if (before.updatedAt.getTime() !== new Date(version).getTime()) {
    throw new DomainError("VERSION_CONFLICT", "The site settings were changed meanwhile (by someone else or in another window). Reload them and make the change again.", {
      current: await currentSettings(tx, siteId, before),
    });
  }
  return before;
}

/** Strictly later than the version read, even within one millisecond: each change is a new version. */
const nextVersion = (before: SiteRow): Date => new Date(Math.max(Date.now(), before.updatedAt.getTime() + 1));

/**
 * Sets the SLA thresholds and the pickup place and hours, if the settings are still the ones the admin read (`version`): two
 * admins editing at once do not silently overwrite each other. The change and its audit row
 * commit together.
 */
export async function updateSiteSettings(ctx: AuthedContext, input: z.output<typeof SiteSettingsUpdateInput>): Promise<SiteSettings> {
  const { siteId } = ctx.principal;
  return inSite(ctx.prisma, siteId, async (tx) => {
    const before = await lockedAtVersion(tx, siteId, input.version);
    // Pickup place and hours left out of the update stay as they are.
    const pickup = {
      pickupPlace: input.pickupPlace === undefined ? before.pickupPlace : input.pickupPlace,
      pickupHours: input.pickupHours === undefined ? before.pickupHours : input.pickupHours,
    };
    const pickupChanged = pickup.pickupPlace !== before.pickupPlace || pickup.pickupHours !== before.pickupHours;
    if (before.slaWarnHours === input.slaWarnHours && before.slaBreachHours === input.slaBreachHours && !pickupChanged) {
      return currentSettings(tx, siteId, before);
    }
    const after = await tx.site.update({
      where: { id: siteId },
      data: { slaWarnHours: input.slaWarnHours, slaBreachHours: input.slaBreachHours, ...pickup, updatedAt: nextVersion(before) },
      select: settingsSelect,
    });
    await writeCallerAudit(tx, ctx, {
      action: "site.update_settings",
      target: `site:${siteId}`,
      details: {
        before: { slaWarnHours: before.slaWarnHours, slaBreachHours: before.slaBreachHours, pickupPlace: before.pickupPlace, pickupHours: before.pickupHours },
        after: { slaWarnHours: after.slaWarnHours, slaBreachHours: after.slaBreachHours, pickupPlace: after.pickupPlace, pickupHours: after.pickupHours },
      },
    });
    return currentSettings(tx, siteId, after);
  });
}

/**
 * Sets the site's timezone and shifts, if the settings are still the ones the admin read. They
 * apply from the start of the next shift under the rules in force (shift-rules.ts); the site's
 * timezone, in which times are shown, is the new one at once. Change, history and audit row
 * commit together.
 */
export async function updateShiftRules(ctx: AuthedContext, input: z.output<typeof SiteShiftRulesUpdateInput>, now: Date): Promise<SiteSettings> {
  const { siteId } = ctx.principal;
  return inSite(ctx.prisma, siteId, async (tx) => {
    const before = await lockedAtVersion(tx, siteId, input.version);
    const change = await writeShiftRules(tx, siteId, before.timezone, input, now);
    if (!change) return currentSettings(tx, siteId, before, now);
    const after = await tx.site.update({ where: { id: siteId }, data: { timezone: input.timezone, updatedAt: nextVersion(before) }, select: settingsSelect });
    await writeCallerAudit(tx, ctx, {
      action: "site.update_shift_rules",
      target: `site:${siteId}`,
      details: {
        before: { timezone: change.before.timezone, shifts: change.before.shifts },
        after: { timezone: change.after.timezone, shifts: change.after.shifts, effectiveFrom: change.after.effectiveFrom },
      },
    });
    return settingsOf(after, await shiftHistory(tx, siteId, after.timezone), now);
  });
}
