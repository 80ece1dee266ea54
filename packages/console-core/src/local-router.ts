import { z } from "zod";
import { JobExportInput, JobStatus, JobWithTimeline, PaymentRecordArgs, PaymentWaiveArgs, Readiness, ReadinessCheck, SyncCustomer, SyncHandoff, latestValues, multiline } from "@orderdeck/contracts";
import {
  ActionAnswer,
  HandoffSummaryAnswer,
  LocalJob,
  Notice,
  PickupAnswer,
  PickupConfirmAnswer,
  QueueListInput,
  QueuePage,
  SetupState,
  SyncState,
  WaitingChanges,
  type ConsoleCoreApi,
} from "./api.ts";
import { normaliseServerUrl } from "./areas/server-url.ts";
import { procedure, t } from "./local-trpc.ts";
import { requireCore } from "./online/passthrough.ts";
import { onlineRouter } from "./online/router.ts";

// localRouter is the renderer's whole API. This module stays free of Node and Electron: the
// renderer's typecheck reads its type, and the core it is given does the Node-side work.

/**
 * What the console knows about its OrderDeck server. Plain JSON (ISO strings, no Dates) because the
 * same value crosses Electron IPC and HTTP, and both transports must hand the renderer identical data.
 */
export const ServerStatus = z.object({
  url: z.string(),
  /** The server answered HTTP at all; false means offline, which is a normal state, not a failure. */
  reachable: z.boolean(),
  /** `/readyz` answered 200 with `ready: true`. */
  ready: z.boolean(),
  version: z.string().nullable(),
  checks: z.array(ReadinessCheck),
  checkedAt: z.string(),
  /** Why the server is unreachable or its answer unusable; null when it answered a readiness document. */
  error: z.string().nullable(),
});
export type ServerStatus = z.infer<typeof ServerStatus>;

export const ConsoleStatus = z.object({ server: ServerStatus });
export type ConsoleStatus = z.infer<typeof ConsoleStatus>;

export interface LocalRouterOptions {
  /** Base URL of the OrderDeck API, e.g. `http://127.0.0.1:4000` (a function: the console's current setting). */
  serverUrl: string | (() => string);
  /** The console core (cache, outbox, sync). Without it only `status` answers. */
  core?: ConsoleCoreApi;
  /** Injected for tests; defaults to the global fetch. */
  fetch?: typeof globalThis.fetch;
  /** Kept well under the renderer's refresh interval so a hung server never stacks up probes. */
  readinessTimeoutMs?: number;
  now?: () => Date;
}

export const DEFAULT_READINESS_TIMEOUT_MS = 2_000;

export function createLocalRouter(options: LocalRouterOptions) {
  const urlOf = typeof options.serverUrl === "function" ? options.serverUrl : () => normaliseServerUrl(options.serverUrl as string);
  // Fails fast on a malformed server URL, before anything is built.
  normaliseServerUrl(urlOf());
  const doFetch = options.fetch ?? globalThis.fetch;
  const timeoutMs = options.readinessTimeoutMs ?? DEFAULT_READINESS_TIMEOUT_MS;
  const now = options.now ?? (() => new Date());

  // Several windows (or a fast poller) asking at once share one probe instead of multiplying load
  // on a server that may already be struggling.
  let inFlight: Promise<ServerStatus> | null = null;
  const probe = (): Promise<ServerStatus> => {
    const serverUrl = normaliseServerUrl(urlOf());
    // Resolve against the base with a trailing slash so a server mounted under a path prefix keeps it.
    const readyzUrl = new URL("readyz", serverUrl.endsWith("/") ? serverUrl : `${serverUrl}/`).href;
    inFlight ??= probeServer(doFetch, serverUrl, readyzUrl, timeoutMs, now).finally(() => {
      inFlight = null;
    });
    return inFlight;
  };
  const core = requireCore(options.core);

  return t.router({
    status: procedure.output(ConsoleStatus).query(async () => ({ server: await probe() })),

    setup: t.router({
      state: procedure.output(SetupState).query(() => core().setup.state()),
      setServerUrl: procedure
        .input(z.strictObject({ url: z.string().min(1).max(2000) }))
        .output(SetupState)
        .mutation(({ input }) => core().setup.setServerUrl(input.url)),
      enroll: procedure
        .input(z.strictObject({ code: z.string().min(1).max(40) }))
        .output(SetupState)
        .mutation(({ input }) => core().setup.enroll(input.code)),
      signIn: procedure
        .input(z.strictObject({ email: z.string().min(3).max(254), password: z.string().min(1).max(1024) }))
        .output(SetupState)
        .mutation(({ input }) => core().setup.signIn(input.email, input.password)),
      signOut: procedure.output(SetupState).mutation(() => core().setup.signOut()),
    }),

    queue: t.router({
      list: procedure
        .input(QueueListInput.default({ includeClosed: false, limit: 100 }))
        .output(QueuePage)
        .query(({ input }) => core().queue.list(input)),
      get: procedure
        .input(z.strictObject({ id: z.uuid() }))
        .output(LocalJob.nullable())
        .query(({ input }) => core().queue.get(input.id)),
      /** Online only: the cache keeps no job timelines. */
      timeline: procedure
        .input(z.strictObject({ id: z.uuid() }))
        .output(JobWithTimeline)
        .query(({ input }) => core().queue.timeline(input.id)),
    }),

    exports: t.router({
      jobsCsv: procedure
        .input(JobExportInput)
        .output(z.string())
        .mutation(({ input }) => core().exports.jobsCsv(input)),
    }),

    customers: t.router({
      search: procedure
        .input(z.strictObject({ text: z.string().max(200) }))
        .output(z.array(SyncCustomer))
        .query(({ input }) => core().customers.search(input.text)),
    }),

    pickup: t.router({
      lookup: procedure
        .input(z.strictObject({ code: z.string().max(64) }))
        .output(PickupAnswer)
        .query(({ input }) => core().pickup.lookup(input.code)),
      confirm: procedure
        .input(z.strictObject({ code: z.string().max(64) }))
        .output(PickupConfirmAnswer)
        .mutation(({ input }) => core().pickup.confirm(input.code)),
    }),

    /** Money at the counter: queued like a scan, so it is taken offline too and sent under its author. */
    payments: t.router({
      take: procedure
        .input(PaymentRecordArgs.pick({ jobId: true, method: true, amountCents: true }))
        .output(ActionAnswer)
        .mutation(({ input }) => core().payments.take(input.jobId, input.method, input.amountCents)),
      waive: procedure
        .input(PaymentWaiveArgs)
        .output(ActionAnswer)
        .mutation(({ input }) => core().payments.waive(input.jobId, input.reason)),
    }),

    jobs: t.router({
      note: procedure
        .input(z.strictObject({ id: z.uuid(), notes: multiline(4000).nullable() }))
        .output(ActionAnswer)
        .mutation(({ input }) => core().jobs.note(input.id, input.notes)),
      transition: procedure
        .input(z.strictObject({ id: z.uuid(), to: JobStatus, note: multiline(500).optional() }))
        .output(ActionAnswer)
        .mutation(({ input }) => core().jobs.transition(input.id, input.to, input.note)),
    }),

    handoff: t.router({
      /** The server's summary when online; computed from the cache, stamped with the last sync, when not. */
      summary: procedure.output(HandoffSummaryAnswer).query(() => core().handoff.summary()),
      list: procedure.output(z.array(SyncHandoff)).query(() => core().handoff.list()),
      create: procedure
        .input(z.strictObject({ notes: multiline(8000).default("") }))
        .output(ActionAnswer)
        .mutation(({ input }) => core().handoff.create(input.notes)),
      acknowledge: procedure
        .input(z.strictObject({ id: z.uuid() }))
        .output(ActionAnswer)
        .mutation(({ input }) => core().handoff.acknowledge(input.id)),
    }),

    sync: t.router({
      state: procedure.output(SyncState).query(() => core().sync.state()),
      /** The state now, then every change of it (online / offline / syncing, last sync, outbox size). */
      onState: procedure.subscription(({ signal }) => syncStates(core(), signal)),
      now: procedure.output(SyncState).mutation(() => core().sync.now()),
    }),

    /** Server-only features (reorder, bulk, views, exceptions, operations, admin): answered live, never from the cache. */
    online: onlineRouter(options.core),

    /** Changes held on this console for people who are not signed in (LEAD and up; the exceptions screen). */
    outbox: t.router({
      waiting: procedure.output(WaitingChanges).query(() => core().outbox.waiting()),
      adoptUnattributed: procedure.output(z.object({ adopted: z.number() })).mutation(() => core().outbox.adoptUnattributed()),
    }),

    notices: t.router({
      list: procedure.output(z.array(Notice)).query(() => core().notices.list()),
      dismiss: procedure
        .input(z.strictObject({ id: z.int().min(1) }))
        .mutation(({ input }) => {
          core().notices.dismiss(input.id);
          return { dismissed: true };
        }),
    }),
  });
}

function syncStates(core: ConsoleCoreApi, signal: AbortSignal | undefined): AsyncGenerator<SyncState> {
  return latestValues(core.sync.state(), (onState) => core.sync.subscribe(onState), signal);
}

export type LocalRouter = ReturnType<typeof createLocalRouter>;

async function probeServer(
  doFetch: typeof globalThis.fetch,
  url: string,
  readyzUrl: string,
  timeoutMs: number,
  now: () => Date,
): Promise<ServerStatus> {
  const base = { url, version: null, checks: [] };
  let response: Response;
  try {
    response = await doFetch(readyzUrl, {
      headers: { accept: "application/json" },
      signal: AbortSignal.timeout(timeoutMs),
    });
  } catch (cause) {
    return {
      ...base,
      reachable: false,
      ready: false,
      checkedAt: now().toISOString(),
      error: describeFetchFailure(cause, timeoutMs),
    };
  }

  let body: unknown;
  try {
    body = await response.json();
  } catch {
    body = undefined;
  }
  const checkedAt = now().toISOString();
  const parsed = Readiness.safeParse(body);
  // 503 is how the server says "alive but not ready" and still carries the checks worth showing.
  if (parsed.success && (response.status === 200 || response.status === 503)) {
    return {
      url,
      reachable: true,
      ready: response.status === 200 && parsed.data.ready,
      version: parsed.data.version,
      checks: parsed.data.checks,
      checkedAt,
      error: null,
    };
  }
  return {
    ...base,
    reachable: true,
    ready: false,
    checkedAt,
    error: parsed.success
      ? `Unexpected HTTP ${response.status} from /readyz`
      : `HTTP ${response.status} from /readyz without a readiness document`,
  };
}

function describeFetchFailure(cause: unknown, timeoutMs: number): string {
  if (cause instanceof Error) {
    if (cause.name === "TimeoutError" || cause.name === "AbortError") {
      return `No answer within ${timeoutMs} ms`;
    }
    // undici reports "fetch failed" and hides the useful part (ECONNREFUSED, ENOTFOUND…) in `cause`.
    const inner: unknown = cause.cause;
    if (inner instanceof Error) {
      const code = (inner as Error & { code?: unknown }).code;
      return typeof code === "string" && !inner.message.includes(code) ? `${code}: ${inner.message}` : inner.message;
    }
    return cause.message;
  }
  return String(cause);
}
