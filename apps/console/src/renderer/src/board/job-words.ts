import { formatMoney, type JobStatus, type TimelineEvent } from "@orderdeck/contracts";
import type { LocalJob } from "../../../shared/local-api.ts";

export const STATUS_LABEL: Record<JobStatus, string> = {
  QUEUED: "Queued",
  IN_PROGRESS: "In progress",
  POST_PROCESSING: "Post-processing",
  READY_FOR_PICKUP: "Ready for pickup",
  PICKED_UP: "Picked up",
  SHIPPED: "Shipped",
  ON_HOLD: "On hold",
  FAILED: "Failed",
  CANCELLED: "Cancelled",
};

/** Hours before the due date at which a job shows "Warn". */
export const DUE_WARN_HOURS = 24;

export type SlaLevel = "ok" | "warn" | "overdue" | "none";

const RANK: Record<SlaLevel, number> = { none: 0, ok: 1, warn: 2, overdue: 3 };

/** How the job stands against its due date, in words (the colour only repeats them). */
function dueOf(job: Pick<LocalJob, "dueAt" | "status">, now: Date): { level: SlaLevel; text: string } {
  if (!job.dueAt || ["PICKED_UP", "SHIPPED", "CANCELLED"].includes(job.status)) return { level: "none", text: "—" };
  const hours = (new Date(job.dueAt).getTime() - now.getTime()) / 3_600_000;
  if (hours < 0) return { level: "overdue", text: `Overdue ${formatHours(-hours)}` };
  if (hours < DUE_WARN_HOURS) return { level: "warn", text: `Warn: due in ${formatHours(hours)}` };
  return { level: "ok", text: `On time (${formatHours(hours)} left)` };
}

/**
 * How the job stands against its due date and against the site's SLA thresholds (open since
 * created: ageing past the warning, a breach past the breach threshold, as the server's list and
 * exceptions say), in words; the colour is the worse of the two.
 */
export function slaOf(job: Pick<LocalJob, "dueAt" | "status" | "ageing">, now: Date = new Date()): { level: SlaLevel; text: string; ageing: "warn" | "breach" | null } {
  const due = dueOf(job, now);
  const ageing = job.ageing?.level === "warn" || job.ageing?.level === "breach" ? job.ageing.level : null;
  if (!ageing || !job.ageing) return { ...due, ageing: null };
  const level: SlaLevel = ageing === "breach" ? "overdue" : "warn";
  const words = `${ageing === "breach" ? "SLA breach" : "Ageing"}: open ${formatHours(job.ageing.hours)}`;
  return {
    level: RANK[level] > RANK[due.level] ? level : due.level,
    text: due.level === "none" ? words : `${due.text} · ${words}`,
    ageing,
  };
}

function formatHours(hours: number): string {
  return hours < 1 ? `${Math.max(1, Math.round(hours * 60))} min` : hours < 48 ? `${Math.round(hours)} h` : `${Math.round(hours / 24)} d`;
}

// What a job event changed, for the timeline: money and how the job leaves in full (a lowered price
// or a switch to shipping must be visible at a glance), other fields by name.
const FIELD_WORDS: Record<string, string> = {
  priceCents: "price",
  currency: "currency",
  fulfilment: "fulfilment",
  customerId: "customer",
  assigneeId: "assignee",
  estimatedMinutes: "estimate",
  dueAt: "due date",
};
const SHOWN_IN_FULL = new Set(["priceCents", "currency", "fulfilment"]);

const fieldsOf = (value: unknown): Record<string, unknown> => (typeof value === "object" && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : {});

/** "updated: price €40.00 → €10.00, fulfilment PICKUP → SHIP, title"; other events by their type. */
export function timelineWhat(event: Pick<TimelineEvent, "type"> & Partial<Pick<TimelineEvent, "before" | "after">>, jobCurrency: string): string {
  const what = event.type.replace(/_/g, " ");
  if (event.type !== "updated") return what;
  const before = fieldsOf(event.before);
  const after = fieldsOf(event.after);
  const currencyBefore = typeof before.currency === "string" ? before.currency : jobCurrency;
  const currencyAfter = typeof after.currency === "string" ? after.currency : jobCurrency;
  const show = (field: string, value: unknown, currency: string) =>
    field === "priceCents" && typeof value === "number" ? formatMoney(value, currency) : String(value ?? "none");
  const changes = Object.keys(after).map((field) => {
    const name = FIELD_WORDS[field] ?? field;
    if (!SHOWN_IN_FULL.has(field)) return name;
    return `${name} ${show(field, before[field], currencyBefore)} → ${show(field, after[field], currencyAfter)}`;
  });
  return changes.length > 0 ? `${what}: ${changes.join(", ")}` : what;
}
