// The shift handoff: the server's summary while it answers, the cache's otherwise; written and
// acknowledged by leads as queued changes.
import {
  HANDOFF_MAX_PERIOD_DAYS,
  HandoffSummary,
  amountDueCents,
  currentShiftStart,
  formatJobNumber,
  formatMoney,
  isOpen,
  type SyncJob,
} from "@orderdeck/contracts";
import { ConsoleRefusal, type CachedHandoffSummary, type ConsoleCoreApi, type HandoffSummaryAnswer } from "../api.ts";
import { getCustomer, listHandoffs, storeHandoff } from "../store/cache.ts";
import { waitingCountForJob } from "../store/outbox.ts";
import { boardJobs } from "../store/queue.ts";
import { classify } from "../sync/server-client.ts";
import { User, type ConsoleContext } from "./context.ts";

const NEXT_IN_QUEUE = 10;
const LIST_LIMIT = 50;

export function handoffArea(ctx: ConsoleContext): ConsoleCoreApi["handoff"] {
  const { db } = ctx;

  const cachedSummary = (): CachedHandoffSummary => {
    const at = ctx.now();
    const tz = ctx.siteTimeZone();
    const acknowledged = listHandoffs(db)
      .filter((h) => h.status === "ACKNOWLEDGED")
      .sort((a, b) => b.periodTo.localeCompare(a.periodTo))[0];
    const oldest = at.getTime() - HANDOFF_MAX_PERIOD_DAYS * 86_400_000;
    const since = acknowledged && Date.parse(acknowledged.periodTo) < at.getTime() && Date.parse(acknowledged.periodTo) >= oldest;
    const from = since && acknowledged ? new Date(acknowledged.periodTo) : currentShiftStart(at, tz);
    const jobs = boardJobs(db);
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
      asOf: ctx.lastSyncAt(),
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
        pendingSync: waitingCountForJob(db, j.id) > 0,
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
