// The outbox's authorship rule, seen from the console: every change belongs to the person who made
// it and is sent only under a session of theirs (store/outbox.ts `nextBatch`), so the server
// records it as theirs. Everyone else's changes wait on this console: the status bar names whom
// they wait for, and a lead sees them, and which console holds them, among the exceptions.
import { formatJobNumber } from "@orderdeck/contracts";
import type { WaitingChanges } from "../api.ts";
import { getJob } from "../store/cache.ts";
import type { SqliteDatabase } from "../store/database.ts";
import { waitingForOthers, type Author, type OutboxRow } from "../store/outbox.ts";

/** The change in a few words, for notices ("the handover was refused: …"). */
export function describeChange(row: OutboxRow): string {
  const args = JSON.parse(row.args) as Record<string, unknown>;
  switch (row.type) {
    case "pickup.confirm":
      return "the handover";
    case "job.note":
      return `your note “${typeof args.notes === "string" ? args.notes.slice(0, 200) : ""}”`;
    case "job.transition":
      return `the move to ${String(args.to)}`;
    case "handoff.create":
      return "the shift handoff";
    case "handoff.acknowledge":
      return "the handoff acknowledgement";
    case "payment.record":
      return "the payment taken at the counter";
    case "payment.waive":
      return "the waived payment";
  }
}

/** The change as a lead reads it in a list of someone else's ("Handover of J-001042"). */
function listed(db: SqliteDatabase, row: OutboxRow): string {
  const job = row.job_id ? getJob(db, row.job_id) : null;
  const of = job ? ` ${formatJobNumber(job.number)}` : "";
  const args = JSON.parse(row.args) as Record<string, unknown>;
  switch (row.type) {
    case "pickup.confirm":
      return `Handover of${of || " a job"}`;
    case "job.note":
      return `Note on${of || " a job"}`;
    case "job.transition":
      return `${of.trim() || "A job"} moved to ${String(args.to)}`;
    case "handoff.create":
      return "Shift handoff";
    case "handoff.acknowledge":
      return "Handoff acknowledgement";
    case "payment.record":
      return `Payment for${of || " a job"}`;
    case "payment.waive":
      return `Payment waived for${of || " a job"}`;
  }
}

/** What waits here for anyone but `signedIn`, and the station that holds it. */
export function waitingChanges(db: SqliteDatabase, signedIn: Author, station: { id: string; name: string } | null): WaitingChanges {
  return {
    station,
    changes: waitingForOthers(db, signedIn.userId).map((row) => ({
      mutationId: row.mutation_id,
      description: listed(db, row),
      jobId: row.job_id,
      madeAt: row.client_time,
      authorId: row.author_id,
      authorName: row.author_name,
    })),
  };
}
