// The board from the cache (listed, searched, paged), a job's notes and status changes, the
// customers for picking one, and what needs the server live (a job's timeline, the CSV export).
import { JobWithTimeline, canTransition, formatJobNumber, type JobStatus } from "@orderdeck/contracts";
import { ConsoleRefusal, type ConsoleCoreApi, type QueuePage } from "../api.ts";
import { getJob, searchCustomers } from "../store/cache.ts";
import { queueRows } from "../store/queue.ts";
import type { ConsoleContext } from "./context.ts";

const CUSTOMER_MATCHES = 20;

export function queueArea(ctx: ConsoleContext): ConsoleCoreApi["queue"] {
  return {
    list(input): QueuePage {
      let after: { position: number; number: number } | null = null;
      if (input.cursor) {
        const [position, number] = input.cursor.split(":").map(Number);
        if (position === undefined || number === undefined || !Number.isSafeInteger(position) || !Number.isSafeInteger(number)) {
          throw new ConsoleRefusal("BAD_REQUEST", "VALIDATION_FAILED", "That list cursor is not one this console handed out.");
        }
        after = { position, number };
      }
      const rows = queueRows(ctx.db, { includeClosed: input.includeClosed, statuses: input.statuses, search: input.search, limit: input.limit, after });
      return {
        items: ctx.localJobs(rows.jobs),
        nextCursor: rows.next ? `${rows.next.position}:${rows.next.number}` : null,
        asOf: ctx.lastSyncAt(),
      };
    },
    get(id) {
      const job = getJob(ctx.db, id);
      return job ? ctx.localJob(job) : null;
    },
    async timeline(id) {
      ctx.requireSignedIn();
      return ctx.onlineCall((c) => c.query("jobs.get", { id }, JobWithTimeline), "The job's timeline");
    },
  };
}

export function customersArea(ctx: ConsoleContext): ConsoleCoreApi["customers"] {
  return { search: (text) => searchCustomers(ctx.db, text.trim(), CUSTOMER_MATCHES) };
}

export function exportsArea(ctx: ConsoleContext): ConsoleCoreApi["exports"] {
  return { jobsCsv: (input) => ctx.onlineCall((c) => c.download("/exports/jobs.csv", input), "Exporting jobs") };
}

export function jobsArea(ctx: ConsoleContext): ConsoleCoreApi["jobs"] {
  return {
    async note(id, notes) {
      ctx.requireSignedIn();
      const job = ctx.requireJob(id);
      const text = notes === null || notes.trim() === "" ? null : notes;
      if (text === job.notes) return { mutationId: null, status: "applied", message: "Nothing to change.", job: ctx.localJob(job), handoff: null, receipts: [] };
      const mutation = ctx.act("job.note", { id, version: job.version, notes: text }, id);
      return ctx.actionAnswer(mutation, await ctx.verdict(mutation), id);
    },
    async transition(id, to: JobStatus, note) {
      ctx.requireSignedIn();
      const job = ctx.requireJob(id);
      const label = formatJobNumber(job.number);
      if (to === "PICKED_UP") {
        throw new ConsoleRefusal("PRECONDITION_FAILED", "INVALID_TRANSITION", `${label} is handed over by scanning its pickup code at the counter.`);
      }
      if (!canTransition(job.status, to, job.fulfilment)) {
        throw new ConsoleRefusal("PRECONDITION_FAILED", "INVALID_TRANSITION", `${label} is ${job.status} and cannot become ${to}.`);
      }
      const mutation = ctx.act("job.transition", { id, version: job.version, to, ...(note ? { note } : {}) }, id);
      return ctx.actionAnswer(mutation, await ctx.verdict(mutation), id);
    },
  };
}
