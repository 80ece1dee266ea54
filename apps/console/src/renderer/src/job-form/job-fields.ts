import { formatSiteTime, parseBoundary, wallTimeAt, type Fulfilment, type JobDetail } from "@orderdeck/contracts";
import { centsOf } from "../pickup/TakePayment.tsx";

/** The form's fields as typed (text), before they become the API's input. */
export interface JobFields {
  title: string;
  quantity: string;
  material: string;
  colour: string;
  machine: string;
  /** `datetime-local`'s value, on the site's wall clock (not the device's), or "". */
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

/** The due date as the form's field shows it: the site's wall clock, whatever zone the device is in. */
function siteDateTime(iso: string | null, timeZone: string): string {
  if (!iso) return "";
  const d = wallTimeAt(new Date(iso), timeZone);
  return `${d.year}-${pad(d.month)}-${pad(d.day)}T${pad(d.hour)}:${pad(d.minute)}`;
}

/** What the person typed, read on the site's wall clock; an empty field is no due date. */
function dueInstant(text: string, timeZone: string): string | null {
  if (!text) return null;
  const instant = parseBoundary(text, timeZone);
  if (!instant) throw new Error("Write the due date as a date and time, e.g. 2027-01-15 16:00.");
  return instant.toISOString();
}

export function fieldsOf(job: JobDetail, timeZone: string): JobFields {
  return {
    title: job.title,
    quantity: String(job.quantity),
    material: job.material ?? "",
    colour: job.colour ?? "",
    machine: job.machine ?? "",
    dueAt: siteDateTime(job.dueAt, timeZone),
    price: (job.priceCents / 100).toFixed(2),
    fulfilment: job.fulfilment,
    notes: job.notes ?? "",
  };
}

const orNull = (text: string) => (text.trim() === "" ? null : text.trim());

/** The API's input; the server (and the console, with the same schema) checks each field. */
export function toInput(fields: JobFields, timeZone: string) {
  const priceCents = centsOf(fields.price);
  if (priceCents === null) throw new Error("Write the price as an amount, e.g. 42.50.");
  return {
    title: fields.title.trim(),
    quantity: Number(fields.quantity.trim()),
    material: orNull(fields.material),
    colour: orNull(fields.colour),
    machine: orNull(fields.machine),
    dueAt: dueInstant(fields.dueAt, timeZone),
    priceCents,
    fulfilment: fields.fulfilment as Fulfilment,
    notes: orNull(fields.notes),
  };
}

/** What someone else changed between the version the person started from and the current one, in words. */
export function staleFields(before: JobDetail, now: JobDetail, timeZone: string): Array<{ field: EditedField; label: string; was: string; now: string }> {
  const was = toInput(fieldsOf(before, timeZone), timeZone);
  const is = toInput(fieldsOf(now, timeZone), timeZone);
  const shown = (field: EditedField, value: unknown) =>
    field === "priceCents" && typeof value === "number"
      ? (value / 100).toFixed(2)
      : value === null
        ? ""
        : field === "dueAt" && typeof value === "string"
          ? formatSiteTime(value, timeZone)
          : String(value);
  return EDITED_FIELDS.filter((field) => was[field] !== is[field]).map((field) => ({ field, label: LABELS[field], was: shown(field, was[field]), now: shown(field, is[field]) }));
}
