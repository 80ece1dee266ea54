// The console core: the local database, the sync engine and the one path every user action takes
// (outbox row and optimistic change in one SQLite transaction, then a push). localRouter exposes
// it to the renderer; this module is Node-side (better-sqlite3, the file system).
import {
  ERROR_CODES,
  HandoffSummary,
  type DomainErrorCode,
  JobWithTimeline,
  HANDOFF_MAX_PERIOD_DAYS,
  SYNC_MUTATION_ARGS,
  amountDueCents,
  canTransition,
  currentShiftStart,
  formatJobNumber,
  formatLocal,
  formatMoney,
  formatPickupCode,
  hasRole,
  invalidCodeRefusal,
  isOpen,
  isValidPickupCode,
  normalizePickupCode,
  parseJobNumber,
  pickupRefusal,
  unknownCodeRefusal,
  type JobStatus,
  type SyncCustomer,
  type SyncJob,
  type SyncMutation,
  type SyncMutationType,
} from "@orderdeck/contracts";
import { z } from "zod";
import {
  ConsoleRefusal,
  type ActionAnswer,
  type CachedHandoffSummary,
  type ConsoleCoreApi,
  type HandoffSummaryAnswer,
  type LocalJob,
  type PickupAnswer,
  type PickupConfirmAnswer,
  type QueuePage,
  type SetupState,
} from "./api.ts";
import { waitingChanges } from "./outbox/waiting.ts";
import { findJobByCode, getCustomer, getJob, listHandoffs, readSyncState, searchCustomers, showChange, siteOf, storeHandoff } from "./store/cache.ts";
import { openDatabase, type SqliteDatabase } from "./store/database.ts";
import { dismissNotice, listNotices } from "./store/journal.ts";
import { installationKey } from "./store/installation.ts";
import { adoptUnattributed, enqueue, outboxSize, pendingPickupOf, resultOf, type Author, type OutboxRow } from "./store/outbox.ts";
import { fileSecretStore, type Credentials, type SecretStore } from "./store/secrets.ts";
import { SyncEngine } from "./sync/engine.ts";
import type { Actor } from "./sync/optimistic.ts";
import { classify, createServerClient, type ServerClient } from "./sync/server-client.ts";

export interface ConsoleCoreOptions {
  /** The app's data folder: the SQLite database and (by default) the credentials file live here. */
  dataDir: string;
  /** The server to use until someone sets another one in setup. */
  defaultServerUrl?: string;
  secrets?: SecretStore;
  /** How long a scan made online waits for the server's verdict before it is queued as "pending sync". */
  liveAnswerTimeoutMs?: number;
  requestTimeoutMs?: number;
  pollIntervalMs?: number;
  backoff?: { minMs: number; maxMs: number };
  /** Rows per pulled page of an increment, and of a full snapshot. */
  pullLimit?: number;
  snapshotPullLimit?: number;
  fetch?: typeof globalThis.fetch;
  now?: () => Date;
}

export interface ConsoleCore extends ConsoleCoreApi {
  readonly serverUrl: string;
  /** Starts syncing (pull now, then on pokes and the timer). */
  start(): void;
  close(): Promise<void>;
}

const Station = z.object({ id: z.string(), name: z.string() });
const User = z.object({ id: z.string(), name: z.string(), email: z.string(), role: z.string() });
const Site = z.object({ id: z.string(), name: z.string(), timezone: z.string() });
const Enrolled = z.object({ stationToken: z.string(), station: Station, site: Site });
const SignedIn = z.object({ token: z.string(), sessionId: z.string(), user: User, site: Site, station: Station.nullable() });

const NEXT_IN_QUEUE = 10;
const LIST_LIMIT = 50;

function normaliseServerUrl(raw: string): string {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new ConsoleRefusal("BAD_REQUEST", "VALIDATION_FAILED", `Server URL is not a valid URL: ${JSON.stringify(raw)}`);
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") {
    throw new ConsoleRefusal("BAD_REQUEST", "VALIDATION_FAILED", `Server URL must be http or https, got ${url.protocol}`);
  }
  return url.href.replace(/\/+$/, "");
}

export function createConsoleCore(options: ConsoleCoreOptions): ConsoleCore {
  const db: SqliteDatabase = openDatabase(options.dataDir);
  const secrets = options.secrets ?? fileSecretStore(options.dataDir);
  const now = options.now ?? (() => new Date());
  let credentials: Credentials = secrets.read();

  const setting = (key: string): string | null =>
    db.prepare<[string], { value: string }>("SELECT value FROM settings WHERE key = ?").get(key)?.value ?? null;
  const setSetting = (key: string, value: string | null): void => {
    if (value === null) db.prepare("DELETE FROM settings WHERE key = ?").run(key);
    else db.prepare("INSERT INTO settings (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value").run(key, value);
  };
  const parsed = <S extends z.ZodType>(key: string, schema: S): z.output<S> | null => {
    const text = setting(key);
    if (!text) return null;
    const result = schema.safeParse(JSON.parse(text));
    return result.success ? result.data : null;
  };

  if (!setting("server_url")) setSetting("server_url", normaliseServerUrl(options.defaultServerUrl ?? "http://127.0.0.1:4000"));
  const serverUrl = (): string => setting("server_url") ?? "http://127.0.0.1:4000";
  const saveCredentials = (next: Credentials): void => {
    credentials = next;
    secrets.write(next);
  };

  let client: ServerClient | null = null;
  let clientUrl = "";
  const serverClient = (): ServerClient => {
    const url = serverUrl();
    if (!client || clientUrl !== url) {
      clientUrl = url;
      client = createServerClient({ url, credentials: () => credentials, timeoutMs: options.requestTimeoutMs, fetch: options.fetch });
    }
    return client;
  };

  const actor = (): Actor => {
    const user = parsed("user", User);
    const station = parsed("station", Station);
    return { userId: user?.id ?? null, userName: user?.name ?? null, stationId: station?.id ?? null, stationName: station?.name ?? null };
  };
  const enrolled = () => credentials.stationToken !== null && parsed("station", Station) !== null;
  const signedIn = () => enrolled() && credentials.sessionToken !== null;
  /** The person signed in and their session: whose changes the outbox takes and sends. */
  const author = (): Author | null => {
    const user = signedIn() ? parsed("user", User) : null;
    return user ? { userId: user.id, name: user.name, sessionId: setting("session_id") } : null;
  };
  const forgetSession = (): void => {
    saveCredentials({ ...credentials, sessionToken: null });
    setSetting("user", null);
    setSetting("session_id", null);
  };

  const engine = new SyncEngine({
    db,
    client: () => (signedIn() ? serverClient() : null),
    actor,
    enrolled,
    signedIn,
    sender: author,
    // The server ended the session (expired, revoked, user disabled): the changes its person made
    // stay theirs and wait for them to sign in again; nobody else's session sends them.
    onSignedOut: forgetSession,
    pollIntervalMs: options.pollIntervalMs,
    backoff: options.backoff,
    pullLimit: options.pullLimit,
    snapshotPullLimit: options.snapshotPullLimit,
    now,
  });

  // ---- reading the cache -------------------------------------------------------------------------

  const pendingCount = (jobId: string): number =>
    db.prepare<[string], { n: number }>("SELECT count(*) AS n FROM outbox WHERE job_id = ? AND status IN ('pending', 'sent')").get(jobId)?.n ?? 0;

  const localJob = (job: SyncJob): LocalJob => ({
    ...job,
    displayNumber: formatJobNumber(job.number),
    customerName: job.customerId ? (getCustomer(db, job.customerId)?.name ?? null) : null,
    pendingChanges: pendingCount(job.id),
  });

  const siteTimeZone = (): string => siteOf(db)?.timezone ?? parsed("site", Site)?.timezone ?? "UTC";
  const lastSyncAt = (): string | null => readSyncState(db).last_sync_at;
  const online = (): boolean => signedIn() && engine.reachable;

  const requireJob = (id: string): SyncJob => {
    const job = getJob(db, id);
    if (!job) throw new ConsoleRefusal("NOT_FOUND", "NOT_FOUND", "That job is not in this console's copy of the queue (as of the last sync).");
    return job;
  };

  const requireSignedIn = (): void => {
    if (!enrolled()) throw new ConsoleRefusal("PRECONDITION_FAILED", "NOT_SET_UP", "This console is not enrolled yet: enroll it with a code from an admin.");
    if (!signedIn()) throw new ConsoleRefusal("UNAUTHORIZED", "UNAUTHENTICATED", "Sign in first.");
  };
  const requireAuthor = (): Author => {
    requireSignedIn();
    const me = author();
    if (!me) throw new ConsoleRefusal("UNAUTHORIZED", "UNAUTHENTICATED", "Sign in first.");
    return me;
  };

  // ---- the one path of every action --------------------------------------------------------------

  /** Queues a change of the signed-in person and shows it, in one SQLite transaction, then asks the engine to push. */
  const act = <K extends SyncMutationType>(type: K, args: z.input<(typeof SYNC_MUTATION_ARGS)[K]>, jobId: string | null): SyncMutation => {
    const valid = SYNC_MUTATION_ARGS[type].parse(args);
    const by = requireAuthor();
    const mutation = db.transaction(() => {
      const queued = enqueue(db, { type, args: valid, clientTime: now().toISOString() } as Omit<SyncMutation, "id">, jobId, by, now());
      if (jobId) showChange(db, jobId, queued, actor());
      return queued;
    })();
    engine.touched();
    engine.kick();
    return mutation;
  };

  /** Online, waits briefly for the server's verdict so the person sees it at once. */
  const verdict = async (mutation: SyncMutation): Promise<OutboxRow | null> => {
    if (!online()) return null;
    return engine.waitFor(mutation.id, options.liveAnswerTimeoutMs ?? 5_000);
  };

  const actionAnswer = (mutation: SyncMutation, row: OutboxRow | null, jobId: string | null): ActionAnswer => {
    const result = row ? resultOf(row) : null;
    const job = jobId ? getJob(db, jobId) : null;
    return {
      mutationId: mutation.id,
      // A deferred change is never stored as an answer: it is still waiting.
      status: result && result.status !== "deferred" ? result.status : "pending",
      message: result?.message ?? null,
      job: job ? localJob(job) : null,
      handoff: result?.handoff ?? null,
      receipts: result?.receipts ?? [],
    };
  };

  // ---- pickup ----------------------------------------------------------------------------------------

  const pickupFacts = (job: SyncJob) => ({
    number: job.number,
    status: job.status,
    fulfilment: job.fulfilment,
    paymentStatus: job.paymentStatus,
    priceCents: job.priceCents,
    currency: job.currency,
    paidCents: job.paidCents,
    pickedUpAt: job.pickedUpAt,
    pickedUpBy: job.pickedUpByName,
    pickedUpStation: job.pickedUpStationName,
  });

  const lookup = (raw: string): PickupAnswer => {
    const code = normalizePickupCode(raw);
    if (!isValidPickupCode(code)) {
      const { reason, message } = invalidCodeRefusal();
      throw new ConsoleRefusal("BAD_REQUEST", reason, message);
    }
    const job = findJobByCode(db, code);
    if (!job) {
      const { reason, message } = unknownCodeRefusal(code);
      throw new ConsoleRefusal("NOT_FOUND", reason, message);
    }
    const pending = pendingPickupOf(db, code);
    const refusal = pending ? null : pickupRefusal(pickupFacts(job), (iso) => formatLocal(new Date(iso), siteTimeZone()));
    const customer: SyncCustomer | null = job.customerId ? getCustomer(db, job.customerId) : null;
    const due = amountDueCents(job);
    return {
      job: localJob(job),
      customer: customer ? { name: customer.name, email: customer.email, phone: customer.phone } : null,
      payment: {
        status: job.paymentStatus,
        priceCents: job.priceCents,
        paidCents: job.paidCents,
        amountDueCents: due,
        currency: job.currency,
        amountDue: formatMoney(due, job.currency),
      },
      canHandOver: refusal === null && !pending,
      refusal: refusal ? { reason: refusal.reason, message: refusal.message } : null,
      pendingHandover: pending ? { mutationId: pending.mutation_id, scannedAt: String((JSON.parse(pending.args) as { scannedAt?: string }).scannedAt) } : null,
      asOf: lastSyncAt(),
    };
  };

  const confirm = async (raw: string): Promise<PickupConfirmAnswer> => {
    requireSignedIn();
    const code = normalizePickupCode(raw);
    const refused = ({ reason, message }: { reason: string; message: string }, job: SyncJob | null): PickupConfirmAnswer => ({
      outcome: "refused",
      message,
      mutationId: null,
      refusal: { reason, message },
      job: job ? localJob(job) : null,
      receipts: [],
    });
    if (!isValidPickupCode(code)) {
      return refused(invalidCodeRefusal(), null);
    }
    // A second scan of a code this station already handed over, before the server answered the
    // first: the outbox answers, and nothing is queued twice.
    const pending = pendingPickupOf(db, code);
    if (pending) {
      const job = pending.job_id ? getJob(db, pending.job_id) : null;
      const at = (JSON.parse(pending.args) as { scannedAt?: string }).scannedAt;
      const when = at ? formatLocal(new Date(at), siteTimeZone()) : "earlier";
      return {
        outcome: "pending_sync",
        message: `${job ? formatJobNumber(job.number) : formatPickupCode(code)} was already handed over at this station on ${when}; it waits to sync.`,
        mutationId: pending.mutation_id,
        refusal: null,
        job: job ? localJob(job) : null,
        receipts: [],
      };
    }
    const job = findJobByCode(db, code);
    if (!job) return refused(unknownCodeRefusal(code), null);
    const refusal = pickupRefusal(pickupFacts(job), (iso) => formatLocal(new Date(iso), siteTimeZone()));
    if (refusal) return refused(refusal, job);

    const live = online();
    const mutation = act("pickup.confirm", { code, scannedAt: now().toISOString(), offline: !live }, job.id);
    const row = await verdict(mutation);
    const result = row ? resultOf(row) : null;
    if (result?.status === "applied") {
      const handed = getJob(db, job.id);
      return {
        outcome: "handed_over",
        message: `${formatJobNumber(job.number)} handed over.`,
        mutationId: mutation.id,
        refusal: null,
        job: handed ? localJob(handed) : null,
        receipts: result.receipts,
      };
    }
    if (result) {
      const current = getJob(db, job.id);
      return { ...refused({ reason: result.reason ?? "CONFLICT", message: result.message ?? "The server refused the handover." }, current), mutationId: mutation.id };
    }
    // No verdict: the person hands the job over on the cache's word. Mark the change as made offline
    // while it is unanswered (not sent, or left waiting by the server), so a later refusal is an exception.
    if (live) {
      const args = { code, scannedAt: (mutation.args as { scannedAt: string }).scannedAt, offline: true };
      db.prepare("UPDATE outbox SET args = ? WHERE mutation_id = ? AND status IN ('pending', 'sent')").run(JSON.stringify(args), mutation.id);
    }
    const shown = getJob(db, job.id);
    return {
      outcome: "pending_sync",
      message: `${formatJobNumber(job.number)} handed over; the server has not confirmed it yet (pending sync).`,
      mutationId: mutation.id,
      refusal: null,
      job: shown ? localJob(shown) : null,
      receipts: [],
    };
  };

  // ---- payment at the counter -------------------------------------------------------------------------

  /** A job that still owes money, as this console last saw it (payments pending here included). */
  const owing = (jobId: string): SyncJob => {
    requireSignedIn();
    const job = requireJob(jobId);
    if (job.paymentStatus !== "UNPAID") {
      throw new ConsoleRefusal("PRECONDITION_FAILED", "DUPLICATE", `${formatJobNumber(job.number)} owes nothing (${job.paymentStatus.toLowerCase()}); no payment was taken.`);
    }
    return job;
  };

  // ---- handoff -------------------------------------------------------------------------------------

  const cachedSummary = (): CachedHandoffSummary => {
    const at = now();
    const tz = siteTimeZone();
    const acknowledged = listHandoffs(db)
      .filter((h) => h.status === "ACKNOWLEDGED")
      .sort((a, b) => b.periodTo.localeCompare(a.periodTo))[0];
    const oldest = at.getTime() - HANDOFF_MAX_PERIOD_DAYS * 86_400_000;
    const since = acknowledged && Date.parse(acknowledged.periodTo) < at.getTime() && Date.parse(acknowledged.periodTo) >= oldest;
    const from = since && acknowledged ? new Date(acknowledged.periodTo) : currentShiftStart(at, tz);
    const jobs = db
      .prepare<[], { data: string }>("SELECT data FROM jobs ORDER BY COALESCE(queue_position, 9007199254740991), number")
      .all()
      .map((row) => JSON.parse(row.data) as SyncJob);
    const inPeriod = (iso: string | null) => iso !== null && Date.parse(iso) >= from.getTime() && Date.parse(iso) < at.getTime();
    const ref = (job: SyncJob) => ({
      jobId: job.id,
      number: formatJobNumber(job.number),
      title: job.title,
      customer: job.customerId ? (getCustomer(db, job.customerId)?.name ?? null) : null,
    });
    const received = jobs.filter((j) => inPeriod(j.createdAt)).sort((a, b) => a.createdAt.localeCompare(b.createdAt));
    const pickedUp = jobs.filter((j) => j.status === "PICKED_UP" && inPeriod(j.pickedUpAt)).sort((a, b) => String(a.pickedUpAt).localeCompare(String(b.pickedUpAt)));
    const ready = jobs.filter((j) => j.status === "READY_FOR_PICKUP");
    const unsettled = (j: SyncJob) => j.paymentStatus === "UNPAID" || j.paymentStatus === "REFUNDED";
    const overdue = jobs.filter((j) => isOpen(j.status) && j.dueAt !== null && Date.parse(j.dueAt) < at.getTime());
    const queue = jobs.filter((j) => isOpen(j.status) && j.queuePosition !== null);
    return {
      source: "cache",
      asOf: lastSyncAt(),
      period: { from: from.toISOString(), to: at.toISOString(), basis: since ? "since_last_handoff" : "current_shift" },
      counts: {
        received: received.length,
        pickedUp: pickedUp.length,
        readyWaiting: ready.length,
        readyUnpaid: ready.filter(unsettled).length,
        overdue: overdue.length,
        failedNow: jobs.filter((j) => j.status === "FAILED").length,
        started: null,
        finished: null,
        failed: null,
        reprinted: null,
      },
      received: received.slice(0, LIST_LIMIT).map((j) => ({ ...ref(j), at: j.createdAt })),
      pickedUp: pickedUp.slice(0, LIST_LIMIT).map((j) => ({
        ...ref(j),
        at: j.pickedUpAt ?? j.updatedAt,
        by: j.pickedUpByName,
        station: j.pickedUpStationName,
        pendingSync: pendingCount(j.id) > 0,
      })),
      readyWaiting: ready.slice(0, LIST_LIMIT).map((j) => ({
        ...ref(j),
        paymentStatus: j.paymentStatus,
        unpaid: unsettled(j),
        amountDue: formatMoney(amountDueCents(j), j.currency),
      })),
      overdue: overdue.slice(0, LIST_LIMIT).map((j) => ({ ...ref(j), dueAt: j.dueAt ?? "", status: j.status })),
      nextInQueue: queue.slice(0, NEXT_IN_QUEUE).map((j) => ({ ...ref(j), position: j.queuePosition ?? 0, status: j.status, estimatedMinutes: j.estimatedMinutes })),
    };
  };

  const requireLead = (what: string): void => {
    const role = parsed("user", User)?.role ?? "STAFF";
    if (!hasRole(role, "LEAD")) {
      throw new ConsoleRefusal("PRECONDITION_FAILED", "FORBIDDEN", `${what} needs the LEAD role; you are signed in as ${role}.`);
    }
  };

  // ---- setup -----------------------------------------------------------------------------------------

  const setupState = (): SetupState => ({
    serverUrl: serverUrl(),
    station: enrolled() ? parsed("station", Station) : null,
    user: signedIn() ? parsed("user", User) : null,
    site: parsed("site", Site),
  });

  const onlineCall = async <T>(work: (client: ServerClient) => Promise<T>, what: string): Promise<T> => {
    try {
      return await work(serverClient());
    } catch (error) {
      const failure = classify(error);
      if (failure.kind === "offline") throw new ConsoleRefusal("PRECONDITION_FAILED", "OFFLINE", `${what} needs the server, which cannot be reached right now (${failure.message}).`);
      if (failure.kind === "signed-out") throw new ConsoleRefusal("UNAUTHORIZED", "UNAUTHENTICATED", failure.message);
      // The server's own refusal keeps its tRPC code and reason (a FORBIDDEN must not read as bad input).
      const reason = isDomainErrorCode(failure.reason) ? failure.reason : reasonOfTrpcCode(failure.code);
      throw new ConsoleRefusal(refusalCodeOf(reason), reason, failure.message);
    }
  };

  return {
    get serverUrl() {
      return serverUrl();
    },
    start: () => engine.start(),
    async close() {
      await engine.stop();
      if (db.open) db.close();
    },

    setup: {
      state: setupState,
      setServerUrl(url) {
        const next = normaliseServerUrl(url);
        if (next !== serverUrl() && enrolled()) {
          throw new ConsoleRefusal("PRECONDITION_FAILED", "NOT_SET_UP", "This console is enrolled at its server; it cannot be pointed at another one.");
        }
        setSetting("server_url", next);
        return setupState();
      },
      async enroll(code) {
        // The installation key: enrolled again, this console keeps the server's record of the
        // changes its earlier station sent, so one applied but never confirmed is not applied twice.
        const enrolledAs = await onlineCall(
          (c) => c.mutation("stations.enroll", { code, installationKey: installationKey(db) }, Enrolled),
          "Enrolling",
        );
        saveCredentials({ stationToken: enrolledAs.stationToken, sessionToken: null });
        setSetting("station", JSON.stringify(enrolledAs.station));
        setSetting("site", JSON.stringify(enrolledAs.site));
        setSetting("user", null);
        setSetting("session_id", null);
        engine.touched();
        return setupState();
      },
      async signIn(email, password) {
        if (!enrolled()) throw new ConsoleRefusal("PRECONDITION_FAILED", "NOT_SET_UP", "Enroll this console before signing in.");
        const session = await onlineCall((c) => c.mutation("auth.login", { email, password }, SignedIn), "Signing in");
        saveCredentials({ ...credentials, sessionToken: session.token });
        setSetting("user", JSON.stringify(session.user));
        setSetting("session_id", session.sessionId);
        setSetting("site", JSON.stringify(session.site));
        engine.touched();
        engine.kick();
        return setupState();
      },
      async signOut() {
        // Anyone can sign out at any time. Their waiting changes stay theirs: sent first while the
        // server is there, otherwise kept here and sent only under a later session of theirs (the
        // status bar and the sign-in screen say whom they wait for), never under the next person's.
        if (credentials.sessionToken && engine.reachable && outboxSize(db) > 0) await engine.syncNow();
        if (credentials.sessionToken) {
          // Best effort: offline, the session simply expires on the server.
          await serverClient()
            .mutation("auth.logout", undefined, z.unknown())
            .catch(() => undefined);
        }
        forgetSession();
        engine.touched();
        return setupState();
      },
    },

    queue: {
      list(input): QueuePage {
        const conditions: string[] = [];
        const params: unknown[] = [];
        if (!input.includeClosed) conditions.push("j.status NOT IN ('PICKED_UP', 'SHIPPED', 'CANCELLED')");
        if (input.statuses) {
          conditions.push(`j.status IN (${input.statuses.map(() => "?").join(", ")})`);
          params.push(...input.statuses);
        }
        if (input.search) {
          const number = parseJobNumber(input.search);
          const like = `%${input.search.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
          conditions.push(`(j.title LIKE ? ESCAPE '\\' OR c.name LIKE ? ESCAPE '\\'${number !== null ? " OR j.number = ?" : ""})`);
          params.push(like, like, ...(number !== null ? [number] : []));
        }
        const order = "COALESCE(j.queue_position, 9007199254740991)";
        if (input.cursor) {
          const [position, number] = input.cursor.split(":").map(Number);
          if (!Number.isSafeInteger(position) || !Number.isSafeInteger(number)) {
            throw new ConsoleRefusal("BAD_REQUEST", "VALIDATION_FAILED", "That list cursor is not one this console handed out.");
          }
          conditions.push(`(${order}, j.number) > (?, ?)`);
          params.push(position, number);
        }
        const where = conditions.length > 0 ? `WHERE ${conditions.join(" AND ")}` : "";
        const rows = db
          .prepare<unknown[], { data: string; sort: number }>(
            `SELECT j.data, ${order} AS sort FROM jobs j LEFT JOIN customers c ON c.id = j.customer_id ${where} ORDER BY ${order}, j.number LIMIT ?`,
          )
          .all(...params, input.limit + 1);
        const page = rows.slice(0, input.limit).map((row) => JSON.parse(row.data) as SyncJob);
        const last = page[page.length - 1];
        const lastSort = rows[page.length - 1]?.sort;
        return {
          items: page.map(localJob),
          nextCursor: rows.length > input.limit && last && lastSort !== undefined ? `${lastSort}:${last.number}` : null,
          asOf: lastSyncAt(),
        };
      },
      get(id) {
        const job = getJob(db, id);
        return job ? localJob(job) : null;
      },
      async timeline(id) {
        requireSignedIn();
        return onlineCall((c) => c.query("jobs.get", { id }, JobWithTimeline), "The job's timeline");
      },
    },

    pickup: { lookup, confirm },

    customers: {
      search: (text) => searchCustomers(db, text.trim(), 20),
    },

    exports: {
      jobsCsv: (input) => onlineCall((c) => c.download("/exports/jobs.csv", input), "Exporting jobs"),
    },

    payments: {
      async take(jobId, method, amountCents) {
        const job = owing(jobId);
        const mutation = act("payment.record", { jobId, method, amountCents, currency: job.currency, takenAt: now().toISOString() }, jobId);
        return actionAnswer(mutation, await verdict(mutation), jobId);
      },
      async waive(jobId, reason) {
        requireSignedIn();
        requireLead("Waiving a payment");
        owing(jobId);
        const mutation = act("payment.waive", { jobId, reason }, jobId);
        return actionAnswer(mutation, await verdict(mutation), jobId);
      },
    },

    jobs: {
      async note(id, notes) {
        requireSignedIn();
        const job = requireJob(id);
        const text = notes === null || notes.trim() === "" ? null : notes;
        if (text === job.notes) return { mutationId: null, status: "applied", message: "Nothing to change.", job: localJob(job), handoff: null, receipts: [] };
        const mutation = act("job.note", { id, version: job.version, notes: text }, id);
        return actionAnswer(mutation, await verdict(mutation), id);
      },
      async transition(id, to: JobStatus, note) {
        requireSignedIn();
        const job = requireJob(id);
        const label = formatJobNumber(job.number);
        if (to === "PICKED_UP") {
          throw new ConsoleRefusal("PRECONDITION_FAILED", "INVALID_TRANSITION", `${label} is handed over by scanning its pickup code at the counter.`);
        }
        if (!canTransition(job.status, to, job.fulfilment)) {
          throw new ConsoleRefusal("PRECONDITION_FAILED", "INVALID_TRANSITION", `${label} is ${job.status} and cannot become ${to}.`);
        }
        const mutation = act("job.transition", { id, version: job.version, to, ...(note ? { note } : {}) }, id);
        return actionAnswer(mutation, await verdict(mutation), id);
      },
    },

    handoff: {
      async summary(): Promise<HandoffSummaryAnswer> {
        if (online()) {
          try {
            const summary = await serverClient().query("handoff.summary", {}, HandoffSummary);
            return { source: "server", summary };
          } catch (error) {
            if (classify(error).kind !== "offline") throw error;
          }
        }
        return cachedSummary();
      },
      list: () => listHandoffs(db),
      async create(notes) {
        requireSignedIn();
        requireLead("Writing a handoff");
        // The period the lead saw: it ends now, whenever the server gets to it.
        const period = cachedSummary().period;
        const mutation = act("handoff.create", { from: period.from, to: period.to, notes }, null);
        return actionAnswer(mutation, await verdict(mutation), null);
      },
      async acknowledge(id) {
        requireSignedIn();
        requireLead("Acknowledging a handoff");
        const handoff = listHandoffs(db).find((h) => h.id === id);
        if (!handoff) throw new ConsoleRefusal("NOT_FOUND", "NOT_FOUND", "That handoff is not in this console's copy (as of the last sync).");
        const me = parsed("user", User);
        if (me && handoff.createdBy.id === me.id) {
          throw new ConsoleRefusal("PRECONDITION_FAILED", "FORBIDDEN", "The incoming lead acknowledges a handoff; you wrote this one, so someone else must take it over.");
        }
        const mutation = act("handoff.acknowledge", { id }, null);
        if (me && handoff.status !== "ACKNOWLEDGED") {
          storeHandoff(db, { ...handoff, status: "ACKNOWLEDGED", acknowledgedAt: now().toISOString(), acknowledgedBy: { id: me.id, name: me.name } });
        }
        const answer = actionAnswer(mutation, await verdict(mutation), null);
        return { ...answer, handoff: answer.handoff ?? listHandoffs(db).find((h) => h.id === id) ?? null };
      },
    },

    sync: {
      state: () => engine.state,
      subscribe: (listener) => engine.subscribe(listener),
      now: () => engine.syncNow(),
    },

    notices: {
      list: () => listNotices(db),
      dismiss: (id) => dismissNotice(db, id, now()),
    },

    outbox: {
      waiting() {
        const me = requireAuthor();
        requireLead("The changes waiting on this console");
        return waitingChanges(db, me, parsed("station", Station));
      },
      adoptUnattributed() {
        const me = requireAuthor();
        requireLead("Taking over changes");
        const adopted = adoptUnattributed(db, me);
        engine.touched();
        engine.kick();
        return { adopted };
      },
    },

    online: {
      query: (path, input, output, what) => {
        requireSignedIn();
        return onlineCall((c) => c.query(path, input, output), what);
      },
      mutation: (path, input, output, what) => {
        requireSignedIn();
        return onlineCall((c) => c.mutation(path, input, output), what);
      },
    },
  };
}

function isDomainErrorCode(value: string | undefined): value is DomainErrorCode {
  return value !== undefined && value in ERROR_CODES;
}

/** A server error without a domain reason (e.g. the role check): the reason its tRPC code stands for. */
function reasonOfTrpcCode(code: string | undefined): DomainErrorCode {
  switch (code) {
    case "FORBIDDEN":
      return "FORBIDDEN";
    case "NOT_FOUND":
      return "NOT_FOUND";
    case "CONFLICT":
      return "VERSION_CONFLICT";
    case "TOO_MANY_REQUESTS":
      return "RATE_LIMITED";
    case "PRECONDITION_FAILED":
      return "INVALID_TRANSITION";
    default:
      return "VALIDATION_FAILED";
  }
}

function refusalCodeOf(reason: DomainErrorCode): ConsoleRefusal["code"] {
  const code = ERROR_CODES[reason];
  return code === "SERVICE_UNAVAILABLE" ? "PRECONDITION_FAILED" : code;
}
