import { z } from "zod";
import { NewEmail, NewPassword, PersonName, StationName } from "./accounts.ts";
import { line, multiline } from "./jobs.ts";
import { ShiftList, ShiftRulesVersion } from "./shift-rules.ts";

// The site's own settings an admin edits (SLA thresholds, timezone and shifts), shared by the server and the console.

/** A year: beyond it "ageing" means nothing (and the sites_sla_hours_check CHECK stops there). */
export const SLA_MAX_HOURS = 8760;

const Hours = (what: string) =>
  z
    .int(`${what} is a whole number of hours.`)
    .min(1, `${what} must be at least 1 hour.`)
    .max(SLA_MAX_HOURS, `${what} can be at most ${SLA_MAX_HOURS} hours (a year).`);

export const SiteSettings = z.object({
  name: z.string(),
  /** IANA zone name: times are shown in it; the shifts below are wall times in it (from `shiftsFrom`). */
  timezone: z.string(),
  /** The shifts the site works to (from `shiftsFrom` on), in the order they start within a day. */
  shifts: z.array(z.object({ start: z.string(), name: z.string() })),
  /** When the timezone and shifts above apply from: null when they always have; later than now while the running shift ends under the rules before. */
  shiftsFrom: z.string().nullable(),
  /** While a change waits for the next shift: the rules the running shift keeps; null otherwise. */
  shiftRulesNow: ShiftRulesVersion.nullable(),
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

const SettingsVersion = z.iso.datetime({ offset: true, error: "Reload the settings: the version is the one the settings were read with." });

export const SiteSettingsUpdateInput = z
  .strictObject({
    slaWarnHours: Hours("The warning threshold"),
    slaBreachHours: Hours("The breach threshold"),
    pickupPlace: PickupText("The pickup place", PICKUP_PLACE_MAX),
    pickupHours: PickupText("The pickup hours", PICKUP_HOURS_MAX),
    version: SettingsVersion,
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

/**
 * The site's timezone and shifts. They apply from the start of the next shift under the rules in
 * force now: the running shift keeps its length, and past periods keep theirs.
 */
export const SiteShiftRulesUpdateInput = z.strictObject({
  timezone: IanaTimezone,
  shifts: ShiftList,
  version: SettingsVersion,
});
export type SiteShiftRulesUpdateInput = z.input<typeof SiteShiftRulesUpdateInput>;

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
