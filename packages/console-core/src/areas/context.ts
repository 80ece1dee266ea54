// What every area of the console core shares: the database, the credentials, who is signed in at
// which station, the sync engine, and the one path every user action takes (outbox row and
// optimistic change in one SQLite transaction, then a push).
import {
  SYNC_MUTATION_ARGS,
  SyncSite,
  ageingOf,
  defaultShiftHistory,
  formatJobNumber,
  hasRole,
  type ShiftHistory,
  type SyncJob,
  type SyncMutation,
  type SyncMutationType,
} from "@orderdeck/contracts";
import { z } from "zod";
import { ConsoleRefusal, type ActionAnswer, type LocalJob } from "../api.ts";
import { getCustomer, getJob, readSyncState, showChange } from "../store/cache.ts";
import { openDatabase, type SqliteDatabase } from "../store/database.ts";
import { enqueue, resultOf, waitingCountForJob, waitingCountsForJobs, type Author, type OutboxRow } from "../store/outbox.ts";
import { customerNames } from "../store/queue.ts";
import { fileSecretStore, type Credentials, type SecretStore } from "../store/secrets.ts";
import { readSetting, writeSetting } from "../store/settings.ts";
import { SyncEngine } from "../sync/engine.ts";
import type { Actor } from "../sync/optimistic.ts";
import { refusalOfServerError } from "../sync/refusal.ts";
import { createServerClient, type ServerClient } from "../sync/server-client.ts";
import { serverUrlFromInput } from "./server-url.ts";

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

export const Station = z.object({ id: z.string(), name: z.string() });
export const User = z.object({ id: z.string(), name: z.string(), email: z.string(), role: z.string() });
export const Site = z.object({ id: z.string(), name: z.string(), timezone: z.string() });

export const FALLBACK_SERVER_URL = "http://127.0.0.1:4000";

export interface ConsoleContext {
  readonly db: SqliteDatabase;
  readonly engine: SyncEngine;
  now(): Date;
  credentials(): Credentials;
  saveCredentials(next: Credentials): void;
  setSetting(key: string, value: string | null): void;
  /** The setting `key` as `schema` reads it; null when unset or no longer readable. */
  parsed<S extends z.ZodType>(key: string, schema: S): z.output<S> | null;
  serverUrl(): string;
  /** The client for the current server URL (made again when setup changes it). */
  serverClient(): ServerClient;
  actor(): Actor;
  enrolled(): boolean;
  signedIn(): boolean;
  /** The person signed in and their session: whose changes the outbox takes and sends. */
  author(): Author | null;
  forgetSession(): void;
  /** The server answers and the person is signed in: a live verdict is worth waiting for. */
  online(): boolean;
  lastSyncAt(): string | null;
  siteTimeZone(): string;
  /** The site's shift rules as of the last sync (the built-in shifts before the first one). */
  siteShiftHistory(): ShiftHistory;
  localJob(job: SyncJob): LocalJob;
  /** localJob for a page of jobs, with what they need from the cache read once for the page, not once per job. */
  localJobs(jobs: readonly SyncJob[]): LocalJob[];
  requireJob(id: string): SyncJob;
  requireSignedIn(): void;
  requireAuthor(): Author;
  requireLead(what: string): void;
  /** Queues a change of the signed-in person and shows it, in one SQLite transaction, then asks the engine to push. */
  act<K extends SyncMutationType>(type: K, args: z.input<(typeof SYNC_MUTATION_ARGS)[K]>, jobId: string | null): SyncMutation;
  /** Online, waits briefly for the server's verdict so the person sees it at once. */
  verdict(mutation: SyncMutation): Promise<OutboxRow | null>;
  actionAnswer(mutation: SyncMutation, row: OutboxRow | null, jobId: string | null): ActionAnswer;
  /** Calls the server live; its failures become the refusals the person reads. */
  onlineCall<T>(work: (client: ServerClient) => Promise<T>, what: string): Promise<T>;
}

export function createConsoleContext(options: ConsoleCoreOptions): ConsoleContext {
  const db: SqliteDatabase = openDatabase(options.dataDir);
  const secrets = options.secrets ?? fileSecretStore(options.dataDir);
  const now = options.now ?? (() => new Date());
  let credentials: Credentials = secrets.read();

  const setting = (key: string): string | null => readSetting(db, key);
  const setSetting = (key: string, value: string | null): void => writeSetting(db, key, value);
  const parsed = <S extends z.ZodType>(key: string, schema: S): z.output<S> | null => {
    const text = setting(key);
    if (!text) return null;
    const result = schema.safeParse(JSON.parse(text));
    return result.success ? result.data : null;
  };

  if (!setting("server_url")) setSetting("server_url", serverUrlFromInput(options.defaultServerUrl ?? FALLBACK_SERVER_URL));
  const serverUrl = (): string => setting("server_url") ?? FALLBACK_SERVER_URL;
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

  // The site as the last pull sent it, parsed once per change (the board asks for it per row).
  let siteCache: { raw: string; site: SyncSite } | null = null;
  const syncedSite = (): SyncSite | null => {
    const raw = readSyncState(db).site;
    if (raw === null) return null;
    if (siteCache?.raw !== raw) siteCache = { raw, site: SyncSite.parse(JSON.parse(raw)) };
    return siteCache.site;
  };
  const siteTimeZone = (): string => syncedSite()?.timezone ?? parsed("site", Site)?.timezone ?? "UTC";

  const shown = (job: SyncJob, site: SyncSite | null, at: Date, customerName: string | null, pendingChanges: number): LocalJob => ({
    ...job,
    displayNumber: formatJobNumber(job.number),
    customerName,
    pendingChanges,
    ageing: site ? ageingOf(job.status, new Date(job.createdAt), at, site) : null,
  });
  const localJob = (job: SyncJob): LocalJob =>
    shown(job, syncedSite(), now(), job.customerId ? (getCustomer(db, job.customerId)?.name ?? null) : null, waitingCountForJob(db, job.id));
  const localJobs = (jobs: readonly SyncJob[]): LocalJob[] => {
    const site = syncedSite();
    const at = now();
    const names = customerNames(db, jobs.flatMap((job) => (job.customerId ? [job.customerId] : [])));
    const waiting = waitingCountsForJobs(db, jobs.map((job) => job.id));
    return jobs.map((job) => shown(job, site, at, job.customerId ? (names.get(job.customerId) ?? null) : null, waiting.get(job.id) ?? 0));
  };
  const online = (): boolean => signedIn() && engine.reachable;

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

  return {
    db,
    engine,
    now,
    credentials: () => credentials,
    saveCredentials,
    setSetting,
    parsed,
    serverUrl,
    serverClient,
    actor,
    enrolled,
    signedIn,
    author,
    forgetSession,
    online,
    lastSyncAt: () => readSyncState(db).last_sync_at,
    siteTimeZone,
    siteShiftHistory() {
      const rules = syncedSite()?.shiftRules ?? [];
      return rules.length > 0 ? rules : defaultShiftHistory(siteTimeZone());
    },
    localJob,
    localJobs,
    requireJob(id) {
      const job = getJob(db, id);
      if (!job) throw new ConsoleRefusal("NOT_FOUND", "NOT_FOUND", "That job is not in this console's copy of the queue (as of the last sync).");
      return job;
    },
    requireSignedIn,
    requireAuthor,
    requireLead(what) {
      const role = parsed("user", User)?.role ?? "STAFF";
      if (!hasRole(role, "LEAD")) {
        throw new ConsoleRefusal("PRECONDITION_FAILED", "FORBIDDEN", `${what} needs the LEAD role; you are signed in as ${role}.`);
      }
    },
    act(type, args, jobId) {
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
    },
    async verdict(mutation) {
      if (!online()) return null;
      return engine.waitFor(mutation.id, options.liveAnswerTimeoutMs ?? 5_000);
    },
    actionAnswer(mutation, row, jobId) {
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
    },
    async onlineCall(work, what) {
      try {
        return await work(serverClient());
      } catch (error) {
        throw refusalOfServerError(error, what);
      }
    },
  };
}
