import type { Fulfilment, JobStatus } from "./enums.ts";

/**
 * The job status machine: the single table of allowed transitions. The database enforces the
 * same table through a trigger (migration `job_status_transitions`); a test checks the two match.
 *
 * `fulfilment` narrows a row to jobs of that fulfilment: a job shipped to the customer never
 * becomes PICKED_UP and a collected one is never SHIPPED.
 */
export interface Transition {
  readonly from: JobStatus;
  readonly to: JobStatus;
  readonly fulfilment?: Fulfilment;
}

export const TERMINAL_STATUSES: readonly JobStatus[] = ["PICKED_UP", "SHIPPED", "CANCELLED"];

export const OPEN_STATUSES: readonly JobStatus[] = [
  "QUEUED",
  "IN_PROGRESS",
  "POST_PROCESSING",
  "READY_FOR_PICKUP",
  "ON_HOLD",
  "FAILED",
];

const forward: Transition[] = [
  { from: "QUEUED", to: "IN_PROGRESS" },
  { from: "IN_PROGRESS", to: "POST_PROCESSING" },
  { from: "POST_PROCESSING", to: "READY_FOR_PICKUP" },
  { from: "READY_FOR_PICKUP", to: "PICKED_UP", fulfilment: "PICKUP" },
  { from: "READY_FOR_PICKUP", to: "SHIPPED", fulfilment: "SHIP" },
  // A failed print goes back to the queue as a reprint.
  { from: "IN_PROGRESS", to: "FAILED" },
  { from: "POST_PROCESSING", to: "FAILED" },
  { from: "FAILED", to: "QUEUED" },
];

const holds: Transition[] = OPEN_STATUSES.filter((s) => s !== "ON_HOLD").flatMap((s) => [
  { from: s, to: "ON_HOLD" as const },
  { from: "ON_HOLD" as const, to: s },
]);

const cancellations: Transition[] = OPEN_STATUSES.map((s) => ({ from: s, to: "CANCELLED" as const }));

export const TRANSITIONS: readonly Transition[] = [...forward, ...holds, ...cancellations];

export function isTerminal(status: JobStatus): boolean {
  return TERMINAL_STATUSES.includes(status);
}

export function isOpen(status: JobStatus): boolean {
  return OPEN_STATUSES.includes(status);
}

/** The statuses a job may move to next, in table order. */
export function allowedNextStatuses(from: JobStatus, fulfilment: Fulfilment): JobStatus[] {
  return TRANSITIONS.filter((t) => t.from === from && (t.fulfilment === undefined || t.fulfilment === fulfilment)).map(
    (t) => t.to,
  );
}

export function canTransition(from: JobStatus, to: JobStatus, fulfilment: Fulfilment): boolean {
  return allowedNextStatuses(from, fulfilment).includes(to);
}
