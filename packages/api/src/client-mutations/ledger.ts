// The ledger of client mutations: a console's change, keyed by (station, mutation id), is applied
// at most once. Every path that takes a console's mutation id claims it here first, inside the
// transaction of the change, and settles it with the answer in that same transaction, so the
// change and "it was applied, here is what was answered" commit together or not at all.
import type { MutationOutcome } from "@orderdeck/contracts";
import type { Prisma, TransactionClient } from "@orderdeck/db";
import { randomUUID } from "node:crypto";

export interface MutationKey {
  siteId: string;
  stationId: string;
  userId: string;
  mutationId: string;
}

export interface LedgerEntry {
  type: string;
  args: Prisma.JsonValue;
  outcome: MutationOutcome | null;
  result: Prisma.JsonValue | null;
}

/**
 * Claims (station, mutation id). Null when this transaction is the first to take it; otherwise
 * the entry as the first one stored it. A concurrent first attempt holds the unique key until it
 * commits, so a repeat waits here and then reads that attempt's answer.
 */
export async function claimMutation(
  tx: TransactionClient,
  key: MutationKey,
  type: string,
  args: Prisma.InputJsonValue,
): Promise<LedgerEntry | null> {
  const claimed = await tx.$queryRaw<Array<{ id: string }>>`
    INSERT INTO client_mutations (id, site_id, station_id, user_id, mutation_id, type, args)
    VALUES (${randomUUID()}::uuid, ${key.siteId}::uuid, ${key.stationId}::uuid, ${key.userId}::uuid,
            ${key.mutationId}, ${type}, ${JSON.stringify(args)}::jsonb)
    ON CONFLICT (station_id, mutation_id) DO NOTHING
    RETURNING id`;
  if (claimed.length > 0) return null;
  const first = await tx.clientMutation.findFirst({
    where: { siteId: key.siteId, stationId: key.stationId, mutationId: key.mutationId },
    select: { type: true, args: true, outcome: true, result: true },
  });
  // Another site's station cannot share this station's key; a missing row means a racing delete.
  return first ?? { type: "", args: null, outcome: null, result: null };
}

/** Stores the answer with the claim, in the claiming transaction. */
export async function settleMutation(
  tx: TransactionClient,
  key: MutationKey,
  outcome: MutationOutcome,
  result: Prisma.InputJsonValue,
  at: Date,
): Promise<void> {
  await tx.clientMutation.update({
    where: { stationId_mutationId: { stationId: key.stationId, mutationId: key.mutationId } },
    data: { outcome, result, appliedAt: at },
    select: { id: true },
  });
}
