// What a queued change does to the console's copy of a job before the server has answered. The
// same function replays the pending changes on top of every fresh server row (a pull that lands
// while changes wait), so the screen always shows "the server's truth plus what I did".
import { isOpen, type SyncJob, type SyncMutation } from "@orderdeck/contracts";

export interface Actor {
  userId: string | null;
  userName: string | null;
  stationId: string | null;
  stationName: string | null;
}

/**
 * The job after `mutation`, as the server would make it if it agrees. Every change the server makes
 * raises the version by one (its trigger does), so the next queued change can carry the version
 * the server will have by then.
 */
export function applyToJob(job: SyncJob, mutation: SyncMutation, actor: Actor): SyncJob {
  switch (mutation.type) {
    case "pickup.confirm":
      return {
        ...job,
        status: "PICKED_UP",
        queuePosition: null,
        pickedUpAt: mutation.args.scannedAt,
        pickedUpById: actor.userId,
        pickedUpByName: actor.userName,
        pickedUpStationId: actor.stationId,
        pickedUpStationName: actor.stationName,
        version: job.version + 1,
      };
    case "job.note":
      return { ...job, notes: mutation.args.notes, version: job.version + 1 };
    case "job.transition":
      return {
        ...job,
        status: mutation.args.to,
        queuePosition: isOpen(mutation.args.to) ? job.queuePosition : null,
        version: job.version + 1,
      };
    case "payment.record": {
      // The server raises the version only when the payment settles the job (its status changes).
      const paidCents = job.paidCents + mutation.args.amountCents;
      const settled = paidCents >= job.priceCents && job.paymentStatus === "UNPAID";
      return settled ? { ...job, paidCents, paymentStatus: "PAID", version: job.version + 1 } : { ...job, paidCents };
    }
    case "payment.waive":
      return job.paymentStatus === "WAIVED" ? job : { ...job, paymentStatus: "WAIVED", version: job.version + 1 };
    case "handoff.create":
    case "handoff.acknowledge":
      return job;
  }
}
