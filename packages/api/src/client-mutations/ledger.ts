// The ledger of client mutations: a console's change, keyed by (site, console installation,
// mutation id), is applied at most once. The installation is the sending station's
// (stations.installation_id): a console enrolled again keeps it (stations/service.ts), so a change
// applied under its old station is still recognised under the new one; the station is kept for the
// record. Every path that takes a console's mutation id claims it here first, inside the
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

/** This transaction took the mutation id (`claimId`: its ledger row), or it was taken before (`first`: that entry). */
export type LedgerClaim = { claimId: string; first: null } | { claimId: null; first: LedgerEntry };

/**
 * Claims (installation of the station, mutation id). A concurrent first attempt holds the unique
 * key until it commits, so a repeat waits here and then reads that attempt's answer. The
 * installation is read from the station in the same statement: a caller names only its own
 * station (the principal's), so it can never reach another installation's entries.
 */
export async function claimMutation(
  tx: TransactionClient,
  key: MutationKey,
  type: string,
  args: Prisma.InputJsonValue,
): Promise<LedgerClaim> {
  const claimed = await tx.$queryRaw<Array<{ id: string }>>`
    INSERT INTO client_mutations (id, site_id, station_id, installation_id, user_id, mutation_id, type, args)
    SELECT ${randomUUID()}::uuid, st.site_id, st.id, st.installation_id, ${key.userId}::uuid, ${key.mutationId}, ${type}, ${JSON.stringify(args)}::jsonb
      FROM stations st
     WHERE st.id = ${key.stationId}::uuid AND st.site_id = ${key.siteId}::uuid
    ON CONFLICT (site_id, installation_id, mutation_id) DO NOTHING
    RETURNING id::text`;
  const claimId = claimed[0]?.id;
  if (claimId) return { claimId, first: null };
  const entries = await tx.$queryRaw<LedgerEntry[]>`
    SELECT m.type, m.args, m.outcome::text AS outcome, m.result
      FROM client_mutations m
      JOIN stations st ON st.installation_id = m.installation_id AND st.site_id = m.site_id
     WHERE st.id = ${key.stationId}::uuid AND m.site_id = ${key.siteId}::uuid AND m.mutation_id = ${key.mutationId}`;
  // Nothing stored and nothing claimed: the station is not the site's (a racing delete).
  return { claimId: null, first: entries[0] ?? { type: "", args: null, outcome: null, result: null } };
}

/** Stores the answer with the claim, in the claiming transaction. */
export async function settleMutation(
  tx: TransactionClient,
  claimId: string,
  outcome: MutationOutcome,
  result: Prisma.InputJsonValue,
  at: Date,
): Promise<void> {
  await tx.clientMutation.update({
    where: { id: claimId },
    data: { outcome, result, appliedAt: at },
    select: { id: true },
  });
}
