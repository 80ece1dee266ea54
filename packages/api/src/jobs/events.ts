import { randomUUID } from "node:crypto";
import { Prisma, type TransactionClient } from "@orderdeck/db";
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
  await tx.$queryRaw(jobEventStatement(event));
}

/**
 * The event's INSERT, for a caller that sends it with the change's other statements. Its time is
 * the clock's when the event is made, not the transaction's start: a change that records several
 * events shows them in the order they were made (the timeline sorts by time).
 */
export function jobEventStatement(event: JobEventInput): Prisma.Sql {
  const { actor } = event;
  const json = (value: Prisma.InputJsonValue | undefined) => (value === undefined ? null : JSON.stringify(value));
  return Prisma.sql`
    INSERT INTO job_events (id, at, site_id, job_id, actor_kind, actor_user_id, actor_station_id, type, before, after, request_id)
    VALUES (${randomUUID()}::uuid, ${new Date()}::timestamptz, ${event.siteId}::uuid, ${event.jobId}::uuid, ${actor.kind}::actor_kind,
            ${actor.kind === "USER" ? actor.userId : null}::uuid, ${actor.kind === "SYSTEM" ? null : actor.stationId}::uuid,
            ${event.type}, ${json(event.before)}::jsonb, ${json(event.after)}::jsonb, ${event.requestId ?? null})`;
}
