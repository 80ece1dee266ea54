// A stored handoff as the API answers it and as it goes on paper: what the service reads and
// render.ts draws, kept apart from both so neither has to import the other.
import { HandoffSummary, type HandoffStatus } from "@orderdeck/contracts";
import type { Prisma } from "@orderdeck/db";

export type Paper = "a4" | "letter" | "receipt80";

export const handoffSelect = {
  id: true,
  periodFrom: true,
  periodTo: true,
  notes: true,
  snapshot: true,
  status: true,
  createdAt: true,
  printedAt: true,
  acknowledgedAt: true,
  createdBy: { select: { id: true, name: true } },
  acknowledgedBy: { select: { id: true, name: true } },
} satisfies Prisma.HandoffSelect;

export type HandoffRow = Prisma.HandoffGetPayload<{ select: typeof handoffSelect }>;

export interface HandoffHeader {
  id: string;
  periodFrom: string;
  periodTo: string;
  status: HandoffStatus;
  notes: string | null;
  createdAt: string;
  createdBy: { id: string; name: string };
  printedAt: string | null;
  acknowledgedAt: string | null;
  acknowledgedBy: { id: string; name: string } | null;
  counts: HandoffSummary["counts"];
}

export interface HandoffView extends HandoffHeader {
  summary: HandoffSummary;
}

export function parseSnapshot(row: HandoffRow): HandoffSummary {
  const parsed = HandoffSummary.safeParse(row.snapshot);
  if (!parsed.success) throw new Error(`handoff ${row.id} has a snapshot this server cannot read: ${parsed.error.message}`);
  return parsed.data;
}

export function toView(row: HandoffRow): HandoffView {
  const summary = parseSnapshot(row);
  return { ...toHeader(row, summary), summary };
}

export function toHeader(row: HandoffRow, summary: HandoffSummary): HandoffHeader {
  return {
    id: row.id,
    periodFrom: row.periodFrom.toISOString(),
    periodTo: row.periodTo.toISOString(),
    status: row.status,
    notes: row.notes,
    createdAt: row.createdAt.toISOString(),
    createdBy: row.createdBy,
    printedAt: row.printedAt?.toISOString() ?? null,
    acknowledgedAt: row.acknowledgedAt?.toISOString() ?? null,
    acknowledgedBy: row.acknowledgedBy,
    counts: summary.counts,
  };
}
