import { z } from "zod";
import { Fulfilment, JobSource, JobStatus, PaymentStatus, Priority } from "./enums.ts";

// The jobs API's inputs and outputs, shared by the server (which validates with them) and the
// console (which builds requests and saved views with them). Dates travel as ISO 8601 strings:
// the API has no transformer, so a Date would reach an HTTP client as a string anyway.

export const JOB_LIST_MAX_LIMIT = 200;
export const JOB_LIST_DEFAULT_LIMIT = 50;
export const JOB_BULK_MAX_IDS = 500;
export const JOB_TIMELINE_LIMIT = 200;

// Postgres refuses NUL in text and jsonb, and a control character in a one-line field is never
// what a person meant; refusing them here keeps such input a 400 instead of a database error.
function hasControlChars(s: string, allowLineBreaks: boolean): boolean {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (allowLineBreaks && (c === 9 || c === 10 || c === 13)) continue;
    if (c < 32 || c === 127) return true;
  }
  return false;
}

/** A one-line text field: trimmed, 1..max characters, no control characters. */
export function line(max: number) {
  return z
    .string()
    .trim()
    .min(1)
    .max(max)
    .refine((s) => !hasControlChars(s, false), "must not contain control characters");
}

/** Free text (notes): line breaks and tabs allowed, other control characters not. */
export function multiline(max: number) {
  return z
    .string()
    .max(max)
    .refine((s) => !hasControlChars(s, true), "must not contain control characters");
}

export const IsoDateTime = z.iso.datetime({ offset: true });
export const Uuid = z.uuid();
export const Currency = z.string().regex(/^[A-Z]{3}$/, "an ISO 4217 code such as EUR");
const Cents = z.int().min(0).max(2_147_483_647);

/** The job number in a search like `J-000123`, `j123`, `#123` or `123`; null when it is not one. */
export function parseJobNumber(query: string): number | null {
  const match = /^\s*(?:#|j-?)?0*(\d{1,9})\s*$/i.exec(query);
  if (!match?.[1]) return null;
  const n = Number(match[1]);
  return n > 0 && n <= 2_147_483_647 ? n : null;
}

// ---- Listing -----------------------------------------------------------------------------------

export const JobSortField = z.enum(["queue", "due", "created"]);
export type JobSortField = z.infer<typeof JobSortField>;
export const SortDirection = z.enum(["asc", "desc"]);
export type SortDirection = z.infer<typeof SortDirection>;

/**
 * `queue` is board order (jobs that are not on the board follow, newest last); `due` puts jobs
 * without a due date last in either direction. Ties break by creation time and id.
 */
export const JobListSort = z.strictObject({
  field: JobSortField.default("queue"),
  direction: SortDirection.default("asc"),
});
export type JobListSort = z.infer<typeof JobListSort>;

export const ArchivedFilter = z.enum(["exclude", "only", "include"]);

/** Every field narrows the list; omitted fields do not filter. Also the stored form of a saved view. */
export const JobListFilter = z.strictObject({
  statuses: z.array(JobStatus).min(1).max(JobStatus.options.length).optional(),
  /** A user's id, or null for unassigned jobs. */
  assigneeId: Uuid.nullable().optional(),
  customerId: Uuid.optional(),
  /** Jobs due before this instant (jobs without a due date never match). */
  dueBefore: IsoDateTime.optional(),
  /** true: open jobs whose due date has passed. false does not filter. */
  overdue: z.boolean().optional(),
  paymentStatuses: z.array(PaymentStatus).min(1).max(PaymentStatus.options.length).optional(),
  sources: z.array(JobSource).min(1).max(JobSource.options.length).optional(),
  /** Archived jobs are hidden unless asked for. */
  archived: ArchivedFilter.default("exclude"),
  /** Job number (`J-000123` or `123`), or part of the title or the customer's name. */
  search: line(100).optional(),
});
export type JobListFilter = z.infer<typeof JobListFilter>;
export type JobListFilterInput = z.input<typeof JobListFilter>;

export const JobListInput = z.strictObject({
  filter: JobListFilter.default({ archived: "exclude" }),
  sort: JobListSort.default({ field: "queue", direction: "asc" }),
  /** The `nextCursor` of the previous page, unchanged. */
  cursor: z.string().min(1).max(512).optional(),
  limit: z.int().min(1).max(JOB_LIST_MAX_LIMIT).default(JOB_LIST_DEFAULT_LIMIT),
});
export type JobListInput = z.input<typeof JobListInput>;
/** A list request with its defaults applied. */
export type JobListQuery = z.output<typeof JobListInput>;

export const AgeingLevel = z.enum(["ok", "warn", "breach"]);
export type AgeingLevel = z.infer<typeof AgeingLevel>;

/** How long an open job has been open, against the site's SLA thresholds; null for closed jobs. */
export const Ageing = z.object({ level: AgeingLevel, hours: z.number() }).nullable();
export type Ageing = z.infer<typeof Ageing>;

export const PersonRef = z.object({ id: z.string(), name: z.string() });

/**
 * What a job is to make and what it costs, as every answer that carries a job spells it (the list,
 * the detail, a console's cache). Spread in place rather than merged: answers keep their key order.
 */
export const jobWorkFields = {
  machine: z.string().nullable(),
  material: z.string().nullable(),
  colour: z.string().nullable(),
  quantity: z.number(),
  estimatedMinutes: z.number().nullable(),
  dueAt: z.string().nullable(),
  priceCents: z.number(),
  currency: z.string(),
  paymentStatus: PaymentStatus,
};

export const JobListItem = z.object({
  id: z.string(),
  number: z.number(),
  displayNumber: z.string(),
  title: z.string(),
  status: JobStatus,
  queuePosition: z.number().nullable(),
  priority: Priority,
  source: JobSource,
  customer: PersonRef.nullable(),
  assignee: PersonRef.nullable(),
  ...jobWorkFields,
  fulfilment: Fulfilment,
  version: z.number(),
  createdAt: z.string(),
  updatedAt: z.string(),
  archivedAt: z.string().nullable(),
  overdue: z.boolean(),
  ageing: Ageing,
});
export type JobListItem = z.infer<typeof JobListItem>;

export const JobListPage = z.object({
  items: z.array(JobListItem),
  /** Pass back as `cursor` for the next page; null on the last page. */
  nextCursor: z.string().nullable(),
});
export type JobListPage = z.infer<typeof JobListPage>;

// ---- One job -------------------------------------------------------------------------------------

export const TimelineEvent = z.object({
  id: z.string(),
  at: z.string(),
  type: z.string(),
  actor: z.object({
    kind: z.enum(["USER", "STATION", "SYSTEM"]),
    userId: z.string().nullable(),
    userName: z.string().nullable(),
    stationId: z.string().nullable(),
    stationName: z.string().nullable(),
  }),
  before: z.unknown(),
  after: z.unknown(),
  requestId: z.string().nullable(),
});
export type TimelineEvent = z.infer<typeof TimelineEvent>;

export const JobDetail = JobListItem.extend({
  externalId: z.string().nullable(),
  notes: z.string().nullable(),
  pickupCode: z.string(),
  pickedUpAt: z.string().nullable(),
  pickedUpById: z.string().nullable(),
  pickedUpStationId: z.string().nullable(),
  customer: z
    .object({ id: z.string(), name: z.string(), email: z.string().nullable(), phone: z.string().nullable() })
    .nullable(),
  /** What the status machine allows next (PICKED_UP only through a pickup scan). */
  allowedNextStatuses: z.array(JobStatus),
});
export type JobDetail = z.infer<typeof JobDetail>;

export const JobWithTimeline = z.object({
  job: JobDetail,
  /** Newest first, at most JOB_TIMELINE_LIMIT. */
  timeline: z.array(TimelineEvent),
  timelineTruncated: z.boolean(),
});
export type JobWithTimeline = z.infer<typeof JobWithTimeline>;

// ---- Changes -------------------------------------------------------------------------------------

export const NewCustomer = z.strictObject({
  name: line(200),
  email: z.email().max(254).optional(),
  phone: line(40).optional(),
});

/** The fields a person may edit on a job (status, position, payment and pickup have their own flows). */
const editable = {
  title: line(200),
  material: line(80).nullable(),
  colour: line(40).nullable(),
  quantity: z.int().min(1).max(100_000),
  estimatedMinutes: z.int().min(0).max(525_600).nullable(),
  dueAt: IsoDateTime.nullable(),
  priority: Priority,
  assigneeId: Uuid.nullable(),
  machine: line(80).nullable(),
  priceCents: Cents,
  currency: Currency,
  fulfilment: Fulfilment,
  notes: multiline(4000).nullable(),
};

export const JobCreateInput = z
  .strictObject({
    title: editable.title,
    /** An existing customer of the site, or `customer` to create one with the job. */
    customerId: Uuid.optional(),
    customer: NewCustomer.optional(),
    material: editable.material.optional(),
    colour: editable.colour.optional(),
    quantity: editable.quantity.default(1),
    estimatedMinutes: editable.estimatedMinutes.optional(),
    dueAt: editable.dueAt.optional(),
    priority: editable.priority.default("NORMAL"),
    assigneeId: editable.assigneeId.optional(),
    machine: editable.machine.optional(),
    priceCents: editable.priceCents.default(0),
    /** Default: the site's currency. */
    currency: editable.currency.optional(),
    fulfilment: editable.fulfilment.default("PICKUP"),
    notes: editable.notes.optional(),
  })
  .refine((v) => !(v.customerId && v.customer), { message: "Give customerId or customer, not both", path: ["customer"] });
export type JobCreateInput = z.input<typeof JobCreateInput>;

export const JOB_EDITABLE_FIELDS = Object.keys(editable) as Array<keyof typeof editable>;

export const JobUpdateInput = z.strictObject({
  id: Uuid,
  /** The version the change was made against; a newer one in the database answers CONFLICT. */
  version: z.int().min(1).max(2_147_483_647),
  title: editable.title.optional(),
  customerId: Uuid.nullable().optional(),
  material: editable.material.optional(),
  colour: editable.colour.optional(),
  quantity: editable.quantity.optional(),
  estimatedMinutes: editable.estimatedMinutes.optional(),
  dueAt: editable.dueAt.optional(),
  priority: editable.priority.optional(),
  assigneeId: editable.assigneeId.optional(),
  machine: editable.machine.optional(),
  priceCents: editable.priceCents.optional(),
  currency: editable.currency.optional(),
  fulfilment: editable.fulfilment.optional(),
  notes: editable.notes.optional(),
});
export type JobUpdateInput = z.input<typeof JobUpdateInput>;

export const JobTransitionInput = z.strictObject({
  id: Uuid,
  /** When given, a newer version in the database answers CONFLICT instead of moving the job. */
  version: z.int().min(1).max(2_147_483_647).optional(),
  to: JobStatus,
  note: multiline(500).optional(),
});
export type JobTransitionInput = z.input<typeof JobTransitionInput>;

/** Moves one job directly before or directly after another job on the board. */
export const JobReorderInput = z
  .strictObject({ id: Uuid, before: Uuid.optional(), after: Uuid.optional() })
  .refine((v) => (v.before === undefined) !== (v.after === undefined), {
    message: "Give exactly one of before or after",
    path: ["before"],
  })
  .refine((v) => v.before !== v.id && v.after !== v.id, { message: "A job cannot move relative to itself", path: ["id"] });
export type JobReorderInput = z.input<typeof JobReorderInput>;

/** jobs.reorder's answer. */
export const JobReorderResult = z.object({
  id: z.string(),
  queuePosition: z.number(),
  version: z.number(),
  /** Other jobs' positions changed too (the queue was laid out again): reload the board. */
  renumbered: z.boolean(),
});
export type JobReorderResult = z.infer<typeof JobReorderResult>;

export const JobVersionedRef = z.strictObject({
  id: Uuid,
  version: z.int().min(1).max(2_147_483_647).optional(),
});

export const JobBulkAction = z.discriminatedUnion("type", [
  z.strictObject({ type: z.literal("status"), to: JobStatus, note: multiline(500).optional() }),
  z.strictObject({ type: z.literal("assignee"), assigneeId: Uuid.nullable() }),
  z.strictObject({ type: z.literal("archive") }),
  z.strictObject({ type: z.literal("sendInvoice") }),
]);
export type JobBulkAction = z.infer<typeof JobBulkAction>;

export const JobBulkInput = z.strictObject({
  ids: z.array(Uuid).min(1).max(JOB_BULK_MAX_IDS),
  action: JobBulkAction,
});
export type JobBulkInput = z.input<typeof JobBulkInput>;

export const JobBulkRowResult = z.union([
  z.object({ id: z.string(), ok: z.literal(true) }),
  z.object({ id: z.string(), ok: z.literal(false), reason: z.string(), message: z.string() }),
]);
export type JobBulkRowResult = z.infer<typeof JobBulkRowResult>;

export const JobBulkResult = z.object({
  results: z.array(JobBulkRowResult),
  succeeded: z.number(),
  failed: z.number(),
});
export type JobBulkResult = z.infer<typeof JobBulkResult>;

// ---- Labels ----------------------------------------------------------------------------------------

export const LabelFormat = z.enum(["png", "html", "pdf"]);
export type LabelFormat = z.infer<typeof LabelFormat>;

export const JobLabelInput = z.strictObject({ jobId: Uuid, format: LabelFormat.default("png") });
export type JobLabelInput = z.input<typeof JobLabelInput>;

const LabelFile = z.object({
  jobId: z.string(),
  filename: z.string(),
  /** The stock it is laid out for. */
  stock: z.object({ widthMm: z.number(), heightMm: z.number() }),
});

/** A job's label (labels.job), in the format asked for. */
export const JobLabel = z.discriminatedUnion("format", [
  LabelFile.extend({ format: z.literal("png"), mimeType: z.literal("image/png"), base64: z.string(), widthPx: z.number(), heightPx: z.number(), dpi: z.number() }),
  LabelFile.extend({ format: z.literal("html"), mimeType: z.literal("text/html"), html: z.string() }),
  LabelFile.extend({ format: z.literal("pdf"), mimeType: z.literal("application/pdf"), base64: z.string() }),
]);
export type JobLabel = z.infer<typeof JobLabel>;
