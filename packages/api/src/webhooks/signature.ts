import { createHmac, randomBytes, timingSafeEqual } from "node:crypto";

// Every delivery is signed so that a receiver can tell it came from this shop and was not replayed:
//   OrderDeck-Timestamp: <unix seconds>
//   OrderDeck-Signature: v1=<hex HMAC-SHA256(secret, "<timestamp>.<raw body>")>
// The README shows the few lines a receiver needs (the same as verifySignature below).
export const TIMESTAMP_HEADER = "OrderDeck-Timestamp";
export const SIGNATURE_HEADER = "OrderDeck-Signature";
export const EVENT_HEADER = "OrderDeck-Event";
export const DELIVERY_HEADER = "OrderDeck-Delivery";

/** A new endpoint secret: 32 random bytes, shown to the admin once. */
export function newWebhookSecret(): string {
  return `whsec_${randomBytes(32).toString("base64url")}`;
}

export function signPayload(secret: string, timestamp: number, body: string): string {
  return `v1=${createHmac("sha256", secret).update(`${timestamp}.${body}`).digest("hex")}`;
}

/**
 * What a receiver does: recompute the signature over the raw body and compare in constant time,
 * and refuse timestamps further than `toleranceSeconds` from now (a replayed old delivery).
 */
export function verifySignature(
  secret: string,
  headers: { timestamp: string | undefined; signature: string | undefined },
  body: string,
  options: { toleranceSeconds?: number; now?: Date } = {},
): boolean {
  const timestamp = Number(headers.timestamp);
  if (!headers.signature || !Number.isInteger(timestamp)) return false;
  const now = Math.floor((options.now ?? new Date()).getTime() / 1000);
  if (Math.abs(now - timestamp) > (options.toleranceSeconds ?? 300)) return false;
  const expected = Buffer.from(signPayload(secret, timestamp, body));
  const given = Buffer.from(headers.signature);
  return expected.length === given.length && timingSafeEqual(expected, given);
}
