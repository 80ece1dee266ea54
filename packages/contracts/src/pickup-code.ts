/**
 * Pickup codes: nine random symbols and one check symbol from a 31-symbol alphabet without
 * look-alikes (no 0/O, 1/I/L). 31 is prime, so the position-weighted check symbol catches every
 * single wrong symbol and every swap of two symbols, and a misread is refused without a lookup.
 */
export const PICKUP_CODE_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ";
export const PICKUP_CODE_LENGTH = 10;
const PAYLOAD_LENGTH = PICKUP_CODE_LENGTH - 1;
const BASE = PICKUP_CODE_ALPHABET.length;

function checkSymbol(payload: string): string {
  let sum = 0;
  for (let i = 0; i < payload.length; i++) {
    sum += (i + 1) * PICKUP_CODE_ALPHABET.indexOf(payload[i] as string);
  }
  return PICKUP_CODE_ALPHABET[sum % BASE] as string;
}

/** Uppercases and drops spaces and dashes, the way people type codes off a label. */
export function normalizePickupCode(input: string): string {
  return input.toUpperCase().replace(/[\s-]/g, "");
}

export function isValidPickupCode(input: string): boolean {
  const code = normalizePickupCode(input);
  if (code.length !== PICKUP_CODE_LENGTH) return false;
  for (const ch of code) if (!PICKUP_CODE_ALPHABET.includes(ch)) return false;
  return checkSymbol(code.slice(0, PAYLOAD_LENGTH)) === code[PAYLOAD_LENGTH];
}

/** A new random code; `random` fills a byte array (Web Crypto's getRandomValues in both Node and browsers). */
export function generatePickupCode(
  random: (bytes: Uint8Array) => Uint8Array = (b) => globalThis.crypto.getRandomValues(b),
): string {
  // Rejection sampling keeps every symbol equally likely (256 is not a multiple of 31).
  const limit = 256 - (256 % BASE);
  let payload = "";
  while (payload.length < PAYLOAD_LENGTH) {
    for (const byte of random(new Uint8Array(16))) {
      if (byte < limit && payload.length < PAYLOAD_LENGTH) payload += PICKUP_CODE_ALPHABET[byte % BASE];
    }
  }
  return payload + checkSymbol(payload);
}

/** Groups a code for printing and reading aloud: `ABCDE-FGHJK`. */
export function formatPickupCode(code: string): string {
  return `${code.slice(0, 5)}-${code.slice(5)}`;
}
