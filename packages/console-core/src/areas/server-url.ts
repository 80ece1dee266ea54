import { ConsoleRefusal } from "../api.ts";
import { normaliseServerUrl as normalised } from "../local-router.ts";

/** The server URL as setup stores it; a malformed one is the person's input to fix, so a refusal. */
export function normaliseServerUrl(raw: string): string {
  try {
    return normalised(raw);
  } catch (error) {
    throw new ConsoleRefusal("BAD_REQUEST", "VALIDATION_FAILED", error instanceof Error ? error.message : String(error));
  }
}
