// A failed call to the server, as the person at the console is told it: the server's own refusal
// keeps its tRPC code and reason (a FORBIDDEN must not read as bad input); an unreachable server
// reads as OFFLINE, which the screens show as a state, not as an error.
import { ERROR_CODES, type DomainErrorCode } from "@orderdeck/contracts";
import { ConsoleRefusal } from "../api.ts";
import { classify } from "./server-client.ts";

/** `what` names the feature that needed the server, for the OFFLINE refusal. */
export function refusalOfServerError(error: unknown, what: string): ConsoleRefusal {
  const failure = classify(error);
  if (failure.kind === "offline") return new ConsoleRefusal("PRECONDITION_FAILED", "OFFLINE", `${what} needs the server, which cannot be reached right now (${failure.message}).`);
  if (failure.kind === "signed-out") return new ConsoleRefusal("UNAUTHORIZED", "UNAUTHENTICATED", failure.message);
  const reason = isDomainErrorCode(failure.reason) ? failure.reason : reasonOfTrpcCode(failure.code);
  return new ConsoleRefusal(refusalCodeOf(reason), reason, failure.message);
}

function isDomainErrorCode(value: string | undefined): value is DomainErrorCode {
  return value !== undefined && value in ERROR_CODES;
}

/** A server error without a domain reason (e.g. the role check): the reason its tRPC code stands for. */
function reasonOfTrpcCode(code: string | undefined): DomainErrorCode {
  switch (code) {
    case "FORBIDDEN":
      return "FORBIDDEN";
    case "NOT_FOUND":
      return "NOT_FOUND";
    case "CONFLICT":
      return "VERSION_CONFLICT";
    case "TOO_MANY_REQUESTS":
      return "RATE_LIMITED";
    case "PRECONDITION_FAILED":
      return "INVALID_TRANSITION";
    default:
      return "VALIDATION_FAILED";
  }
}

function refusalCodeOf(reason: DomainErrorCode): ConsoleRefusal["code"] {
  const code = ERROR_CODES[reason];
  return code === "SERVICE_UNAVAILABLE" ? "PRECONDITION_FAILED" : code;
}
