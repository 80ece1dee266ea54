// What a pickup scan's record says it was. Shared by the online confirmation and the outbox replay.
import { ScanOutcome, type DomainErrorCode } from "@orderdeck/contracts";

export function scanOutcomeOf(reason: DomainErrorCode): ScanOutcome {
  const parsed = ScanOutcome.safeParse(reason);
  return parsed.success ? parsed.data : "CONFLICT";
}

/** Refusals of an offline handover that mean "the job is no longer what the console saw". */
const JOB_MOVED_ON: ReadonlySet<DomainErrorCode> = new Set(["CANCELLED", "ALREADY_PICKED_UP", "NOT_READY", "UNPAID"]);

/**
 * Whether a refused scan is a conflict: one made offline (the person was told "handed over")
 * that the job's state now refuses, so someone must look. A code that is no valid code, or no
 * job's, is recorded as what it is: it says nothing about a job, and as conflicts such scans
 * (a misread, or someone guessing codes through the outbox) would flood the exceptions list.
 */
export function isOfflineConflict(reason: DomainErrorCode, offline: boolean): boolean {
  return offline && JOB_MOVED_ON.has(reason);
}

/** The scan record's outcome for a refusal (isOfflineConflict decides what is a conflict). */
export function scanOutcomeFor(reason: DomainErrorCode, offline: boolean): ScanOutcome {
  return isOfflineConflict(reason, offline) ? "CONFLICT" : scanOutcomeOf(reason);
}
