// The server's answer to one pushed change, landed in the cache: the job goes to the server's
// truth (plus what still waits here), and the person is told of a refusal or a deferral.
import { formatJobNumber, type SyncMutationResult } from "@orderdeck/contracts";
import { describeChange } from "../outbox/waiting.ts";
import { refreshJob, storeHandoff, storeServerJob } from "../store/cache.ts";
import type { SqliteDatabase } from "../store/database.ts";
import { addNotice } from "../store/journal.ts";
import { getOutboxRow, hold, settle, type Author } from "../store/outbox.ts";
import type { Actor } from "./optimistic.ts";

export interface Landing {
  /** Who sent the push the answer belongs to. */
  sender: Author;
  actor: () => Actor;
  now: Date;
}

/** Runs inside the caller's transaction, with the rest of the push's answers. */
export function landAnswer(db: SqliteDatabase, result: SyncMutationResult, { sender, actor, now }: Landing): void {
  const row = getOutboxRow(db, result.id);
  if (result.status === "deferred") {
    // Refused for who sent it, not for what it is: it waits, and goes again under a later session.
    hold(db, result.id, sender.sessionId);
    if (row) {
      addNotice(db, {
        level: "warning",
        message: `${capitalised(describeChange(row))} waits on this console: ${result.message ?? "the server did not take it under this session"} It is sent again when ${row.author_name ?? "its author"} next signs in.`,
        jobId: row.job_id,
        mutationId: result.id,
        at: now,
      });
    }
    return;
  }
  settle(db, result, now);
  const shownAs = actor();
  if (result.job) storeServerJob(db, result.job, shownAs);
  else if (row?.job_id) refreshJob(db, row.job_id, shownAs);
  if (result.handoff) storeHandoff(db, result.handoff);
  if (result.status === "applied" || !row) return;
  const label = result.job ? `${formatJobNumber(result.job.number)}: ` : "";
  const what = describeChange(row);
  const verdict = result.status === "conflict" ? "conflicted with a change made elsewhere" : "was refused";
  addNotice(db, {
    level: result.status === "conflict" ? "warning" : "error",
    message: `${label}${what} ${verdict}: ${result.message ?? result.reason ?? "no reason given"}`,
    jobId: result.job?.id ?? row.job_id,
    mutationId: result.id,
    at: now,
  });
}

function capitalised(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}
