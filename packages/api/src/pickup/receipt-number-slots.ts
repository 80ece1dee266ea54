// A handover's receipts take their numbers in the batch that commits, so the site's receipt
// counter is held only while PostgreSQL runs that batch, not across a round trip to the API. What
// carries a number in that batch (the receipt mail's subject, the webhook payloads, the stored
// answer) is composed before the number exists: it names each receipt's number by a slot, and
// the statement that sends it has the slot replaced, in SQL, by the number the receipt's INSERT
// took earlier in the same batch. The answer the caller gets is filled from the INSERTs' rows.
import { Prisma } from "@orderdeck/db";
import { toReceiptView, type ReceiptRow, type ReceiptView } from "../receipts/service.ts";

const OPEN = "⟦receipt-";
const CLOSE = "⟧";

// A receipt's id is a fresh random UUID, so no text the shop or a customer wrote can hold its slot.
function numberSlot(id: string): string {
  return `${OPEN}number ${id}${CLOSE}`;
}

function sequenceSlot(id: string): string {
  return `${OPEN}sequence ${id}${CLOSE}`;
}

/** The view of a receipt whose INSERT has not run yet: its number is its slot, its sequence 0 (no real one is). */
export function slottedReceipt(receipt: Omit<ReceiptRow, "number" | "formattedNumber">, jobNumber: number): ReceiptView {
  return toReceiptView({ ...receipt, number: 0, formattedNumber: numberSlot(receipt.id) }, jobNumber);
}

/**
 * A JSON value with every slotted receipt in it marked whole: its `sequence` (a number in JSON)
 * becomes a slot too, so the stored answer gets the real sequence beside the real number.
 */
export function withSequenceSlots(value: Prisma.InputJsonValue): Prisma.InputJsonValue {
  if (Array.isArray(value)) return value.map((item: Prisma.InputJsonValue) => withSequenceSlots(item));
  if (typeof value !== "object" || value === null) return value;
  const entries = Object.entries(value as Record<string, Prisma.InputJsonValue>);
  const record = Object.fromEntries(entries.map(([key, item]) => [key, withSequenceSlots(item)]));
  const number = record.number;
  const id = record.id;
  if (typeof id === "string" && number === numberSlot(id) && "sequence" in record) record.sequence = sequenceSlot(id);
  return record;
}

/**
 * `statement` with the slots of the receipts `ids` in its text parameters replaced by their
 * numbers as stored: a receipt's `number` slot by its formatted number, and its `sequence` slot,
 * quoted as JSON writes it, by the bare sequence. The receipts' INSERTs must run before it.
 */
export function withReceiptNumbers(statement: Prisma.Sql, ids: readonly string[]): Prisma.Sql {
  if (ids.length === 0 || !statement.values.some((value) => typeof value === "string" && value.includes(OPEN))) return statement;
  const values = statement.values.map((value) => {
    if (typeof value !== "string" || !value.includes(OPEN)) return value;
    let text: Prisma.Sql = Prisma.sql`${value}`;
    for (const id of ids) {
      if (value.includes(numberSlot(id))) {
        text = Prisma.sql`replace(${text}, ${numberSlot(id)}, (SELECT formatted_number FROM receipts WHERE id = ${id}::uuid))`;
      }
      if (value.includes(`"${sequenceSlot(id)}"`)) {
        text = Prisma.sql`replace(${text}, ${`"${sequenceSlot(id)}"`}, (SELECT number::text FROM receipts WHERE id = ${id}::uuid))`;
      }
    }
    return text;
  });
  return new Prisma.Sql(statement.strings, values);
}

type StoredNumber = Pick<ReceiptRow, "id" | "number" | "formattedNumber">;

function isStoredNumber(row: unknown): row is StoredNumber {
  if (typeof row !== "object" || row === null) return false;
  const { id, number, formattedNumber } = row as Record<string, unknown>;
  return typeof id === "string" && typeof number === "number" && typeof formattedNumber === "string";
}

/** `receipts` with each slotted one as its INSERT stored it (`rows`: the INSERTs' answers, any order). */
export function numberedReceipts(receipts: readonly ReceiptView[], rows: readonly unknown[]): ReceiptView[] {
  const stored = new Map(rows.filter(isStoredNumber).map((row) => [row.id, row]));
  return receipts.map((receipt) => {
    if (receipt.number !== numberSlot(receipt.id)) return receipt;
    const row = stored.get(receipt.id);
    if (!row) throw new Error(`receipt ${receipt.id} was not stored`);
    return { ...receipt, number: row.formattedNumber, sequence: row.number };
  });
}
