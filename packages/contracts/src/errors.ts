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
