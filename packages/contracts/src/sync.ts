import { z } from "zod";
import { Fulfilment, HandoffStatus, JobSource, JobStatus, Priority } from "./enums.ts";
import { ERROR_CODES, type DomainErrorCode } from "./errors.ts";
import { HandoffAcknowledgeInput, HandoffCreateInput } from "./handoff.ts";
import { IsoDateTime, JobTransitionInput, JobUpdateInput, jobWorkFields, line, multiline } from "./jobs.ts";
import { ShiftRulesVersion } from "./shift-rules.ts";

// Console sync (SPEC §3 "Offline"): what sync.pull pages out, what sync.push takes in, and what it
// answers. Shared by the server and console-core; plain JSON (ISO dates) because it crosses HTTP.

/** Terminal jobs stay in a console's cache this long after their last change; older ones leave it. */
export const SYNC_WINDOW_DAYS = 14;
export const SYNC_PULL_DEFAULT_LIMIT = 500;
export const SYNC_PULL_MAX_LIMIT = 5000;
/**
 * A console's pages of a full snapshot: few round trips and few commits for a fresh console (each
 * commit rewrites the cache's random-keyed index pages), about 3.5 MB a page.
 */
export const SYNC_PULL_SNAPSHOT_LIMIT = SYNC_PULL_MAX_LIMIT;
/** One push is one request against the session budget; a batch of this many is still one. */
export const SYNC_PUSH_MAX_BATCH = 100;
/** Cursors carry database snapshots; this bound is far above any real one. */
export const SYNC_CURSOR_MAX_LENGTH = 16_384;
/** Handoffs a pull round carries (the most recent of the window). */
export const SYNC_HANDOFFS_LIMIT = 50;

// ---- Pull -------------------------------------------------------------------------------------

export const SyncJob = z.object({
  id: z.string(),
  number: z.number(),
  title: z.string(),
  status: JobStatus,
  queuePosition: z.number().nullable(),
  priority: Priority,
  source: JobSource,
  externalId: z.string().nullable(),
  customerId: z.string().nullable(),
  assigneeId: z.string().nullable(),
  assigneeName: z.string().nullable(),
  ...jobWorkFields,
  /** Sum of the job's payments when the row was read (a part payment alone does not change the job). */
  paidCents: z.number(),
  fulfilment: Fulfilment,
  pickupCode: z.string(),
  pickedUpAt: z.string().nullable(),
  pickedUpById: z.string().nullable(),
  pickedUpByName: z.string().nullable(),
  pickedUpStationId: z.string().nullable(),
  pickedUpStationName: z.string().nullable(),
  notes: z.string().nullable(),
  version: z.number(),
  createdAt: z.string(),
  updatedAt: z.string(),
  archivedAt: z.string().nullable(),
  /** The server's change sequence of this version of the row (decimal string: it is a bigint). */
  changeSeq: z.string(),
});
export type SyncJob = z.infer<typeof SyncJob>;

export const SyncCustomer = z.object({
  id: z.string(),
  name: z.string(),
  email: z.string().nullable(),
  phone: z.string().nullable(),
  updatedAt: z.string(),
});
export type SyncCustomer = z.infer<typeof SyncCustomer>;

const PersonRef = z.object({ id: z.string(), name: z.string() });

export const SyncHandoff = z.object({
  id: z.string(),
  periodFrom: z.string(),
  periodTo: z.string(),
  status: HandoffStatus,
  notes: z.string().nullable(),
  createdAt: z.string(),
  createdBy: PersonRef,
  acknowledgedAt: z.string().nullable(),
  acknowledgedBy: PersonRef.nullable(),
});
export type SyncHandoff = z.infer<typeof SyncHandoff>;

export const SyncSite = z.object({
  id: z.string(),
  name: z.string(),
  timezone: z.string(),
  defaultCurrency: z.string(),
  /** Open jobs older than these (hours since created) show as ageing / breached on the board. */
  slaWarnHours: z.number(),
  slaBreachHours: z.number(),
  /**
   * The shift rules in force over the longest handoff period and every one since (a change waiting
   * for the next shift too), oldest first, so that an offline summary has the server's boundaries.
   * Empty from a server that kept none: the built-in shifts in `timezone`.
   */
  shiftRules: z.array(ShiftRulesVersion).default([]),
});
export type SyncSite = z.infer<typeof SyncSite>;

/** A job that left the console's scope (archived, or closed longer ago than the window): drop it. */
export const SyncTombstone = z.object({ id: z.string() });
export type SyncTombstone = z.infer<typeof SyncTombstone>;

export const SyncPullInput = z.strictObject({
  /** The `cursor` of the previous page, unchanged; absent for a fresh console (full snapshot). */
  cursor: z.string().min(1).max(SYNC_CURSOR_MAX_LENGTH).optional(),
  limit: z.int().min(1).max(SYNC_PULL_MAX_LIMIT).default(SYNC_PULL_DEFAULT_LIMIT),
});
export type SyncPullInput = z.input<typeof SyncPullInput>;

export const SyncPullPage = z.object({
  /** Jobs changed since the cursor (or, in a full snapshot, every job in scope), newest versions. */
  jobs: z.array(SyncJob),
  /** The customers those jobs reference, and customers changed since the cursor. */
  customers: z.array(SyncCustomer),
  tombstones: z.array(SyncTombstone),
  /** The site and its recent handoffs: on the first page of every round, null on the others. */
  site: SyncSite.nullable(),
  handoffs: z.array(SyncHandoff).nullable(),
  /** True while this round is a full snapshot: at its end, drop every cached job the round did not send. */
  full: z.boolean(),
  /** Opaque: store it and send it back. Valid even when `hasMore` is false (the next round starts there). */
  cursor: z.string(),
  /** More pages in this round: ask again at once with `cursor`. */
  hasMore: z.boolean(),
  serverTime: z.string(),
});
export type SyncPullPage = z.infer<typeof SyncPullPage>;

// ---- Push -------------------------------------------------------------------------------------

/** A scan at the counter. `offline`: the console answered "handed over, pending sync" without the server. */
export const PickupConfirmArgs = z.strictObject({
  /** As scanned or typed (normalised by the server), like pickup.confirm's. */
  code: line(64),
  scannedAt: IsoDateTime,
  offline: z.boolean(),
});
export type PickupConfirmArgs = z.infer<typeof PickupConfirmArgs>;

/** jobs.update limited to the notes, against the version the console saw. */
export const JobNoteArgs = JobUpdateInput.pick({ id: true, version: true }).extend({ notes: multiline(4000).nullable() });
export type JobNoteArgs = z.infer<typeof JobNoteArgs>;

/** jobs.transition; the version is required here: offline, a newer row is a conflict, never overwritten. */
export const JobTransitionArgs = JobTransitionInput.extend({ version: z.int().min(1).max(2_147_483_647) });
export type JobTransitionArgs = z.infer<typeof JobTransitionArgs>;

/** How a customer pays at the counter. */
export const CounterPaymentMethod = z.enum(["cash", "card"]);
export type CounterPaymentMethod = z.infer<typeof CounterPaymentMethod>;

/**
 * Money taken at the counter (payments.record). The mutation id is the payment's reference, so a
 * change sent again is the same payment, never a second one.
 */
export const PaymentRecordArgs = z.strictObject({
  jobId: z.uuid(),
  method: CounterPaymentMethod,
  amountCents: z.int().min(1, "A payment must be more than 0; enter the amount received (a lead waives a job that is not to be paid).").max(100_000_000),
  currency: z.string().regex(/^[A-Z]{3}$/, "a three-letter ISO 4217 code in capitals, e.g. EUR"),
  takenAt: IsoDateTime,
});
export type PaymentRecordArgs = z.infer<typeof PaymentRecordArgs>;

/** A lead lets the customer off paying (payments.waive). */
export const PaymentWaiveArgs = z.strictObject({ jobId: z.uuid(), reason: line(500) });
export type PaymentWaiveArgs = z.infer<typeof PaymentWaiveArgs>;

export const SYNC_MUTATION_ARGS = {
  "pickup.confirm": PickupConfirmArgs,
  "job.note": JobNoteArgs,
  "job.transition": JobTransitionArgs,
  "handoff.create": HandoffCreateInput,
  "handoff.acknowledge": HandoffAcknowledgeInput,
  "payment.record": PaymentRecordArgs,
  "payment.waive": PaymentWaiveArgs,
} as const;

export type SyncMutationType = keyof typeof SYNC_MUTATION_ARGS;
export const SyncMutationType = z.enum(Object.keys(SYNC_MUTATION_ARGS) as [SyncMutationType, ...SyncMutationType[]]);

export type SyncMutationArgs = { [K in SyncMutationType]: z.output<(typeof SYNC_MUTATION_ARGS)[K]> };

/**
 * One queued change. The envelope is checked for the whole batch; the arguments per mutation, so
 * that one malformed change is answered "rejected" instead of blocking the outbox behind it.
 */
export const SyncMutationEnvelope = z.strictObject({
  /** The console's mutation id (a UUID): the server applies each (console installation, id) at most once. */
  id: z.uuid(),
  type: SyncMutationType,
  args: z.unknown(),
  /** When the person did it, on the console's clock. */
  clientTime: IsoDateTime,
  /**
   * The user who made it (the console's outbox records it). A change is applied only under a
   * session of that user; under anyone else's it is answered "deferred" and nothing is recorded.
   * Absent from consoles older than authorship: applied under the session that sends it.
   */
  authorId: z.uuid().optional(),
});
export type SyncMutationEnvelope = z.infer<typeof SyncMutationEnvelope>;

export type SyncMutation = {
  [K in SyncMutationType]: { id: string; type: K; args: SyncMutationArgs[K]; clientTime: string; authorId?: string };
}[SyncMutationType];

export const SyncPushInput = z.strictObject({
  mutations: z
    .array(SyncMutationEnvelope)
    .min(1)
    .max(SYNC_PUSH_MAX_BATCH)
    .refine((list) => new Set(list.map((m) => m.id)).size === list.length, "each mutation id may appear once in a batch"),
});
export type SyncPushInput = z.input<typeof SyncPushInput>;

/** What the ledger records of a mutation: applied; rejected (the rule said no); conflict (the row changed meanwhile). */
export const SyncMutationStatus = z.enum(["applied", "rejected", "conflict"]);
export type SyncMutationStatus = z.infer<typeof SyncMutationStatus>;

/**
 * A recorded answer, or "deferred": refused only because of who sent it (the session's role is too
 * low for it now, or the session is not its author's). Nothing is recorded for a deferred change:
 * the console keeps it waiting and sends it again under a later session of its author.
 */
export const SyncResultStatus = z.enum(["applied", "rejected", "conflict", "deferred"]);
export type SyncResultStatus = z.infer<typeof SyncResultStatus>;

export const DomainErrorCodeSchema = z.enum(Object.keys(ERROR_CODES) as [DomainErrorCode, ...DomainErrorCode[]]);

export const SyncMutationResult = z.object({
  id: z.string(),
  type: SyncMutationType,
  /** applied; rejected (the rule said no: the same reason as the online procedure); conflict (the row changed meanwhile); deferred (see SyncResultStatus). */
  status: SyncResultStatus,
  reason: DomainErrorCodeSchema.nullable(),
  message: z.string().nullable(),
  details: z.record(z.string(), z.unknown()).nullable(),
  /** The answer stored when this mutation was first applied, returned again for a repeat. */
  replayed: z.boolean(),
  /** The job the mutation is about, as the server holds it now: the truth to roll back to. */
  job: SyncJob.nullable(),
  handoff: SyncHandoff.nullable(),
  /** Receipt numbers a handover issued or found. */
  receipts: z.array(z.string()),
});
export type SyncMutationResult = z.infer<typeof SyncMutationResult>;

export const SyncPushResult = z.object({
  /** One per processed mutation, in the order sent. */
  results: z.array(SyncMutationResult),
  /**
   * The server could not process a mutation (its database failed, or a rate limit: not a rule): it
   * and everything after it were left untouched, to be sent again in order, not before
   * `retryAfterSeconds` when set (RATE_LIMITED: too many pickup scans). Null when all were processed.
   */
  halted: z
    .object({
      id: z.string(),
      message: z.string(),
      reason: DomainErrorCodeSchema.nullable().optional(),
      retryAfterSeconds: z.number().int().positive().nullable().optional(),
    })
    .nullable(),
});
export type SyncPushResult = z.infer<typeof SyncPushResult>;

/** What sync.events sends: "rows of your site changed; pull". */
export const SyncPoke = z.object({ siteId: z.string(), at: z.string() });
export type SyncPoke = z.infer<typeof SyncPoke>;
