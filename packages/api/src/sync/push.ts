// sync.push: a console's outbox, replayed in order. Each mutation runs in its own transaction
// through the same service functions as the online procedures, claimed in the client-mutation
// ledger by (console installation, mutation id) first, so it is applied at most once and a repeat
// (a lost response, a console that crashed before marking it sent, or was enrolled again since)
// gets the stored answer again. A change refused only because of who sends it (another person's
// change, a role the sender lacks now) is answered "deferred" and recorded nowhere: the console
// keeps it for a later session of its author.
import {
  DomainError,
  SYNC_MUTATION_ARGS,
  normalizePickupCode,
  type DomainErrorCode,
  type SyncMutationArgs,
  type SyncHandoff,
  type SyncJob,
  type SyncMutationEnvelope,
  type SyncMutationResult,
  type SyncMutationType,
  type SyncResultStatus,
  type SyncPushResult,
} from "@orderdeck/contracts";
import { inSite, readInSite, type Prisma, type PrismaClient, type TransactionClient } from "@orderdeck/db";
import type { Logger } from "@orderdeck/logging";
import type { Principal } from "../auth/principal.ts";
import { claimMutation, settleMutation, type MutationKey } from "../client-mutations/ledger.ts";
import { databaseRefusal } from "../database-refusals.ts";
import { floorState } from "../handoff/summary.ts";
import type { JobServiceCall } from "../jobs/call.ts";
import type { Metrics } from "../observability/metrics.ts";
import { decideClaimedScan, recordScan, type ScanTurn } from "../pickup/confirm.ts";
import { scanOutcomeFor } from "../pickup/scan-outcome.ts";
import type { RateLimits } from "../rate-limits/limits.ts";
import { applyOne, RoleRefusal, type ApplyContext } from "./push-appliers.ts";
import { OUTCOME, answer, replayOf, scanAnswer, type StoredAnswer } from "./push-answers.ts";
import { PushBudget } from "./push-budget.ts";
import { currentHandoff, currentJob, currentJobStatement, syncJobOf, type JobRow } from "./rows.ts";

export interface PushCall {
  prisma: PrismaClient;
  principal: Principal;
  requestId: string;
  ip: string;
  metrics: Metrics;
  logger: Logger;
  rateLimits: RateLimits;
  now?: () => Date;
}


/** Refusals that say nothing about the mutation, only about now: the console sends it again later. */
const TRANSIENT_REASONS: ReadonlySet<DomainErrorCode> = new Set(["RATE_LIMITED", "SERVICE_UNAVAILABLE"]);

/** A refusal thrown by a rule: a conflict when the row moved on under the console, else a rejection. */
function refusalAnswer(type: SyncMutationType, error: DomainError, args: Record<string, unknown>): StoredAnswer {
  const conflict = error.reason === "VERSION_CONFLICT" || (type === "handoff.acknowledge" && error.reason === "DUPLICATE");
  // The current row comes with every answer, read afresh; the copy in the details is not kept.
  const { current: _current, ...details } = error.details ?? {};
  const id = typeof args.id === "string" ? args.id : null;
  const jobId = type.startsWith("job.") ? id : typeof args.jobId === "string" ? args.jobId : null;
  return answer(conflict ? "conflict" : "rejected", {
    reason: error.reason,
    message: error.message,
    details,
    jobId,
    handoffId: type === "handoff.acknowledge" ? id : null,
  });
}

async function present(tx: TransactionClient, call: PushCall, id: string, type: SyncMutationType, stored: StoredAnswer, replayed: boolean, now: Date): Promise<SyncMutationResult> {
  const { siteId } = call.principal;
  const job = stored.jobId ? await currentJob(tx, siteId, stored.jobId, now) : null;
  return presented(id, type, stored, replayed, job, stored.handoffId ? await currentHandoff(tx, siteId, stored.handoffId) : null);
}

/** The answer to one mutation, with the rows it names as they are now. */
function presented(id: string, type: SyncMutationType, stored: StoredAnswer, replayed: boolean, job: SyncJob | null, handoff: SyncHandoff | null): SyncMutationResult {
  return {
    id,
    type,
    status: stored.status,
    reason: (stored.reason as DomainErrorCode | null) ?? null,
    message: stored.message,
    details: stored.details,
    replayed,
    job,
    handoff,
    receipts: stored.receipts,
  };
}

/**
 * A scan from the outbox: decided, handed over, answered and the job read back in one pipelined
 * transaction (decideClaimedScan, the online procedure's path, under sync.push's ledger entry). A
 * repeat of an id decided before reads the job as it is now.
 */
async function pushScan(
  call: PushCall,
  mutation: SyncMutationEnvelope,
  args: SyncMutationArgs["pickup.confirm"],
  now: Date,
  turn: ScanTurn,
): Promise<SyncMutationResult> {
  const { principal } = call;
  const scan = {
    siteId: principal.siteId,
    stationId: principal.stationId ?? "",
    userId: principal.userId,
    code: normalizePickupCode(args.code),
    clientMutationId: mutation.id,
    scannedAt: new Date(args.scannedAt),
    offline: args.offline,
  };
  const claimed = await decideClaimedScan({ prisma: call.prisma, now: () => now }, principal, scan, call.requestId, {
    args: args as Prisma.InputJsonValue,
    stored: (decision) => {
      const stored = scanAnswer(decision, args.offline);
      return { outcome: OUTCOME[stored.status], result: stored as unknown as Prisma.InputJsonValue };
    },
    readBack: (jobId) => currentJobStatement(principal.siteId, jobId, now),
    turn,
  });
  const stored = claimed.decision ? scanAnswer(claimed.decision, args.offline) : replayOf(claimed.first, "pickup.confirm");
  const rows =
    claimed.readBack !== null
      ? (claimed.readBack as JobRow[])
      : stored.jobId
        ? (await readInSite<JobRow>(call.prisma, principal.siteId, [currentJobStatement(principal.siteId, stored.jobId, now)]))[0]
        : undefined;
  return presented(mutation.id, "pickup.confirm", stored, claimed.decision === null, rows?.[0] ? syncJobOf(rows[0]) : null, null);
}

/** Why the batch stopped at a mutation it left untouched; the console sends it again, after `retryAfterSeconds` if set. */
class Halt extends Error {
  constructor(
    message: string,
    readonly reason: DomainErrorCode | null = null,
    readonly retryAfterSeconds: number | null = null,
  ) {
    super(message);
  }
}

function haltOf(error: unknown): Halt {
  if (!(error instanceof DomainError)) return new Halt(error instanceof Error ? error.message : String(error));
  const retryAfter = error.details?.retryAfterSeconds;
  return new Halt(error.message, error.reason, typeof retryAfter === "number" ? retryAfter : null);
}

/** An answer that is not recorded: the same change is decided afresh when it comes again. */
function unrecorded(mutation: SyncMutationEnvelope, status: SyncResultStatus, reason: DomainErrorCode, message: string): SyncMutationResult {
  return { id: mutation.id, type: mutation.type, status, reason, message, details: null, replayed: false, job: null, handoff: null, receipts: [] };
}

/** Whether `mutation` is a scan this push spends a point of the scan budget on (pushOne answers the others without). */
function spendsScanPoint(mutation: SyncMutationEnvelope, principal: Principal): boolean {
  return mutation.type === "pickup.confirm" && !authoredElsewhere(mutation, principal) && SYNC_MUTATION_ARGS["pickup.confirm"].safeParse(mutation.args).success;
}

function authoredElsewhere(mutation: SyncMutationEnvelope, principal: Principal): boolean {
  return mutation.authorId !== undefined && mutation.authorId !== principal.userId;
}

/** A scan started ahead whose turn never came: the push stopped at a mutation before it. */
class OutOfTurn extends Error {}

/** Applies one mutation; a thrown Halt means it was left untouched and the batch stops there. */
async function pushOne(
  call: PushCall,
  mutation: SyncMutationEnvelope,
  /** The next mutation's id when it is a scan that spends a point (spendsScanPoint): its point is spent ahead. */
  nextScanId: string | null,
  budget: PushBudget,
  turn: ScanTurn,
): Promise<SyncMutationResult> {
  const { principal } = call;
  const now = call.now?.() ?? new Date();
  const type = mutation.type;
  // Recorded under this session's person, a change another person made would be theirs no more.
  if (authoredElsewhere(mutation, principal)) {
    return unrecorded(mutation, "deferred", "FORBIDDEN", "This change was made by another person; it is sent only while they are signed in.");
  }
  const parsed = SYNC_MUTATION_ARGS[type].safeParse(mutation.args);
  if (!parsed.success) {
    // Deterministic, so nothing needs storing: the same bytes are refused the same way again.
    const fields = parsed.error.issues.map((i) => `${i.path.join(".") || "args"}: ${i.message}`).join("; ");
    return unrecorded(mutation, "rejected", "VALIDATION_FAILED", `This change cannot be applied as sent (${fields}).`);
  }
  const args = parsed.data as Record<string, unknown>;
  const key: MutationKey = { siteId: principal.siteId, stationId: principal.stationId ?? "", userId: principal.userId, mutationId: mutation.id };
  const ledgerArgs = args as Prisma.InputJsonValue;
  const jobCall: JobServiceCall = { prisma: call.prisma, principal, requestId: call.requestId, now: () => now };

  // Every scan counts against the scan budget like pickup.confirm, offline ones too: else the
  // outbox would be a way to guess codes unlimited. A scan over the budget is neither applied nor
  // recorded: the batch stops at it and the console sends it again once the wait is over. One
  // that hands its job over gives its points back: it was no guess.
  if (type === "pickup.confirm") {
    try {
      await budget.spendFor(mutation.id);
    } catch (error) {
      throw haltOf(error);
    }
    if (nextScanId !== null) budget.spendAhead(nextScanId);
  }
  const floor = type === "handoff.create" ? await floorState(call.prisma, principal.siteId, now) : null;
  const ctx: ApplyContext = { principal, requestId: call.requestId, jobCall, mutation, now, floor };

  try {
    const result =
      type === "pickup.confirm"
        ? await pushScan(call, mutation, parsed.data as SyncMutationArgs["pickup.confirm"], now, turn)
        : await inSite(call.prisma, principal.siteId, async (tx) => {
            const { claimId, first } = await claimMutation(tx, key, type, ledgerArgs);
            if (first) return present(tx, call, mutation.id, type, replayOf(first, type), true, now);
            const stored = await applyOne(tx, ctx, type, parsed.data as SyncMutationArgs[typeof type]);
            await settleMutation(tx, claimId, OUTCOME[stored.status], stored as unknown as Prisma.InputJsonValue, now);
            return present(tx, call, mutation.id, type, stored, false, now);
          });
    // A handover was no guess: its point comes back.
    if (type === "pickup.confirm" && result.status === "applied") budget.oweBack();
    return result;
  } catch (error) {
    // Rolled back whole, the push having stopped before it: nothing of it applied, its point comes back.
    if (error instanceof OutOfTurn) {
      budget.oweBack();
      throw error;
    }
    // Its transaction rolled back whole, its claim with it: a later session of its author decides afresh.
    if (error instanceof RoleRefusal) return unrecorded(mutation, "deferred", error.reason, error.message);
    const refusal = error instanceof DomainError ? error : databaseRefusal(error);
    // The database failing (or a lost race it reports) says nothing about the change itself.
    const transient = !refusal || TRANSIENT_REASONS.has(refusal.reason) || (!(error instanceof DomainError) && refusal.reason === "VERSION_CONFLICT");
    if (transient) throw haltOf(refusal ?? error);
    // The rule refused: its transaction rolled back whole. Store the refusal on its own, unless
    // a concurrent delivery of the same mutation got there first.
    const stored = refusalAnswer(type, refusal, args);
    return inSite(call.prisma, principal.siteId, async (tx) => {
      const { claimId, first } = await claimMutation(tx, key, type, ledgerArgs);
      if (first) return present(tx, call, mutation.id, type, replayOf(first, type), true, now);
      if (type === "pickup.confirm") {
        const scan = {
          siteId: principal.siteId,
          stationId: key.stationId,
          userId: principal.userId,
          code: normalizePickupCode(String(args.code)),
          clientMutationId: mutation.id,
          scannedAt: new Date(String(args.scannedAt)),
        };
        await recordScan(tx, scan, scanOutcomeFor(refusal.reason, args.offline === true), null, now);
      }
      await settleMutation(tx, claimId, OUTCOME[stored.status], stored as unknown as Prisma.InputJsonValue, now);
      return present(tx, call, mutation.id, type, stored, false, now);
    });
  }
}

/**
 * Applies the batch in order. Every mutation is independent: a rejection or conflict does not stop
 * the ones after it. A failure that is not an answer (the database unreachable, a rate limit) stops
 * the batch at that mutation, so that nothing is applied out of order; the console sends the rest
 * again. Consecutive scans overlap (pushInOrder), each still decided and committed in its turn.
 */
export async function pushMutations(call: PushCall, mutations: readonly SyncMutationEnvelope[]): Promise<SyncPushResult> {
  if (!call.principal.stationId) throw new DomainError("FORBIDDEN", "Only an enrolled console station replays an outbox.");
  const budget = new PushBudget(call, call.principal.userId, call.ip);
  try {
    return await pushInOrder(call, mutations, budget);
  } finally {
    await budget.settle();
  }
}

/** A mutation under way: whether its reads have answered (a scan's: its job is locked), its last batch gone, and committed. */
interface Started {
  result: Promise<SyncMutationResult>;
  /** Settles with `result`; a failure a later scan no longer waits for is still handled (no unhandled rejection). */
  settled: Promise<void>;
  readsAnswered: Promise<void>;
  lastBatchSent: Promise<void>;
  committed: Promise<void>;
}

const outOfTurn = (): Promise<never> => Promise.reject(new OutOfTurn("the push stopped before this scan"));

/** A promise and what resolves it. */
function signal(): [Promise<void>, () => void] {
  let resolve = (): void => undefined;
  const promise = new Promise<void>((r) => (resolve = r));
  return [promise, resolve];
}

async function pushInOrder(call: PushCall, mutations: readonly SyncMutationEnvelope[], budget: PushBudget): Promise<SyncPushResult> {
  const scans = mutations.map((mutation) => spendsScanPoint(mutation, call.principal));
  const start = (index: number, before: Started | null): Started => {
    const mutation = mutations[index] as SyncMutationEnvelope;
    const [readsAnswered, answered] = signal();
    const [lastBatchSent, sent] = signal();
    const [committed, commit] = signal();
    // What the scan before has reached, or its failure (then this one rolls back).
    const reachedBefore = (step: Promise<void> | undefined) =>
      step && before ? Promise.race([step, before.settled]).catch(outOfTurn) : Promise.resolve();
    const turn: ScanTurn = {
      reached: async () => {
        answered();
        await reachedBefore(before?.lastBatchSent);
      },
      committing: async () => {
        await reachedBefore(before?.committed);
        sent();
      },
      committed: commit,
    };
    const nextScanId = scans[index + 1] ? (mutations[index + 1]?.id ?? null) : null;
    const result = pushOne(call, mutation, nextScanId, budget, turn);
    // Read in its turn, or (the push stopped before it) only awaited: no unhandled rejection.
    result.catch(() => undefined);
    const settled = result.then(() => undefined);
    settled.catch(() => undefined);
    return { result, settled, readsAnswered, lastBatchSent, committed };
  };

  const results: SyncMutationResult[] = [];
  let current = start(0, null);
  for (const [index, mutation] of mutations.entries()) {
    // Consecutive scans (each decided in a pipelined transaction) overlap: the next one's reads go
    // out once this one's have answered (its job is locked), its writes once this one's last batch
    // has gone, its commit once this one has committed (ScanTurn). Two scans of one job still meet
    // at its lock, in order.
    const overlapping = scans[index] === true && scans[index + 1] === true;
    const before = overlapping ? current : null;
    let next: Started | null = null;
    const startNext = (): Started => (next ??= start(index + 1, before));
    if (overlapping) void current.readsAnswered.then(startNext);
    try {
      const result = await current.result;
      call.metrics.syncMutations.inc({ type: mutation.type, outcome: result.status, replayed: String(result.replayed) });
      results.push(result);
    } catch (error) {
      // A scan started ahead rolls back (its turn is refused); the push ends once it has.
      await (next as Started | null)?.result.catch(() => undefined);
      return { results, halted: haltedAt(call, mutation, error) };
    }
    if (index + 1 < mutations.length) current = startNext();
  }
  return { results, halted: null };
}

function haltedAt(call: PushCall, mutation: SyncMutationEnvelope, error: unknown): NonNullable<SyncPushResult["halted"]> {
  const message = error instanceof Error ? error.message : String(error);
  if (!(error instanceof Halt)) {
    call.logger.error("sync.push stopped on an unexpected error", { mutationId: mutation.id, type: mutation.type, error: message });
    return { id: mutation.id, message: "The server could not apply this change just now; it will be sent again.", reason: null, retryAfterSeconds: null };
  }
  call.logger.warn("sync.push stopped; the console will send the rest again", { mutationId: mutation.id, type: mutation.type, error: message });
  return { id: mutation.id, message, reason: error.reason, retryAfterSeconds: error.retryAfterSeconds };
}
