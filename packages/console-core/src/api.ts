// What localRouter answers the renderer, and the console core it is built on, as types and zod
// schemas only. Node-free on purpose: the renderer's typecheck reads this module (through
// localRouter's type), and it must not see better-sqlite3, node:* or Electron.
import { Ageing, HandoffSummary, JobStatus, PaymentStatus, SyncHandoff, SyncJob, type CounterPaymentMethod, type DomainErrorCode, type JobExportInput, type JobWithTimeline, type SyncCustomer } from "@orderdeck/contracts";
import { z } from "zod";

export const ConnectionState = z.enum(["online", "offline", "syncing"]);
export type ConnectionState = z.infer<typeof ConnectionState>;

/** Changes made here by one person (or, `userId` null, by someone the console did not record) that wait for them to sign in. */
export const WaitingGroup = z.object({ userId: z.string().nullable(), name: z.string().nullable(), count: z.number() });
export type WaitingGroup = z.infer<typeof WaitingGroup>;

/** What the console shows at all times: online or not, last sync, changes waiting. */
export const SyncState = z.object({
  connection: ConnectionState,
  signedIn: z.boolean(),
  enrolled: z.boolean(),
  lastSyncAt: z.string().nullable(),
  /** Every change made here that the server has not answered, whoever made it. */
  outboxSize: z.number(),
  /** Of those, the ones that are not the signed-in person's (all, when nobody is), by who made them. */
  waitingFor: z.array(WaitingGroup),
  lastError: z.string().nullable(),
});
export type SyncState = z.infer<typeof SyncState>;

export const SetupState = z.object({
  serverUrl: z.string(),
  station: z.object({ id: z.string(), name: z.string() }).nullable(),
  user: z.object({ id: z.string(), name: z.string(), email: z.string(), role: z.string() }).nullable(),
  site: z.object({ id: z.string(), name: z.string(), timezone: z.string() }).nullable(),
});
export type SetupState = z.infer<typeof SetupState>;

/** A job as the console shows it: the server's row with this console's waiting changes applied. */
export const LocalJob = SyncJob.extend({
  displayNumber: z.string(),
  customerName: z.string().nullable(),
  /** Changes made here that the server has not answered yet. */
  pendingChanges: z.number(),
  /** Open since created against the site's SLA thresholds (as of the last sync): null when closed or no thresholds are known yet. */
  ageing: Ageing,
});
export type LocalJob = z.infer<typeof LocalJob>;

export const QueueListInput = z.strictObject({
  /** Job number, or part of the title or customer name. */
  search: z.string().trim().max(100).optional(),
  statuses: z.array(JobStatus).min(1).max(JobStatus.options.length).optional(),
  /** Closed jobs (picked up, shipped, cancelled) of the recent window too; default: the board only. */
  includeClosed: z.boolean().default(false),
  limit: z.int().min(1).max(500).default(100),
  cursor: z.string().max(100).optional(),
});
export type QueueListInput = z.input<typeof QueueListInput>;

export const QueuePage = z.object({
  items: z.array(LocalJob),
  nextCursor: z.string().nullable(),
  /** The cache is as of this sync. */
  asOf: z.string().nullable(),
});
export type QueuePage = z.infer<typeof QueuePage>;

export const LocalRefusal = z.object({ reason: z.string(), message: z.string() });

export const PickupAnswer = z.object({
  job: LocalJob,
  customer: z.object({ name: z.string(), email: z.string().nullable(), phone: z.string().nullable() }).nullable(),
  payment: z.object({
    status: PaymentStatus,
    priceCents: z.number(),
    paidCents: z.number(),
    amountDueCents: z.number(),
    currency: z.string(),
    amountDue: z.string(),
  }),
  canHandOver: z.boolean(),
  refusal: LocalRefusal.nullable(),
  /** A handover of this code made at this station that the server has not answered yet. */
  pendingHandover: z.object({ mutationId: z.string(), scannedAt: z.string() }).nullable(),
  asOf: z.string().nullable(),
});
export type PickupAnswer = z.infer<typeof PickupAnswer>;

export const PickupConfirmAnswer = z.object({
  /** handed_over: the server confirmed; pending_sync: queued, shown as handed over until the server answers; refused: nothing changed. */
  outcome: z.enum(["handed_over", "pending_sync", "refused"]),
  message: z.string(),
  mutationId: z.string().nullable(),
  refusal: LocalRefusal.nullable(),
  job: LocalJob.nullable(),
  receipts: z.array(z.string()),
});
export type PickupConfirmAnswer = z.infer<typeof PickupConfirmAnswer>;

/** The answer to an action: applied here and queued (or already answered by the server). */
export const ActionAnswer = z.object({
  /** Null when nothing needed doing (the note was already that). */
  mutationId: z.string().nullable(),
  /** pending: queued, shown, not yet answered; applied / rejected / conflict: the server's answer. */
  status: z.enum(["pending", "applied", "rejected", "conflict"]),
  message: z.string().nullable(),
  job: LocalJob.nullable(),
  handoff: SyncHandoff.nullable(),
  /** Receipt numbers the server issued for the change (a payment's). */
  receipts: z.array(z.string()),
});
export type ActionAnswer = z.infer<typeof ActionAnswer>;

const JobRef = z.object({ jobId: z.string(), number: z.string(), title: z.string(), customer: z.string().nullable() });

/**
 * The shift summary as the cache can tell it (the server's handoff summary computed from the
 * cached rows; counts that need the job timeline, which the cache does not keep, are null).
 */
export const CachedHandoffSummary = z.object({
  source: z.literal("cache"),
  /** Everything below is as of this sync. */
  asOf: z.string().nullable(),
  period: z.object({ from: z.string(), to: z.string(), basis: z.enum(["since_last_handoff", "current_shift"]) }),
  counts: z.object({
    received: z.number(),
    pickedUp: z.number(),
    readyWaiting: z.number(),
    readyUnpaid: z.number(),
    overdue: z.number(),
    failedNow: z.number(),
    started: z.null(),
    finished: z.null(),
    failed: z.null(),
    reprinted: z.null(),
  }),
  received: z.array(JobRef.extend({ at: z.string() })),
  pickedUp: z.array(JobRef.extend({ at: z.string(), by: z.string().nullable(), station: z.string().nullable(), pendingSync: z.boolean() })),
  readyWaiting: z.array(JobRef.extend({ paymentStatus: PaymentStatus, unpaid: z.boolean(), amountDue: z.string() })),
  overdue: z.array(JobRef.extend({ dueAt: z.string(), status: JobStatus })),
  nextInQueue: z.array(JobRef.extend({ position: z.number(), status: JobStatus, estimatedMinutes: z.number().nullable() })),
});
export type CachedHandoffSummary = z.infer<typeof CachedHandoffSummary>;

export const HandoffSummaryAnswer = z.union([
  CachedHandoffSummary,
  z.object({ source: z.literal("server"), summary: HandoffSummary }),
]);
export type HandoffSummaryAnswer = z.infer<typeof HandoffSummaryAnswer>;

export const Notice = z.object({
  id: z.number(),
  at: z.string(),
  level: z.enum(["info", "warning", "error"]),
  message: z.string(),
  jobId: z.string().nullable(),
  mutationId: z.string().nullable(),
});
export type Notice = z.infer<typeof Notice>;

/** One change held on this console for someone who is not signed in (the exceptions screen, for a lead). */
export const WaitingChange = z.object({
  mutationId: z.string(),
  /** "Handover of #1042", "Note on #1043", "Shift handoff", … */
  description: z.string(),
  jobId: z.string().nullable(),
  madeAt: z.string(),
  authorId: z.string().nullable(),
  authorName: z.string().nullable(),
});
export type WaitingChange = z.infer<typeof WaitingChange>;

export const WaitingChanges = z.object({
  /** The console that holds them: they exist nowhere else until they are sent. */
  station: z.object({ id: z.string(), name: z.string() }).nullable(),
  changes: z.array(WaitingChange),
});
export type WaitingChanges = z.infer<typeof WaitingChanges>;

/** A refusal of the console itself (not the server's): what the renderer shows as the reason. */
export class ConsoleRefusal extends Error {
  readonly code: "PRECONDITION_FAILED" | "NOT_FOUND" | "BAD_REQUEST" | "UNAUTHORIZED" | "CONFLICT" | "FORBIDDEN" | "TOO_MANY_REQUESTS";
  readonly reason: DomainErrorCode | "OFFLINE" | "NOT_SET_UP";
  constructor(code: ConsoleRefusal["code"], reason: ConsoleRefusal["reason"], message: string) {
    super(message);
    this.name = "ConsoleRefusal";
    this.code = code;
    this.reason = reason;
  }
}

/** Everything localRouter needs of the console core (implemented in console.ts, Node-side). */
export interface ConsoleCoreApi {
  setup: {
    state(): SetupState;
    setServerUrl(url: string): SetupState;
    enroll(code: string): Promise<SetupState>;
    signIn(email: string, password: string): Promise<SetupState>;
    signOut(): Promise<SetupState>;
  };
  queue: {
    list(input: z.output<typeof QueueListInput>): QueuePage;
    get(id: string): LocalJob | null;
    timeline(id: string): Promise<JobWithTimeline>;
  };
  /** The server's CSV of the jobs a filter selects (online only). */
  exports: {
    jobsCsv(input: JobExportInput): Promise<string>;
  };
  /** The customers in this console's copy, for picking one (offline too). */
  customers: {
    search(text: string): SyncCustomer[];
  };
  pickup: {
    lookup(code: string): PickupAnswer;
    confirm(code: string): Promise<PickupConfirmAnswer>;
  };
  payments: {
    take(jobId: string, method: CounterPaymentMethod, amountCents: number): Promise<ActionAnswer>;
    waive(jobId: string, reason: string): Promise<ActionAnswer>;
  };
  jobs: {
    note(id: string, notes: string | null): Promise<ActionAnswer>;
    transition(id: string, to: JobStatus, note?: string): Promise<ActionAnswer>;
  };
  handoff: {
    summary(): Promise<HandoffSummaryAnswer>;
    list(): SyncHandoff[];
    create(notes: string): Promise<ActionAnswer>;
    acknowledge(id: string): Promise<ActionAnswer>;
  };
  sync: {
    state(): SyncState;
    subscribe(listener: (state: SyncState) => void): () => void;
    now(): Promise<SyncState>;
  };
  notices: {
    list(): Notice[];
    dismiss(id: number): void;
  };
  /** The changes held here for people who are not signed in (LEAD and up). */
  outbox: {
    waiting(): WaitingChanges;
    /** The signed-in lead takes over the changes no author was recorded for; answers how many. */
    adoptUnattributed(): { adopted: number };
  };
  /** Calls the server live with this station's session; offline it refuses with reason OFFLINE. `what` names the feature in that refusal. */
  online: {
    query<S extends z.ZodType>(path: string, input: unknown, output: S, what: string): Promise<z.output<S>>;
    mutation<S extends z.ZodType>(path: string, input: unknown, output: S, what: string): Promise<z.output<S>>;
  };
}
