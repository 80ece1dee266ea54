import { z } from "zod";

// Every enum here has a Postgres enum of the same name and values (see prisma/schema.prisma);
// the schema-agreement test keeps them identical.

export const JobStatus = z.enum([
  "QUEUED",
  "IN_PROGRESS",
  "POST_PROCESSING",
  "READY_FOR_PICKUP",
  "PICKED_UP",
  "SHIPPED",
  "ON_HOLD",
  "FAILED",
  "CANCELLED",
]);
export type JobStatus = z.infer<typeof JobStatus>;

export const UserRole = z.enum(["ADMIN", "LEAD", "STAFF"]);
export type UserRole = z.infer<typeof UserRole>;

export const JobSource = z.enum(["MANUAL", "FEED", "CSV"]);
export type JobSource = z.infer<typeof JobSource>;

export const PaymentStatus = z.enum(["UNPAID", "PAID", "REFUNDED", "WAIVED"]);
export type PaymentStatus = z.infer<typeof PaymentStatus>;

export const Fulfilment = z.enum(["PICKUP", "SHIP"]);
export type Fulfilment = z.infer<typeof Fulfilment>;

export const Priority = z.enum(["LOW", "NORMAL", "HIGH", "RUSH"]);
export type Priority = z.infer<typeof Priority>;

export const ActorKind = z.enum(["USER", "STATION", "SYSTEM"]);
export type ActorKind = z.infer<typeof ActorKind>;

export const ScanOutcome = z.enum([
  "HANDED_OVER",
  "INVALID_CODE",
  "UNKNOWN_CODE",
  "NOT_READY",
  "UNPAID",
  "ALREADY_PICKED_UP",
  "CANCELLED",
  "CONFLICT",
]);
export type ScanOutcome = z.infer<typeof ScanOutcome>;

export const MutationOutcome = z.enum(["APPLIED", "REJECTED", "CONFLICT"]);
export type MutationOutcome = z.infer<typeof MutationOutcome>;

export const DeliveryStatus = z.enum(["PENDING", "SENT", "FAILED", "GAVE_UP"]);
export type DeliveryStatus = z.infer<typeof DeliveryStatus>;

export const MailKind = z.enum(["READY_FOR_PICKUP", "INVOICE", "RECEIPT", "HANDOFF_REMINDER"]);
export type MailKind = z.infer<typeof MailKind>;

export const IntakeRunStatus = z.enum(["RUNNING", "SUCCEEDED", "FAILED", "SKIPPED_LOCKED"]);
export type IntakeRunStatus = z.infer<typeof IntakeRunStatus>;

export const IntakeRunMode = z.enum(["INCREMENTAL", "FULL"]);
export type IntakeRunMode = z.infer<typeof IntakeRunMode>;

export const DeadLetterStatus = z.enum(["OPEN", "RETRIED", "RESOLVED"]);
export type DeadLetterStatus = z.infer<typeof DeadLetterStatus>;

export const DeadLetterKind = z.enum(["INVALID", "CONFLICT"]);
export type DeadLetterKind = z.infer<typeof DeadLetterKind>;

export const CounterKind = z.enum(["JOB", "INVOICE", "RECEIPT"]);
export type CounterKind = z.infer<typeof CounterKind>;

export const HandoffStatus = z.enum(["DRAFT", "PRINTED", "ACKNOWLEDGED"]);
export type HandoffStatus = z.infer<typeof HandoffStatus>;

export const ExceptionKind = z.enum([
  "OVERDUE",
  "SLA_BREACH",
  "READY_UNPAID",
  "FAILED_PRINT",
  "MAIL_FAILED",
  "WEBHOOK_FAILED",
  "WEBHOOK_DISABLED",
  "INTAKE_DEAD_LETTER",
  "PICKUP_CONFLICT",
]);
export type ExceptionKind = z.infer<typeof ExceptionKind>;

export const ViewScope = z.enum(["PERSONAL", "SITE"]);
export type ViewScope = z.infer<typeof ViewScope>;

/**
 * What an outbound webhook endpoint can subscribe to (the `type` of each event it is sent):
 * every status change of a job, a handover at the counter, an invoice issued.
 */
export const WebhookEventType = z.enum(["job.status_changed", "job.picked_up", "invoice.issued"]);
export type WebhookEventType = z.infer<typeof WebhookEventType>;
