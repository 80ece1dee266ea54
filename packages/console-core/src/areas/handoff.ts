// The shift handoff: the server's summary while it answers, the cache's otherwise; written and
// acknowledged by leads as queued changes.
import {
  HANDOFF_LIST_LIMIT,
  HANDOFF_MAX_PERIOD_DAYS,
  HandoffSummary,
  currentShiftStart,
  formatJobNumber,
  isOpen,
  summariseHandoffRows,
  type SyncJob,
} from "@orderdeck/contracts";
import { ConsoleRefusal, type CachedHandoffSummary, type ConsoleCoreApi, type HandoffSummaryAnswer } from "../api.ts";
import { getCustomer, listHandoffs, storeHandoff } from "../store/cache.ts";
import { handoffJobRows } from "../store/handoff.ts";
import { waitingCountForJob } from "../store/outbox.ts";
import { boardJobs } from "../store/queue.ts";
import { classify } from "../sync/server-client.ts";
import { User, type ConsoleContext } from "./context.ts";

const NEXT_IN_QUEUE = 10;

export function handoffArea(ctx: ConsoleContext): ConsoleCoreApi["handoff"] {
  const { db } = ctx;

  const cachedSummary = (): CachedHandoffSummary => {
    const at = ctx.now();
    // The server's shift rules as of the last sync, so that an offline period starts where the server's would.
    const shifts = ctx.siteShiftHistory();
    const acknowledged = listHandoffs(db)
      .filter((h) => h.status === "ACKNOWLEDGED")
      .sort((a, b) => b.periodTo.localeCompare(a.periodTo))[0];
    const oldest = at.getTime() - HANDOFF_MAX_PERIOD_DAYS * 86_400_000;
    const since = acknowledged && Date.parse(acknowledged.periodTo) < at.getTime() && Date.parse(acknowledged.periodTo) >= oldest;
    const from = since && acknowledged ? new Date(acknowledged.periodTo) : currentShiftStart(at, shifts);
    const jobs = boardJobs(db);
    const period = { from: from.toISOString(), to: at.toISOString() };
    const fromRows = summariseHandoffRows(handoffJobRows(db, jobs), period);
    const ref = (job: SyncJob) => ({
      jobId: job.id,
      number: formatJobNumber(job.number),
      title: job.title,
      customer: job.customerId ? (getCustomer(db, job.customerId)?.name ?? null) : null,
    });
    const overdue = jobs.filter((j) => isOpen(j.status) && j.dueAt !== null && Date.parse(j.dueAt) < at.getTime());
    const queue = jobs.filter((j) => isOpen(j.status) && j.queuePosition !== null);
    return {
      source: "cache",
      asOf: ctx.lastSyncAt(),
      period: { ...period, basis: since ? "since_last_handoff" : "current_shift" },
      counts: {
        ...fromRows.counts,
        overdue: overdue.length,
        failedNow: jobs.filter((j) => j.status === "FAILED").length,
        started: null,
        finished: null,
        failed: null,
        reprinted: null,
      },
      received: fromRows.received,
      pickedUp: fromRows.pickedUp.map((item) => ({ ...item, pendingSync: waitingCountForJob(db, item.jobId) > 0 })),
      readyWaiting: fromRows.readyWaiting,
      overdue: overdue.slice(0, HANDOFF_LIST_LIMIT).map((j) => ({ ...ref(j), dueAt: j.dueAt ?? "", status: j.status })),
      nextInQueue: queue.slice(0, NEXT_IN_QUEUE).map((j) => ({ ...ref(j), position: j.queuePosition ?? 0, status: j.status, estimatedMinutes: j.estimatedMinutes })),
    };
  };

  return {
    async summary(): Promise<HandoffSummaryAnswer> {
      if (ctx.online()) {
        try {
          const summary = await ctx.serverClient().query("handoff.summary", {}, HandoffSummary);
          return { source: "server", summary };
        } catch (error) {
          if (classify(error).kind !== "offline") throw error;
        }
      }
      return cachedSummary();
    },
    list: () => listHandoffs(db),
    async create(notes) {
      ctx.requireSignedIn();
      ctx.requireLead("Writing a handoff");
      // The period the lead saw: it ends now, whenever the server gets to it.
      const period = cachedSummary().period;
      const mutation = ctx.act("handoff.create", { from: period.from, to: period.to, notes }, null);
      return ctx.actionAnswer(mutation, await ctx.verdict(mutation), null);
    },
    async acknowledge(id) {
      ctx.requireSignedIn();
      ctx.requireLead("Acknowledging a handoff");
      const handoff = listHandoffs(db).find((h) => h.id === id);
      if (!handoff) throw new ConsoleRefusal("NOT_FOUND", "NOT_FOUND", "That handoff is not in this console's copy (as of the last sync).");
      const me = ctx.parsed("user", User);
      if (me && handoff.createdBy.id === me.id) {
        throw new ConsoleRefusal("PRECONDITION_FAILED", "FORBIDDEN", "The incoming lead acknowledges a handoff; you wrote this one, so someone else must take it over.");
      }
      const mutation = ctx.act("handoff.acknowledge", { id }, null);
      if (me && handoff.status !== "ACKNOWLEDGED") {
        storeHandoff(db, { ...handoff, status: "ACKNOWLEDGED", acknowledgedAt: ctx.now().toISOString(), acknowledgedBy: { id: me.id, name: me.name } });
      }
      const answer = ctx.actionAnswer(mutation, await ctx.verdict(mutation), null);
      return { ...answer, handoff: answer.handoff ?? listHandoffs(db).find((h) => h.id === id) ?? null };
    },
  };
}
