// The site's own settings an admin edits: the SLA thresholds that colour the board (ageing)
// and put old open jobs on the exceptions list (breach), and the pickup place and hours the
// customers' status pages show. Name and timezone are shown, not edited
// here: the timezone moves every shift boundary and "today" of past handoffs.
import { DomainError, type SiteSettings, type SiteSettingsUpdateInput } from "@orderdeck/contracts";
import { inSite, type TransactionClient } from "@orderdeck/db";
import type { z } from "zod";
import { writeCallerAudit } from "../audit/log.ts";
import type { AuthedContext } from "../context.ts";

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

function settingsOf(row: SiteRow): SiteSettings {
  return {
    name: row.name,
    timezone: row.timezone,
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

export async function siteSettings(ctx: AuthedContext): Promise<SiteSettings> {
  const { siteId } = ctx.principal;
  return settingsOf(await inSite(ctx.prisma, siteId, (tx) => siteOf(tx, siteId)));
}

/**
 * Sets the SLA thresholds, if the settings are still the ones the admin read (`version`): two
 * admins editing at once do not silently overwrite each other. The change and its audit row
 * commit together.
 */
export async function updateSiteSettings(ctx: AuthedContext, input: z.output<typeof SiteSettingsUpdateInput>): Promise<SiteSettings> {
  const { siteId } = ctx.principal;
  return inSite(ctx.prisma, siteId, async (tx) => {
    // The row lock orders concurrent updates: the second one reads the first one's version.
    await tx.$queryRaw`SELECT 1 FROM sites WHERE id = ${siteId}::uuid FOR UPDATE`;
    const before = await siteOf(tx, siteId);
    if (before.updatedAt.getTime() !== new Date(input.version).getTime()) {
      throw new DomainError("VERSION_CONFLICT", "The site settings were changed meanwhile (by someone else or in another window). Reload them and make the change again.", {
        current: settingsOf(before),
      });
    }
    // Pickup place and hours left out of the update stay as they are.
    const pickup = {
      pickupPlace: input.pickupPlace === undefined ? before.pickupPlace : input.pickupPlace,
      pickupHours: input.pickupHours === undefined ? before.pickupHours : input.pickupHours,
    };
    const pickupChanged = pickup.pickupPlace !== before.pickupPlace || pickup.pickupHours !== before.pickupHours;
    if (before.slaWarnHours === input.slaWarnHours && before.slaBreachHours === input.slaBreachHours && !pickupChanged) return settingsOf(before);
    // Strictly later than the version read, even within one millisecond: each change is a new version.
    const updatedAt = new Date(Math.max(Date.now(), before.updatedAt.getTime() + 1));
    const after = await tx.site.update({
      where: { id: siteId },
      data: { slaWarnHours: input.slaWarnHours, slaBreachHours: input.slaBreachHours, ...pickup, updatedAt },
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
    return settingsOf(after);
  });
}
