import { randomBytes } from "node:crypto";
import { hash, verify } from "@node-rs/argon2";

// OWASP's argon2id baseline (19 MiB, 2 passes, 1 lane): slow enough to hurt a guesser, fast
// enough for a login on the shop's machines. Argon2id is the library's default algorithm (its
// enum is a const enum, which isolated modules cannot import).
const PARAMS = { memoryCost: 19_456, timeCost: 2, parallelism: 1 } as const;

export function hashPassword(plain: string): Promise<string> {
  return hash(plain, PARAMS);
}

export async function verifyPassword(passwordHash: string, plain: string): Promise<boolean> {
  try {
    return await verify(passwordHash, plain);
  } catch {
    // A malformed stored hash is a refusal, not a crash.
    return false;
  }
}

// A hash of a password nobody knows, made with the same parameters as real ones; made once per
// process, on first need.
let decoyHash: Promise<string> | undefined;

/**
 * Spends the time of a real verification and fails. Sign-in calls it when no account has the
 * address given, so that an unknown address and a wrong password take about as long.
 */
export async function verifyAgainstDecoy(plain: string): Promise<false> {
  decoyHash ??= hashPassword(randomBytes(32).toString("base64url"));
  await verifyPassword(await decoyHash, plain);
  return false;
}
