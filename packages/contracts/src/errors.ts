/**
 * Domain error codes shared by the server and the console. Each maps to one tRPC error code;
 * the console switches on `reason` (carried in the error's data) to pick the screen to show.
 */
export const ERROR_CODES = {
  VALIDATION_FAILED: "BAD_REQUEST",
  UNAUTHENTICATED: "UNAUTHORIZED",
  FORBIDDEN: "FORBIDDEN",
  NOT_FOUND: "NOT_FOUND",
  VERSION_CONFLICT: "CONFLICT",
  DUPLICATE: "CONFLICT",
  INVALID_TRANSITION: "PRECONDITION_FAILED",
  RATE_LIMITED: "TOO_MANY_REQUESTS",
  INVALID_CODE: "BAD_REQUEST",
  UNKNOWN_CODE: "NOT_FOUND",
  NOT_READY: "PRECONDITION_FAILED",
  UNPAID: "PRECONDITION_FAILED",
  ALREADY_PICKED_UP: "CONFLICT",
  CANCELLED: "PRECONDITION_FAILED",
  SERVICE_UNAVAILABLE: "SERVICE_UNAVAILABLE",
  /** The change would leave a site without an enabled admin, or an admin locked out of their own account. */
  WOULD_LOCK_OUT: "PRECONDITION_FAILED",
} as const;

export type DomainErrorCode = keyof typeof ERROR_CODES;
export type TrpcErrorCode = (typeof ERROR_CODES)[DomainErrorCode];

/** A rule of the product was broken; the message is written for the person at the console. */
export class DomainError extends Error {
  readonly reason: DomainErrorCode;
  readonly details: Record<string, unknown> | undefined;

  constructor(reason: DomainErrorCode, message: string, details?: Record<string, unknown>) {
    super(message);
    this.name = "DomainError";
    this.reason = reason;
    this.details = details;
  }
}

/** One problem with a request's input, as schema validation reports it. */
export interface InputIssue {
  path: readonly PropertyKey[];
  message: string;
}

/**
 * Input problems as one sentence a person can act on ("title: Too small: expected string to have
 * >=1 characters; dueAt: Invalid ISO datetime"), instead of the validator's JSON list.
 */
export function describeInputIssues(issues: readonly InputIssue[]): string {
  const listed = issues.slice(0, 5).map((issue) => {
    const where = issue.path.map(String).join(".");
    return where ? `${where}: ${issue.message}` : issue.message;
  });
  if (issues.length > listed.length) listed.push(`and ${issues.length - listed.length} more`);
  return listed.length > 0 ? `Check the input — ${listed.join("; ")}.` : "The input is not valid.";
}
