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
    const fields = fieldErrorsOf(data);
    return { message: inWords(error.message, fields), offline: reason === "OFFLINE", reason, code, fields };
  }
  if (error instanceof Error) return { message: inWords(error.message, []), offline: false, reason: null, code: null, fields: [] };
  return { message: inWords(String(error), []), offline: false, reason: null, code: null, fields: [] };
}

/**
 * A message a person can read. Both error formatters word a validator's refusal already; a message
 * that is still JSON (a validator's issue list from elsewhere, an answer passed on as it came) is
 * never shown as such: its issues are said in words, else the field errors, else a plain sentence.
 */
function inWords(message: string, fields: Problem["fields"]): string {
  const text = message.trim();
  if (!text.startsWith("{") && !text.startsWith("[")) return message;
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    return fields.length > 0 ? "Some fields need another value." : "The request was refused.";
  }
  const issues = (Array.isArray(parsed) ? parsed : [parsed]).flatMap((entry: unknown) => {
    if (typeof entry !== "object" || entry === null) return [];
    const { path, message: said } = entry as Record<string, unknown>;
    if (typeof said !== "string") return [];
    const where = Array.isArray(path) ? path.map(String).join(".") : "";
    return [where ? `${where}: ${said}` : said];
  });
  if (issues.length > 0) return `Check the input — ${issues.join("; ")}.`;
  return fields.length > 0 ? "Some fields need another value." : "The request was refused.";
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
