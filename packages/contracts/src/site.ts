import { z } from "zod";
import { NewEmail, NewPassword, PersonName, StationName } from "./accounts.ts";
import { line, multiline } from "./jobs.ts";

// The site's own settings an admin edits (SLA thresholds), shared by the server and the console.

/** A year: beyond it "ageing" means nothing (and the sites_sla_hours_check CHECK stops there). */
export const SLA_MAX_HOURS = 8760;

const Hours = (what: string) =>
  z
    .int(`${what} is a whole number of hours.`)
    .min(1, `${what} must be at least 1 hour.`)
    .max(SLA_MAX_HOURS, `${what} can be at most ${SLA_MAX_HOURS} hours (a year).`);

export const SiteSettings = z.object({
  name: z.string(),
  /** IANA zone name; shifts (06:00, 14:00, 22:00) and "today" are computed in it. */
  timezone: z.string(),
  /** An open job older than this is shown as ageing. */
  slaWarnHours: z.number(),
  /** An open job older than this is an SLA breach (exceptions list). */
  slaBreachHours: z.number(),
  /** Where customers collect their orders, as the customer's status page says it (null: not set). */
  pickupPlace: z.string().nullable(),
  /** When the pickup counter is open, in the shop's own words (null: not set). */
  pickupHours: z.string().nullable(),
  /** Pass back as `version` when updating: a change made meanwhile is refused, not overwritten. */
  version: z.string(),
});
export type SiteSettings = z.infer<typeof SiteSettings>;

/** The sites_pickup_text_check CHECK allows as much. */
export const PICKUP_PLACE_MAX = 200;
export const PICKUP_HOURS_MAX = 500;

// Shown to customers on their status page: free text with line breaks, empty meaning "not set".
// Left out of an update, the field stays as it is.
const PickupText = (what: string, max: number) =>
  z
    .string()
    .max(max, `${what} can be at most ${max} characters.`)
    .refine((s) => multiline(max).safeParse(s).success, `${what} must not contain control characters (line breaks are fine).`)
    .transform((s) => (s.trim() === "" ? null : s.trim()))
    .nullable()
    .optional();

export const SiteSettingsUpdateInput = z
  .strictObject({
    slaWarnHours: Hours("The warning threshold"),
    slaBreachHours: Hours("The breach threshold"),
    pickupPlace: PickupText("The pickup place", PICKUP_PLACE_MAX),
    pickupHours: PickupText("The pickup hours", PICKUP_HOURS_MAX),
    version: z.iso.datetime({ offset: true, error: "Reload the settings: the version is the one the settings were read with." }),
  })
  .refine((s) => s.slaWarnHours < s.slaBreachHours, {
    path: ["slaBreachHours"],
    message: "The breach threshold must be more hours than the warning threshold.",
  });
export type SiteSettingsUpdateInput = z.input<typeof SiteSettingsUpdateInput>;

// ---- The first site ----------------------------------------------------------------------------

/** The zone's canonical IANA name as this runtime knows it, or undefined (offsets like +01:00 are not zones). */
function canonicalTimezone(name: string): string | undefined {
  if (!/^[A-Za-z][A-Za-z0-9_+\-/]*$/.test(name)) return undefined;
  try {
    return new Intl.DateTimeFormat("en-US", { timeZone: name }).resolvedOptions().timeZone;
  } catch {
    return undefined;
  }
}

/** An IANA timezone, stored as the runtime spells it ("europe/berlin" → "Europe/Berlin"). */
export const IanaTimezone = z
  .string()
  .trim()
  .max(64, "Enter an IANA timezone such as Europe/Berlin.")
  .refine((name) => canonicalTimezone(name) !== undefined, "Enter an IANA timezone such as Europe/Berlin or America/New_York (not an offset like +01:00).")
  .transform((name) => canonicalTimezone(name) ?? name);

/** The sites table allows 120 characters. */
export const SiteName = line(120);

/** The one-time setup of a new installation: its site and first admin (apps/server `npm run setup`). */
export const FirstSiteInput = z.strictObject({
  siteName: SiteName,
  timezone: IanaTimezone,
  adminEmail: NewEmail,
  adminName: PersonName,
  password: NewPassword,
  /** When given, an enrollment code for the first console station is made too. */
  stationName: StationName.optional(),
});
export type FirstSiteInput = z.input<typeof FirstSiteInput>;
