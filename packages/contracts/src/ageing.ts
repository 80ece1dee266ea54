// How long an open job has been open against the site's SLA thresholds: the server's job list and
// the console's board (offline too) colour a job by the same rule.
import type { JobStatus } from "./enums.ts";
import type { Ageing } from "./jobs.ts";
import { isOpen } from "./status-machine.ts";

/** The site's SLA thresholds, in hours since a job was created. */
export interface SlaThresholds {
  slaWarnHours: number;
  slaBreachHours: number;
}

const HOUR_MS = 3_600_000;

/** Open jobs age from creation; closed jobs do not age. */
export function ageingOf(status: JobStatus, createdAt: Date, now: Date, sla: SlaThresholds): Ageing {
  if (!isOpen(status)) return null;
  const hours = Math.max(0, (now.getTime() - createdAt.getTime()) / HOUR_MS);
  const level = hours >= sla.slaBreachHours ? "breach" : hours >= sla.slaWarnHours ? "warn" : "ok";
  return { level, hours: Math.round(hours * 10) / 10 };
}
