import { z } from "zod";
import { UserRole } from "./enums.ts";

// The accounts API (users, stations and sign-in) inputs and outputs, shared by the server, which
// validates with them, and the console's admin screens, which build requests and read answers
// with them. Dates travel as ISO 8601 strings.

// Control characters never belong in a name or an address, and Postgres refuses NUL outright:
// refuse them at the boundary instead of letting the database answer 500.
const NO_CONTROL_CHARACTERS = /^[^\p{Cc}]*$/u;

export const RecordId = z.uuid();

/**
 * An address typed at sign-in: compared lowercased (stored addresses are lowercase). Checked
 * loosely on purpose, so that an account whose address a stricter rule would refuse today can
 * still sign in.
 */
export const SignInEmail = z
  .string()
  .trim()
  .toLowerCase()
  .min(3)
  .max(254)
  .regex(/^[^\s@]+@[^\s@]+$/, "Enter an email address.")
  .regex(NO_CONTROL_CHARACTERS, "Enter an email address.");

/** An address given to a new account. */
export const NewEmail = z.string().trim().toLowerCase().max(254).pipe(z.email("Enter a valid email address."));

/** A password being tried: bounded so nobody can make the server hash a megabyte. */
export const PasswordAttempt = z.string().min(1).max(200);

export const NEW_PASSWORD_MIN_LENGTH = 12;

/** A password being set. Long rather than complicated (NIST SP 800-63B). */
export const NewPassword = z
  .string()
  .min(NEW_PASSWORD_MIN_LENGTH, `Passwords need at least ${NEW_PASSWORD_MIN_LENGTH} characters.`)
  .max(200, "Passwords can have at most 200 characters.");

export const PersonName = z
  .string()
  .trim()
  .min(1, "Enter a name.")
  .max(120)
  .regex(NO_CONTROL_CHARACTERS, "Names cannot contain control characters.");

/** The stations table allows 80 characters. */
export const StationName = z
  .string()
  .trim()
  .min(1, "Enter a name for the station.")
  .max(80)
  .regex(NO_CONTROL_CHARACTERS, "Names cannot contain control characters.");

// ---- Users -------------------------------------------------------------------------------------

export const UsersListInput = z
  .object({
    /** The `nextCursor` of the page before. */
    cursor: z.string().max(254).regex(NO_CONTROL_CHARACTERS).optional(),
    limit: z.number().int().min(1).max(200).optional(),
  })
  .optional();
export type UsersListInput = z.input<typeof UsersListInput>;

export const UserCreateInput = z.object({ email: NewEmail, name: PersonName, role: UserRole, password: NewPassword });
export type UserCreateInput = z.input<typeof UserCreateInput>;
export const UserRef = z.object({ userId: RecordId });
export const UserResetPasswordInput = z.object({ userId: RecordId, password: NewPassword });
export const UserChangeRoleInput = z.object({ userId: RecordId, role: UserRole });

export const UserView = z.object({
  id: z.string(),
  email: z.string(),
  name: z.string(),
  role: UserRole,
  disabled: z.boolean(),
  lastSignInAt: z.string().nullable(),
  createdAt: z.string(),
});
export type UserView = z.infer<typeof UserView>;

export const UserPage = z.object({
  users: z.array(UserView),
  /** Pass back as `cursor` for the next page; null on the last page. */
  nextCursor: z.string().nullable(),
});
export type UserPage = z.infer<typeof UserPage>;

/** Someone a job can be assigned to: an enabled user of the site, by name only (anyone signed in may see it). */
export const Assignee = z.object({ id: z.string(), name: z.string() });
export type Assignee = z.infer<typeof Assignee>;

// ---- Stations ------------------------------------------------------------------------------------

export const StationEnrollmentInput = z.object({ name: StationName });
/**
 * A console installation's own random key (32 bytes, base64url), made once in its local database
 * and sent with every enrollment: stations enrolled with the same key share the client-mutation
 * ledger, so a console enrolled again is not applied twice what its old station already was.
 */
export const ConsoleInstallationKey = z.string().regex(/^[A-Za-z0-9_-]{43}$/, "An installation key is 32 random bytes in base64url (43 characters).");
export const StationRef = z.object({ stationId: RecordId });

export const EnrollmentCreated = z.object({
  enrollmentId: z.string(),
  name: z.string(),
  /** Shown once, to the admin who asked; only its hash is stored. */
  code: z.string(),
  expiresAt: z.string(),
});
export type EnrollmentCreated = z.infer<typeof EnrollmentCreated>;

export const StationView = z.object({
  id: z.string(),
  name: z.string(),
  createdAt: z.string(),
  lastSeenAt: z.string().nullable(),
  revokedAt: z.string().nullable(),
});
export type StationView = z.infer<typeof StationView>;

export const StationRevoked = z.object({ station: StationView, sessionsRevoked: z.number() });
export type StationRevoked = z.infer<typeof StationRevoked>;

export const PendingEnrollment = z.object({
  id: z.string(),
  name: z.string(),
  createdAt: z.string(),
  expiresAt: z.string(),
  createdBy: z.object({ id: z.string(), name: z.string() }).nullable(),
});
export type PendingEnrollment = z.infer<typeof PendingEnrollment>;

export const StationList = z.object({ stations: z.array(StationView), pendingEnrollments: z.array(PendingEnrollment) });
export type StationList = z.infer<typeof StationList>;
