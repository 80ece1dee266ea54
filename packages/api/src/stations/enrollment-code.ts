import { randomBytes } from "node:crypto";

// Crockford's base 32: no I, L, O or U, so a code read aloud or copied from paper by hand
// survives; 12 symbols carry 60 random bits, ample for a code that lives a day, is used once
// and is rate-limited per address.
const ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";
const LENGTH = 12;

/** A new enrollment code, grouped for reading: `7K3M-Q9XD-2HTB`. */
export function newEnrollmentCode(): string {
  // 256 is a multiple of 32, so taking each byte modulo 32 keeps every symbol equally likely.
  const symbols = [...randomBytes(LENGTH)].map((byte) => ALPHABET[byte % 32]).join("");
  return `${symbols.slice(0, 4)}-${symbols.slice(4, 8)}-${symbols.slice(8)}`;
}

/**
 * The canonical form of a typed code (what is hashed): case, spaces and dashes ignored, and the
 * letters people confuse with digits read as those digits. Undefined when it cannot be a code.
 */
export function normalizeEnrollmentCode(typed: string): string | undefined {
  const code = typed
    .toUpperCase()
    .replace(/[\s-]/g, "")
    .replace(/O/g, "0")
    .replace(/[IL]/g, "1");
  return code.length === LENGTH && [...code].every((c) => ALPHABET.includes(c)) ? code : undefined;
}
