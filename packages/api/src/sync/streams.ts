// sync.events holds a stream open for as long as a console is connected: hours, on one request's
// authorization. Two rules keep that from outliving what allowed it or from piling up:
//   - each open stream re-reads its session every `recheckMs` (15 s, as often as the keep-alive
//     pings; one read by primary key) and ends with UNAUTHORIZED once the session is revoked, expired
//     (idle or absolute) or its user disabled, or its station revoked;
//   - one session holds at most `perSession` streams in a process. A new stream beyond that closes
//     the session's oldest one (TOO_MANY_REQUESTS) rather than being refused: a console that
//     reconnects after a dropped connection the server has not noticed yet must get its stream,
//     and the stale one is the one to go. Streams live in a process, so the count is per process:
//     behind a load balancer a session may hold `perSession` streams on each API instance.
import { DomainError, ERROR_CODES, type SyncPoke } from "@orderdeck/contracts";
import type { Logger } from "@orderdeck/logging";
import type { PrismaClient } from "@orderdeck/db";
import { TRPCError } from "@trpc/server";
import { sessionStillValid, type Principal, type SessionPolicy } from "../auth/principal.ts";
import { sitePokes, type SiteChangeFeed } from "./events.ts";

export interface SyncStreamPolicy {
  /** Open streams per session in one process (SYNC_STREAMS_PER_SESSION). */
  perSession: number;
  /** How often an open stream checks its session; at most 30 s. */
  recheckMs: number;
}

export const DEFAULT_SYNC_STREAM_POLICY: SyncStreamPolicy = { perSession: 4, recheckMs: 15_000 };

interface OpenStream {
  close: (error: TRPCError) => void;
}

/** The process's open sync.events streams, by session. */
export interface SyncStreams {
  readonly policy: SyncStreamPolicy;
  /** How many streams the session holds open in this process now. */
  openFor(sessionId: string): number;
  /** Registers a stream, closing the session's oldest when it is over its count; returns its release. */
  register(sessionId: string, stream: OpenStream): () => void;
}

export function createSyncStreams(policy: Partial<SyncStreamPolicy> = {}): SyncStreams {
  const full: SyncStreamPolicy = { ...DEFAULT_SYNC_STREAM_POLICY, ...policy };
  if (full.recheckMs > 30_000) throw new Error("sync.events must re-check its session at least every 30 s");
  const bySession = new Map<string, OpenStream[]>();
  return {
    policy: full,
    openFor: (sessionId) => bySession.get(sessionId)?.length ?? 0,
    register(sessionId, stream) {
      const open = bySession.get(sessionId) ?? [];
      bySession.set(sessionId, open);
      open.push(stream);
      while (open.length > full.perSession) {
        const oldest = open.shift();
        oldest?.close(
          refusal(
            new DomainError(
              "RATE_LIMITED",
              `This session opened a newer event stream; at most ${full.perSession} stay open per session, so the oldest was closed.`,
              { limiter: "sync_streams", perSession: full.perSession },
            ),
          ),
        );
      }
      return () => {
        const index = open.indexOf(stream);
        if (index >= 0) open.splice(index, 1);
        if (open.length === 0 && bySession.get(sessionId) === open) bySession.delete(sessionId);
      };
    },
  };
}

/** A process that was given no registry of its own (tests, tools) shares this one. */
let processStreams: SyncStreams | undefined;
export function defaultSyncStreams(): SyncStreams {
  processStreams ??= createSyncStreams();
  return processStreams;
}

// Errors thrown while a subscription streams do not pass the procedure middleware that maps
// DomainErrors: they leave as TRPCErrors, with the DomainError as cause for the answer's reason.
function refusal(error: DomainError): TRPCError {
  return new TRPCError({ code: ERROR_CODES[error.reason], message: error.message, cause: error });
}

export interface GuardedStreamCall {
  prisma: PrismaClient;
  sessions: SessionPolicy;
  siteChanges: SiteChangeFeed;
  streams: SyncStreams;
  logger: Logger;
  principal: Principal;
}

/** The site's pokes for as long as the session stands and the stream is among its newest. */
export async function* guardedSitePokes(call: GuardedStreamCall, signal: AbortSignal | undefined): AsyncGenerator<SyncPoke> {
  const { principal, streams } = call;
  const ended = new AbortController();
  let closedWith = null as TRPCError | null;
  const close = (error: TRPCError) => {
    closedWith ??= error;
    ended.abort();
  };
  const release = streams.register(principal.sessionId, { close });
  const onAbort = () => ended.abort();
  signal?.addEventListener("abort", onAbort);
  let checking = false;
  const timer = setInterval(() => {
    if (checking) return;
    checking = true;
    sessionStillValid(call.prisma, call.sessions, principal)
      .then((valid) => {
        if (!valid) close(refusal(new DomainError("UNAUTHENTICATED", "Sign in again: the session has expired or was revoked, so its event stream is closed.")));
      })
      .catch((error: unknown) => {
        // Not knowing is no proof the session ended: the next check decides. A stream only pokes,
        // and a pull it sets off is authorized afresh.
        call.logger.warn("sync.events could not re-check its session", { error: error instanceof Error ? error.message : String(error) });
      })
      .finally(() => {
        checking = false;
      });
  }, streams.policy.recheckMs);
  try {
    yield* sitePokes(call.siteChanges, principal.siteId, ended.signal);
  } finally {
    clearInterval(timer);
    signal?.removeEventListener("abort", onAbort);
    release();
  }
  if (closedWith) throw closedWith;
}
