import { TRPCClientError } from "@trpc/client";

export interface Problem {
  message: string;
  /** The console refused because the server cannot be reached: a normal state, said plainly. */
  offline: boolean;
  /** The console's or the server's reason code (DomainError code, OFFLINE, NOT_SET_UP), when given. */
  reason: string | null;
  code: string | null;
  /** Input refused field by field ("customer.email": "Invalid email address"), for a form to show beside each field. */
  fields: Array<{ path: string; message: string }>;
}

/** What went wrong, in words a person can act on, from whatever a tRPC call threw. */
export function problemOf(error: unknown): Problem {
  if (error instanceof TRPCClientError) {
    const data: unknown = error.data;
    const reason = readString(data, "reason");
    const code = readString(data, "code");
    return { message: error.message, offline: reason === "OFFLINE", reason, code, fields: fieldErrorsOf(data) };
  }
  if (error instanceof Error) return { message: error.message, offline: false, reason: null, code: null, fields: [] };
  return { message: String(error), offline: false, reason: null, code: null, fields: [] };
}

function fieldErrorsOf(data: unknown): Problem["fields"] {
  if (typeof data !== "object" || data === null || !("fieldErrors" in data) || !Array.isArray(data.fieldErrors)) return [];
  return data.fieldErrors.flatMap((entry: unknown) => {
    if (typeof entry !== "object" || entry === null) return [];
    const { path, message } = entry as Record<string, unknown>;
    return typeof path === "string" && typeof message === "string" ? [{ path, message }] : [];
  });
}

function readString(value: unknown, key: string): string | null {
  if (typeof value !== "object" || value === null || !(key in value)) return null;
  const found = (value as Record<string, unknown>)[key];
  return typeof found === "string" ? found : null;
}
