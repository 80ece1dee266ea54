import { TRPCClientError } from "@trpc/client";

export interface Problem {
  message: string;
  /** The console refused because the server cannot be reached: a normal state, said plainly. */
  offline: boolean;
  /** The console's or the server's reason code (DomainError code, OFFLINE, NOT_SET_UP), when given. */
  reason: string | null;
  code: string | null;
}

/** What went wrong, in words a person can act on, from whatever a tRPC call threw. */
export function problemOf(error: unknown): Problem {
  if (error instanceof TRPCClientError) {
    const data: unknown = error.data;
    const reason = readString(data, "reason");
    const code = readString(data, "code");
    return { message: error.message, offline: reason === "OFFLINE", reason, code };
  }
  if (error instanceof Error) return { message: error.message, offline: false, reason: null, code: null };
  return { message: String(error), offline: false, reason: null, code: null };
}

function readString(value: unknown, key: string): string | null {
  if (typeof value !== "object" || value === null || !(key in value)) return null;
  const found = (value as Record<string, unknown>)[key];
  return typeof found === "string" ? found : null;
}
