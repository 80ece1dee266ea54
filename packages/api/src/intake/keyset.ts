import { DomainError } from "@orderdeck/contracts";
import { z } from "zod";

// Runs and dead letters are listed newest first, a page at a time, by (instant, id): a page
// costs the same wherever it is and rows added meanwhile never repeat a row on the next page.

const Payload = z.strictObject({ t: z.iso.datetime({ offset: true }), i: z.uuid() });

export interface Keyset {
  at: Date;
  id: string;
}

export function encodeKeyset(key: Keyset): string {
  return Buffer.from(JSON.stringify({ t: key.at.toISOString(), i: key.id }), "utf8").toString("base64url");
}

export function decodeKeyset(cursor: string): Keyset {
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(cursor, "base64url").toString("utf8"));
  } catch {
    parsed = undefined;
  }
  const result = Payload.safeParse(parsed);
  if (!result.success) throw new DomainError("VALIDATION_FAILED", "That page cursor is not valid; start again from the first page.");
  return { at: new Date(result.data.t), id: result.data.i };
}
