import { z } from "zod";
import { DeadLetterKind, DeadLetterStatus, IntakeRunMode, IntakeRunStatus } from "./enums.ts";
import { JobListFilter, JobListSort, Uuid, line, multiline } from "./jobs.ts";

// The intake API's inputs and outputs: storefront feed sources, their runs and dead letters, and
// CSV import / export of jobs.

/** Adapters the intake knows. */
export const IntakeSourceKind = z.enum(["storefront-json"]);
export type IntakeSourceKind = z.infer<typeof IntakeSourceKind>;

/**
 * The only environment variables a feed source may name. The server sends the variable's value as
 * a bearer token to the source's URL, so naming any variable at all would let an admin send
 * DATABASE_URL or ORDERDECK_SECRET_KEY to a host of their choosing.
 */
export const FEED_CREDENTIALS_PREFIX = "ORDERDECK_FEED_";

const CREDENTIALS_REF_FORMAT = /^ORDERDECK_FEED_[A-Za-z0-9_]{1,113}$/;

/** True for a name the server may read a feed's secret from. */
export function isFeedCredentialsRef(name: string): boolean {
  return CREDENTIALS_REF_FORMAT.test(name);
}

/**
 * Where a source's secret lives: the name of an environment variable of the server under
 * FEED_CREDENTIALS_PREFIX, never the secret itself (a secret typed here would be stored in plain
 * sight and shown to every admin).
 */
export const CredentialsRef = z
  .string()
  .regex(
    CREDENTIALS_REF_FORMAT,
    `the name of an environment variable starting with ${FEED_CREDENTIALS_PREFIX} (letters, digits and _, e.g. ${FEED_CREDENTIALS_PREFIX}SHOP_TOKEN) that holds the secret, not the secret itself; the server reads no other variable for a feed`,
  );

/** A URL's user name or password, as a URL parser finds them (whatever way they were written). */
function carriesCredentials(url: string): boolean {
  try {
    const parsed = new URL(url);
    return parsed.username !== "" || parsed.password !== "";
  } catch {
    return false;
  }
}

export const FeedBaseUrl = z
  .url({ protocol: /^https?$/, error: "an http:// or https:// address" })
  .max(2000)
  .refine((u) => !/^https?:\/\/[^/]*@/i.test(u) && !carriesCredentials(u), "must not carry credentials; name them in credentialsRef instead")
  .refine((u) => !u.includes("?") && !u.includes("#"), "the storefront's base address, without a query or fragment");

export const FEED_PAGE_SIZE_MAX = 1000;

export const IntakeSourceCreateInput = z.strictObject({
  name: line(80),
  kind: IntakeSourceKind.default("storefront-json"),
  baseUrl: FeedBaseUrl,
  credentialsRef: CredentialsRef.nullable().default(null),
  pageSize: z.int().min(1).max(FEED_PAGE_SIZE_MAX).default(100),
  enabled: z.boolean().default(true),
});
export type IntakeSourceCreateInput = z.input<typeof IntakeSourceCreateInput>;

export const IntakeSourceUpdateInput = z.strictObject({
  id: Uuid,
  name: line(80).optional(),
  baseUrl: FeedBaseUrl.optional(),
  credentialsRef: CredentialsRef.nullable().optional(),
  pageSize: z.int().min(1).max(FEED_PAGE_SIZE_MAX).optional(),
  enabled: z.boolean().optional(),
  /** Forget the cursor and checkpoint: the next run reads the source from its first order. */
  resetCursor: z.boolean().optional(),
});
export type IntakeSourceUpdateInput = z.input<typeof IntakeSourceUpdateInput>;

export const IntakeSourceView = z.object({
  id: z.string(),
  name: z.string(),
  kind: z.string(),
  baseUrl: z.string(),
  credentialsRef: z.string().nullable(),
  pageSize: z.number(),
  enabled: z.boolean(),
  cursor: z.string().nullable(),
  lastSuccessAt: z.string().nullable(),
  consecutiveFailures: z.number(),
  sourceNewestAt: z.string().nullable(),
  syncedThroughAt: z.string().nullable(),
  /** Seconds the source has had changes not yet taken in (see api/src/intake/status.ts); 0 when caught up. */
  lagSeconds: z.number(),
  createdAt: z.string(),
});
export type IntakeSourceView = z.infer<typeof IntakeSourceView>;

export const IntakeSourceList = z.array(IntakeSourceView);

export const IntakeSourceDeleted = z.object({ id: z.string() });

export const IntakeRunView = z.object({
  id: z.string(),
  sourceId: z.string(),
  mode: IntakeRunMode,
  status: IntakeRunStatus,
  startedAt: z.string(),
  finishedAt: z.string().nullable(),
  durationMs: z.number().nullable(),
  rowsSeen: z.number(),
  rowsInserted: z.number(),
  rowsUpdated: z.number(),
  rowsUnchanged: z.number(),
  rowsRejected: z.number(),
  rowsFlagged: z.number(),
  cursorFrom: z.string().nullable(),
  cursorTo: z.string().nullable(),
  error: z.string().nullable(),
  requestedById: z.string().nullable(),
});
export type IntakeRunView = z.infer<typeof IntakeRunView>;

export const IntakeRunNowInput = z.strictObject({
  sourceId: Uuid,
  mode: IntakeRunMode.default("INCREMENTAL"),
});
export type IntakeRunNowInput = z.input<typeof IntakeRunNowInput>;

/** A run that ran (SUCCEEDED or FAILED, with its record), or LOCKED: another run of the source holds its lock. */
export const IntakeRunNowResult = z.object({
  status: z.enum(["SUCCEEDED", "FAILED", "LOCKED"]),
  message: z.string(),
  run: IntakeRunView,
});
export type IntakeRunNowResult = z.infer<typeof IntakeRunNowResult>;

export const PageCursor = z.string().min(1).max(512);

export const IntakeRunsListInput = z.strictObject({
  sourceId: Uuid.optional(),
  cursor: PageCursor.optional(),
  limit: z.int().min(1).max(200).default(50),
});
export type IntakeRunsListInput = z.input<typeof IntakeRunsListInput>;

export const IntakeRunsPage = z.object({ items: z.array(IntakeRunView), nextCursor: z.string().nullable() });
export type IntakeRunsPage = z.infer<typeof IntakeRunsPage>;

export const DeadLetterView = z.object({
  id: z.string(),
  sourceId: z.string(),
  sourceName: z.string(),
  runId: z.string().nullable(),
  kind: DeadLetterKind,
  status: DeadLetterStatus,
  externalId: z.string().nullable(),
  /** The job the row belongs to, when one exists (a CONFLICT always has one). */
  job: z.object({ id: z.string(), displayNumber: z.string() }).nullable(),
  reason: z.string(),
  payload: z.unknown(),
  attempts: z.number(),
  createdAt: z.string(),
  updatedAt: z.string(),
  lastAttemptAt: z.string().nullable(),
  resolvedAt: z.string().nullable(),
  resolvedById: z.string().nullable(),
  resolutionNote: z.string().nullable(),
});
export type DeadLetterView = z.infer<typeof DeadLetterView>;

export const DeadLetterListInput = z.strictObject({
  status: DeadLetterStatus.default("OPEN"),
  sourceId: Uuid.optional(),
  cursor: PageCursor.optional(),
  limit: z.int().min(1).max(200).default(50),
});
export type DeadLetterListInput = z.input<typeof DeadLetterListInput>;

export const DeadLetterPage = z.object({ items: z.array(DeadLetterView), nextCursor: z.string().nullable() });
export type DeadLetterPage = z.infer<typeof DeadLetterPage>;

export const DeadLetterRef = z.strictObject({ id: Uuid });

export const DeadLetterResolveInput = z.strictObject({
  id: Uuid,
  /** Why it was closed without being taken in (shown in the letter's history). */
  note: multiline(1000).optional(),
});
export type DeadLetterResolveInput = z.input<typeof DeadLetterResolveInput>;

/**
 * TAKEN: the row is in (the letter is closed as RETRIED). STILL_OPEN: it still cannot be taken
 * in; `deadLetter.reason` says why. LOCKED: a sync of the source is running; try again after it.
 */
export const DeadLetterRetryResult = z.object({
  outcome: z.enum(["TAKEN", "STILL_OPEN", "LOCKED"]),
  message: z.string(),
  deadLetter: DeadLetterView,
});
export type DeadLetterRetryResult = z.infer<typeof DeadLetterRetryResult>;

// ---- CSV ---------------------------------------------------------------------------------------

/**
 * The columns of a jobs CSV, in the order an export writes them. An import reads the same file
 * back: `number`, `source` and `created_at` describe the job in the system it came from and
 * are not imported; `queue_position` only orders the open jobs among themselves.
 */
export const CSV_JOB_COLUMNS = [
  "number",
  "external_id",
  "source",
  "status",
  "title",
  "customer_name",
  "customer_email",
  "customer_phone",
  "material",
  "colour",
  "quantity",
  "estimated_minutes",
  "due_at",
  "priority",
  "price_cents",
  "currency",
  "payment_status",
  "fulfilment",
  "notes",
  "queue_position",
  "created_at",
  "archived_at",
] as const;
export type CsvJobColumn = (typeof CSV_JOB_COLUMNS)[number];

/** Characters of CSV text one import takes (the API's request limit is 1 MiB). */
export const CSV_IMPORT_MAX_CHARS = 900_000;
export const CSV_IMPORT_MAX_ROWS = 5_000;
/** Errors listed in one answer; `errorCount` still counts them all. */
export const CSV_IMPORT_MAX_LISTED_ERRORS = 1_000;

export const CsvImportInput = z.strictObject({
  csv: z.string().min(1).max(CSV_IMPORT_MAX_CHARS),
  /** true: check every row and report, change nothing. false: import every row or none. */
  dryRun: z.boolean(),
});
export type CsvImportInput = z.input<typeof CsvImportInput>;

export const CsvRowError = z.object({
  /** 1-based line of the file where the row starts (the header is line 1). */
  line: z.number(),
  /** The column's header name; null for a problem with the whole row or file. */
  column: z.string().nullable(),
  message: z.string(),
});
export type CsvRowError = z.infer<typeof CsvRowError>;

export const CsvImportResult = z.object({
  dryRun: z.boolean(),
  /** Data rows in the file. */
  rows: z.number(),
  /** Jobs created (always 0 for a dry run). */
  created: z.number(),
  errors: z.array(CsvRowError),
  errorCount: z.number(),
  /** Ids of the created jobs, in file order. */
  jobIds: z.array(z.string()),
});
export type CsvImportResult = z.infer<typeof CsvImportResult>;

/** `POST /exports/jobs.csv`: any job list filter; by default every unarchived job, oldest first. */
export const JobExportInput = z.strictObject({
  filter: JobListFilter.default({ archived: "exclude" }),
  sort: JobListSort.default({ field: "created", direction: "asc" }),
});
export type JobExportInput = z.input<typeof JobExportInput>;
