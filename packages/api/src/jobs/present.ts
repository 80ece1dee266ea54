import {
  ageingOf,
  allowedNextStatuses,
  formatJobNumber,
  isOpen,
  type SlaThresholds,
  type Fulfilment,
  type JobDetail,
  type JobListItem,
  type JobSource,
  type JobStatus,
  type PaymentStatus,
  type Priority,
} from "@orderdeck/contracts";

export type { SlaThresholds };

/** The list columns of a job, as both the list query and Prisma return them. */
export interface JobListRow {
  id: string;
  number: number;
  title: string;
  status: JobStatus;
  queuePosition: number | null;
  priority: Priority;
  source: JobSource;
  customerId: string | null;
  customerName: string | null;
  assigneeId: string | null;
  assigneeName: string | null;
  machine: string | null;
  material: string | null;
  colour: string | null;
  quantity: number;
  estimatedMinutes: number | null;
  dueAt: Date | null;
  priceCents: number;
  currency: string;
  paymentStatus: PaymentStatus;
  fulfilment: Fulfilment;
  version: number;
  createdAt: Date;
  updatedAt: Date;
  archivedAt: Date | null;
}

export interface JobDetailRow extends JobListRow {
  externalId: string | null;
  notes: string | null;
  pickupCode: string;
  pickedUpAt: Date | null;
  pickedUpById: string | null;
  pickedUpStationId: string | null;
  customerEmail: string | null;
  customerPhone: string | null;
}

export { ageingOf };

export function isOverdue(status: JobStatus, dueAt: Date | null, now: Date): boolean {
  return isOpen(status) && dueAt !== null && dueAt.getTime() < now.getTime();
}

const iso = (d: Date | null): string | null => (d ? d.toISOString() : null);

export function presentListItem(row: JobListRow, now: Date, sla: SlaThresholds): JobListItem {
  return {
    id: row.id,
    number: row.number,
    displayNumber: formatJobNumber(row.number),
    title: row.title,
    status: row.status,
    queuePosition: row.queuePosition,
    priority: row.priority,
    source: row.source,
    customer: row.customerId ? { id: row.customerId, name: row.customerName ?? "" } : null,
    assignee: row.assigneeId ? { id: row.assigneeId, name: row.assigneeName ?? "" } : null,
    machine: row.machine,
    material: row.material,
    colour: row.colour,
    quantity: row.quantity,
    estimatedMinutes: row.estimatedMinutes,
    dueAt: iso(row.dueAt),
    priceCents: row.priceCents,
    currency: row.currency,
    paymentStatus: row.paymentStatus,
    fulfilment: row.fulfilment,
    version: row.version,
    createdAt: row.createdAt.toISOString(),
    updatedAt: row.updatedAt.toISOString(),
    archivedAt: iso(row.archivedAt),
    overdue: isOverdue(row.status, row.dueAt, now),
    ageing: ageingOf(row.status, row.createdAt, now, sla),
  };
}

export function presentDetail(row: JobDetailRow, now: Date, sla: SlaThresholds): JobDetail {
  const item = presentListItem(row, now, sla);
  return {
    ...item,
    customer: row.customerId
      ? { id: row.customerId, name: row.customerName ?? "", email: row.customerEmail, phone: row.customerPhone }
      : null,
    externalId: row.externalId,
    notes: row.notes,
    pickupCode: row.pickupCode,
    pickedUpAt: iso(row.pickedUpAt),
    pickedUpById: row.pickedUpById,
    pickedUpStationId: row.pickedUpStationId,
    allowedNextStatuses: allowedNextStatuses(row.status, row.fulfilment),
  };
}

/** What Prisma returns for a job with its customer and assignee included. */
export type JobWithPeople = Omit<JobDetailRow, "customerName" | "customerEmail" | "customerPhone" | "assigneeName"> & {
  customer: { name: string; email: string | null; phone: string | null } | null;
  assignee: { name: string } | null;
};

export function detailRowOf(job: JobWithPeople): JobDetailRow {
  return {
    ...job,
    customerName: job.customer?.name ?? null,
    customerEmail: job.customer?.email ?? null,
    customerPhone: job.customer?.phone ?? null,
    assigneeName: job.assignee?.name ?? null,
  };
}
