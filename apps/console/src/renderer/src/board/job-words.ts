import type { JobStatus } from "@orderdeck/contracts";
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

/** How the job stands against its due date, in words (the colour only repeats them). */
export function slaOf(job: Pick<LocalJob, "dueAt" | "status">, now: Date = new Date()): { level: SlaLevel; text: string } {
  if (!job.dueAt || ["PICKED_UP", "SHIPPED", "CANCELLED"].includes(job.status)) return { level: "none", text: "—" };
  const hours = (new Date(job.dueAt).getTime() - now.getTime()) / 3_600_000;
  if (hours < 0) return { level: "overdue", text: `Overdue ${formatHours(-hours)}` };
  if (hours < DUE_WARN_HOURS) return { level: "warn", text: `Warn: due in ${formatHours(hours)}` };
  return { level: "ok", text: `On time (${formatHours(hours)} left)` };
}

function formatHours(hours: number): string {
  return hours < 1 ? `${Math.max(1, Math.round(hours * 60))} min` : hours < 48 ? `${Math.round(hours)} h` : `${Math.round(hours / 24)} d`;
}
