import { createHmac, randomBytes } from "node:crypto";

/** A new bearer token: 256 random bits, URL-safe. Shown once; only its hash is stored. */
export function newToken(): string {
  return randomBytes(32).toString("base64url");
}

/**
 * The stored form of a session, station or enrollment token. Keyed with the server secret so a
 * copy of the database alone cannot be used to check guessed tokens offline.
 */
export function hashToken(secretKey: string, token: string): string {
  return createHmac("sha256", secretKey).update(token).digest("hex");
}
