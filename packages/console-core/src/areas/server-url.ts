import { ConsoleRefusal } from "../api.ts";

/** The server URL as the console stores and shows it: http(s) only, without a trailing slash. */
export function normaliseServerUrl(raw: string): string {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new Error(`Server URL is not a valid URL: ${JSON.stringify(raw)}`);
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") {
    throw new Error(`Server URL must be http or https, got ${url.protocol}`);
  }
  // Keep what the operator typed (minus a trailing slash) so the UI shows a recognisable address.
  return url.href.replace(/\/+$/, "");
}

/** The same rule for a URL a person typed into setup: a malformed one is theirs to fix, so a refusal. */
export function serverUrlFromInput(raw: string): string {
  try {
    return normaliseServerUrl(raw);
  } catch (error) {
    throw new ConsoleRefusal("BAD_REQUEST", "VALIDATION_FAILED", error instanceof Error ? error.message : String(error));
  }
}
