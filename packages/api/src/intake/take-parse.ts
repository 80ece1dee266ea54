import { hash } from "node:crypto";
import { letterReason } from "./dead-letters.ts";
import { MAPPING_REVISION, mapOrder, orderHash, type MappedOrder } from "./mapping.ts";
import { SourceOrder } from "./storefront-feed.ts";

// Reading a source row: the order it maps to and its content hash, or why it is unreadable.

export type ParsedRow =
  | { ok: true; raw: unknown; order: MappedOrder; hash: string; rawHash: string }
  | { ok: false; raw: unknown; externalId: string | null; reason: string };

/**
 * The row as the storefront sent it, hashed with the mapping's revision: an equal raw hash means
 * the same order mapped the same way, known without checking or mapping it (intake_records.raw_hash).
 */
export function rawRowHash(raw: unknown): string {
  return hash("sha256", `${MAPPING_REVISION}\n${JSON.stringify(raw) ?? "undefined"}`, "hex");
}

/** The row's id, if it has one that could be stored, for a row that is otherwise unreadable. */
function externalIdOf(raw: unknown): string | null {
  if (typeof raw !== "object" || raw === null) return null;
  const id = (raw as Record<string, unknown>).id;
  if (typeof id !== "string") return null;
  const trimmed = id.trim();
  // eslint-disable-next-line no-control-regex
  return trimmed.length > 0 && trimmed.length <= 200 && !/[\u0000-\u001f\u007f]/.test(trimmed) ? trimmed : null;
}

export function parseRow(raw: unknown, rawHash: string = rawRowHash(raw)): ParsedRow {
  const result = SourceOrder.safeParse(raw);
  if (result.success) {
    const order = mapOrder(result.data);
    return { ok: true, raw, order, hash: orderHash(order), rawHash };
  }
  const issues = result.error.issues;
  const listed = issues.slice(0, 8).map((i) => `${i.path.map(String).join(".") || "row"}: ${i.message}`);
  if (issues.length > listed.length) listed.push(`and ${issues.length - listed.length} more`);
  return { ok: false, raw, externalId: externalIdOf(raw), reason: letterReason(listed.join("; ")) };
}
