import { createCipheriv, createDecipheriv, hkdfSync, randomBytes } from "node:crypto";

/*
 * Endpoint secrets are kept sealed (AES-256-GCM) in webhook_endpoints.secret: a copy of the
 * database, a backup or a read-only SQL account does not give anyone the keys to forge the shop's
 * webhooks. The key is derived from ORDERDECK_SECRET_KEY, which never enters the database. The
 * site id is bound into each seal, so a sealed secret copied to another site's row does not open.
 *
 * Stored form: `sealed.v1.<hint>.<base64url(iv ‖ tag ‖ ciphertext)>`. The hint is the secret's
 * last four characters, the part the admin screen already shows, so listing endpoints opens
 * nothing.
 */

const PREFIX = "sealed.v1";
const IV_BYTES = 12;
const TAG_BYTES = 16;

function keyOf(secretKey: string): Buffer {
  return Buffer.from(hkdfSync("sha256", secretKey, "orderdeck", "webhook endpoint secrets", 32));
}

/** A sealed secret that does not open: the server key changed, or the row was altered. */
export class SealedSecretUnreadable extends Error {
  constructor() {
    super("the endpoint's secret cannot be read with this server's ORDERDECK_SECRET_KEY (was the key changed?); rotate the endpoint's secret");
    this.name = "SealedSecretUnreadable";
  }
}

function hintOf(secret: string): string {
  return secret.slice(-4);
}

export function sealSecret(secretKey: string, siteId: string, secret: string): string {
  const iv = randomBytes(IV_BYTES);
  const cipher = createCipheriv("aes-256-gcm", keyOf(secretKey), iv);
  cipher.setAAD(Buffer.from(siteId));
  const sealed = Buffer.concat([cipher.update(secret, "utf8"), cipher.final()]);
  return `${PREFIX}.${hintOf(secret)}.${Buffer.concat([iv, cipher.getAuthTag(), sealed]).toString("base64url")}`;
}

/** The hint of a stored secret, without opening it. */
export function storedHint(stored: string): string {
  return stored.startsWith(`${PREFIX}.`) ? stored.slice(PREFIX.length + 1, PREFIX.length + 5) : hintOf(stored);
}

export function openSecret(secretKey: string, siteId: string, stored: string): string {
  const parts = stored.split(".");
  if (parts.length !== 4 || `${parts[0]}.${parts[1]}` !== PREFIX) throw new SealedSecretUnreadable();
  const encoded = parts[3] ?? "";
  const raw = Buffer.from(encoded, "base64url");
  // Node's decoder skips stray characters and ignores a final character's spare bits; a stored
  // seal that does not read back to exactly its own text was altered.
  if (raw.length <= IV_BYTES + TAG_BYTES || raw.toString("base64url") !== encoded) throw new SealedSecretUnreadable();
  try {
    const decipher = createDecipheriv("aes-256-gcm", keyOf(secretKey), raw.subarray(0, IV_BYTES));
    decipher.setAAD(Buffer.from(siteId));
    decipher.setAuthTag(raw.subarray(IV_BYTES, IV_BYTES + TAG_BYTES));
    return Buffer.concat([decipher.update(raw.subarray(IV_BYTES + TAG_BYTES)), decipher.final()]).toString("utf8");
  } catch {
    throw new SealedSecretUnreadable();
  }
}
