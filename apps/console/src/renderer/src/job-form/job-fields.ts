import type { Fulfilment, JobDetail } from "@orderdeck/contracts";
import { centsOf } from "../pickup/TakePayment.tsx";

/** The form's fields as typed (text), before they become the API's input. */
export interface JobFields {
  title: string;
  quantity: string;
  material: string;
  colour: string;
  machine: string;
  /** `datetime-local`'s value (the console's wall clock), or "". */
  dueAt: string;
  price: string;
  fulfilment: string;
  notes: string;
}

export const EDITED_FIELDS = ["title", "quantity", "material", "colour", "machine", "dueAt", "priceCents", "fulfilment", "notes"] as const;
type EditedField = (typeof EDITED_FIELDS)[number];

const LABELS: Record<EditedField, string> = {
  title: "Title",
  quantity: "Quantity",
  material: "Material",
  colour: "Colour",
  machine: "Machine",
  dueAt: "Due",
  priceCents: "Price",
  fulfilment: "Fulfilment",
  notes: "Notes",
};

const pad = (n: number) => String(n).padStart(2, "0");

function localDateTime(iso: string | null): string {
  if (!iso) return "";
  const d = new Date(iso);
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}T${pad(d.getHours())}:${pad(d.getMinutes())}`;
}

export function fieldsOf(job: JobDetail): JobFields {
  return {
    title: job.title,
    quantity: String(job.quantity),
    material: job.material ?? "",
    colour: job.colour ?? "",
    machine: job.machine ?? "",
    dueAt: localDateTime(job.dueAt),
    price: (job.priceCents / 100).toFixed(2),
    fulfilment: job.fulfilment,
    notes: job.notes ?? "",
  };
}

const orNull = (text: string) => (text.trim() === "" ? null : text.trim());

/** The API's input; the server (and the console, with the same schema) checks each field. */
export function toInput(fields: JobFields) {
  const priceCents = centsOf(fields.price);
  if (priceCents === null) throw new Error("Write the price as an amount, e.g. 42.50.");
  return {
    title: fields.title.trim(),
    quantity: Number(fields.quantity.trim()),
    material: orNull(fields.material),
    colour: orNull(fields.colour),
    machine: orNull(fields.machine),
    dueAt: fields.dueAt ? new Date(fields.dueAt).toISOString() : null,
    priceCents,
    fulfilment: fields.fulfilment as Fulfilment,
    notes: orNull(fields.notes),
  };
}

/** What someone else changed between the version the person started from and the current one, in words. */
export function staleFields(before: JobDetail, now: JobDetail): Array<{ field: EditedField; label: string; was: string; now: string }> {
  const was = toInput(fieldsOf(before));
  const is = toInput(fieldsOf(now));
  const shown = (field: EditedField, value: unknown) => (field === "priceCents" && typeof value === "number" ? (value / 100).toFixed(2) : value === null ? "" : String(value));
  return EDITED_FIELDS.filter((field) => was[field] !== is[field]).map((field) => ({ field, label: LABELS[field], was: shown(field, was[field]), now: shown(field, is[field]) }));
}
