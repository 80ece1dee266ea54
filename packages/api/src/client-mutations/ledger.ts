// The ledger of client mutations: a console's change, keyed by (site, console installation,
// mutation id), is applied at most once. The installation is the sending station's
// (stations.installation_id): a console enrolled again keeps it (stations/service.ts), so a change
// applied under its old station is still recognised under the new one; the station is kept for the
// record. Every path that takes a console's mutation id claims it here first, inside the
// transaction of the change, and settles it with the answer in that same transaction, so the
// change and "it was applied, here is what was answered" commit together or not at all.
import type { MutationOutcome } from "@orderdeck/contracts";
import { Prisma, type TransactionClient } from "@orderdeck/db";
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
  const claim = claimStatement(key, type, args);
  if (isClaimed(await tx.$queryRaw<ClaimRow[]>(claim.statement))) return { claimId: claim.id, first: null };
  return { claimId: null, first: firstEntryOf(await tx.$queryRaw<LedgerEntry[]>(firstEntryStatement(key))) };
}

/** What claimStatement answers: the claim's row, or no row when the id was taken. */
interface ClaimRow {
  id: string;
}

/**
 * The claim as one statement (see claimMutation), for a caller that sends it with others: `id` is
 * the ledger row's, when its rows say it was claimed (isClaimed).
 */
export function claimStatement(key: MutationKey, type: string, args: Prisma.InputJsonValue): { id: string; statement: Prisma.Sql } {
  const id = randomUUID();
  return {
    id,
    statement: Prisma.sql`
      INSERT INTO client_mutations (id, site_id, station_id, installation_id, user_id, mutation_id, type, args)
      SELECT ${id}::uuid, st.site_id, st.id, st.installation_id, ${key.userId}::uuid, ${key.mutationId}, ${type}, ${JSON.stringify(args)}::jsonb
        FROM stations st
       WHERE st.id = ${key.stationId}::uuid AND st.site_id = ${key.siteId}::uuid
      ON CONFLICT (site_id, installation_id, mutation_id) DO NOTHING
      RETURNING id::text`,
  };
}

export function isClaimed(rows: readonly unknown[]): boolean {
  return rows.length > 0;
}

/** The entry that took the mutation id first, read when this transaction's claim answered no row. */
export function firstEntryStatement(key: MutationKey): Prisma.Sql {
  return Prisma.sql`
    SELECT m.type, m.args, m.outcome::text AS outcome, m.result
      FROM client_mutations m
      JOIN stations st ON st.installation_id = m.installation_id AND st.site_id = m.site_id
     WHERE st.id = ${key.stationId}::uuid AND m.site_id = ${key.siteId}::uuid AND m.mutation_id = ${key.mutationId}`;
}

export function firstEntryOf(rows: LedgerEntry[]): LedgerEntry {
  // Nothing stored and nothing claimed: the station is not the site's (a racing delete).
  return rows[0] ?? { type: "", args: null, outcome: null, result: null };
}

/** Stores the answer with the claim, in the claiming transaction. */
export async function settleMutation(
  tx: TransactionClient,
  claimId: string,
  outcome: MutationOutcome,
  result: Prisma.InputJsonValue,
  at: Date,
): Promise<void> {
  await tx.$queryRaw(settleStatement(claimId, outcome, result, at));
}

export function settleStatement(claimId: string, outcome: MutationOutcome, result: Prisma.InputJsonValue, at: Date): Prisma.Sql {
  return Prisma.sql`
    UPDATE client_mutations SET outcome = ${outcome}::mutation_outcome, result = ${JSON.stringify(result)}::jsonb, applied_at = ${at}::timestamptz
     WHERE id = ${claimId}::uuid`;
}
