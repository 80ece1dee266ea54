// Handoff reminders (SPEC §3): when a shift ended and nobody wrote its handoff, the site's leads
// get one mail each about it. "Its handoff" is any handoff made since the shift began; a shift
// in which nothing happened to any job (the shop was closed) needs none. Each lead is mailed once
// per shift, whatever how often this runs: the mail log's dedupe key is the shift and the lead.
import { inSite } from "@orderdeck/db";
import { TASK_PAYLOADS } from "../background/registry.ts";
import { defineTask, type WorkerDependencies } from "../background/task.ts";
import { isMailAddress, queueMail } from "../mail/queue.ts";
import { subjects } from "../mail/templates.ts";
import { formatLocal, shiftAt, shiftRulesAt } from "../documents/zoned-time.ts";
import { shiftHistory } from "../site/shift-rules.ts";

/** "Early" → "early shift", "Night shift" → "night shift": the name as the middle of a sentence. */
function shiftPhrase(name: string): string {
  const phrase = /shift$/i.test(name) ? name : `${name} shift`;
  return /^[A-Z][a-z]/.test(phrase) ? phrase.charAt(0).toLowerCase() + phrase.slice(1) : phrase;
}

interface SiteToCheck {
  id: string;
  name: string;
  timezone: string;
}

/**
 * Queues the reminders of the site's last ended shift, if it is due one; answers how many. The
 * shift is the one of the rules valid when it ran (a change of shifts applies from the next one).
 */
export async function remindSite(deps: WorkerDependencies, site: SiteToCheck, now: Date): Promise<number> {
  return inSite(deps.prisma, site.id, async (tx) => {
    const history = await shiftHistory(tx, site.id, site.timezone);
    const shiftEnd = shiftAt(now, history).start;
    if (now.getTime() < shiftEnd.getTime() + deps.handoffReminders.graceMs) return 0;
    const shift = shiftAt(new Date(shiftEnd.getTime() - 1), history);
    const shiftStart = shift.start;
    const handoff = await tx.handoff.findFirst({ where: { siteId: site.id, createdAt: { gte: shiftStart } }, select: { id: true } });
    if (handoff) return 0;
    const activity = await tx.jobEvent.findFirst({ where: { siteId: site.id, at: { gte: shiftStart, lt: shiftEnd } }, select: { id: true } });
    if (!activity) return 0;
    let leads = await tx.user.findMany({ where: { siteId: site.id, role: "LEAD", disabled: false }, select: { id: true, email: true }, orderBy: { id: "asc" } });
    // A shop without leads has its admins run the shifts.
    if (leads.length === 0) {
      leads = await tx.user.findMany({ where: { siteId: site.id, role: "ADMIN", disabled: false }, select: { id: true, email: true }, orderBy: { id: "asc" } });
    }
    // Said on the clock the shift ran by (a shift before a change of zone, in the zone of then).
    const zone = shiftRulesAt(shiftStart, history).timezone;
    const subject = subjects.handoffReminder(site.name, `${shiftPhrase(shift.name)} that began ${formatLocal(shiftStart, zone)}`);
    let queued = 0;
    for (const lead of leads) {
      if (!isMailAddress(lead.email)) continue;
      const id = await queueMail(tx, {
        siteId: site.id,
        kind: "HANDOFF_REMINDER",
        to: lead.email,
        subject,
        dedupeKey: `handoff-reminder:${shiftStart.toISOString()}:${lead.id}`,
      });
      if (id) queued += 1;
    }
    return queued;
  });
}

/** Cron (every ten minutes): every site's last ended shift. One site's trouble does not stop the others. */
export const handoffRemindersTask = defineTask({
  payload: TASK_PAYLOADS.handoff_reminders,
  async run(_payload, deps) {
    const now = deps.now();
    const sites = await deps.prisma.site.findMany({ select: { id: true, name: true, timezone: true }, orderBy: { id: "asc" } });
    let queued = 0;
    const failed: string[] = [];
    for (const site of sites) {
      try {
        queued += await remindSite(deps, site, now);
      } catch (error) {
        failed.push(site.id);
        deps.logger.warn("handoff reminder check failed for a site", { siteId: site.id, error: error instanceof Error ? error.message : String(error) });
      }
    }
    if (queued > 0) deps.logger.info("handoff reminders queued", { queued });
    if (failed.length > 0) throw new Error(`handoff reminders could not be checked for ${failed.length} site(s): ${failed.join(", ")}`);
  },
});
