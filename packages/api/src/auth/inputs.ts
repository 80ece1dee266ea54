import { z } from "zod";

// Control characters never belong in a name or an address, and Postgres refuses NUL outright:
// refuse them at the boundary instead of letting the database answer 500.
const NO_CONTROL_CHARACTERS = /^[^\p{Cc}]*$/u;

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

/** A password being set. Long rather than complicated (NIST SP 800-63B). */
export const NewPassword = z
  .string()
  .min(12, "Passwords need at least 12 characters.")
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

export const RecordId = z.uuid();
