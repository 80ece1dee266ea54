import type { Prisma, TransactionClient } from "@orderdeck/db";
import type { Principal } from "../auth/principal.ts";

/** Who caused a change: a person (at a station or not), a station alone, or the system itself. */
export type Actor =
  | { kind: "USER"; userId: string; stationId: string | null }
  | { kind: "STATION"; stationId: string }
  | { kind: "SYSTEM" };

export function actorOf(principal: Principal): Actor {
  return { kind: "USER", userId: principal.userId, stationId: principal.stationId };
}

export interface JobEventInput {
  siteId: string;
  jobId: string;
  actor: Actor;
  /** What happened: created, updated, status_changed, reordered, archived, invoiced, paid, picked_up, … */
  type: string;
  before?: Prisma.InputJsonValue;
  after?: Prisma.InputJsonValue;
  requestId?: string | undefined;
}

/**
 * Appends to a job's timeline. Takes the transaction of the change it describes: a change and
 * its event commit together or not at all.
 */
export async function recordJobEvent(tx: TransactionClient, event: JobEventInput): Promise<void> {
  await tx.jobEvent.create({
    data: {
      siteId: event.siteId,
      jobId: event.jobId,
      actorKind: event.actor.kind,
      actorUserId: event.actor.kind === "USER" ? event.actor.userId : null,
      actorStationId: event.actor.kind === "SYSTEM" ? null : event.actor.stationId,
      type: event.type,
      before: event.before,
      after: event.after,
      requestId: event.requestId ?? null,
    },
    select: { id: true },
  });
}
