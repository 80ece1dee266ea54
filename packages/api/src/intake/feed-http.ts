import http, { type IncomingMessage } from "node:http";
import https from "node:https";
import { DestinationRefused, publicOnlyLookup, refusedLiteral } from "../outbound/destination.ts";

/*
 * One GET to a storefront, as the feed makes it. An admin types the base URL, but the process
 * that reads it sits inside the shop's network, and the request carries the feed's bearer token:
 * so, like a webhook delivery, it goes only to public addresses (checked on the address the
 * connection actually uses, after DNS) unless INTAKE_ALLOW_PRIVATE_NETWORKS opens the shop's
 * own network, and it never follows a redirect to another origin (scheme, host and port): the
 * token would go with it. A redirect within the storefront's own origin is followed, at most
 * MAX_FEED_REDIRECTS times.
 */

export interface FeedSettings {
  /** Longest wait for one request, body included (redirects too). */
  timeoutMs: number;
  /** Further attempts after a timeout, a network error, HTTP 429 or 5xx. */
  retries: number;
  /** Wait before the first retry; doubles for each next one. */
  retryDelayMs: number;
  /** Largest response body read. */
  maxBodyBytes: number;
  /** Read storefronts on loopback, private and link-local addresses too (INTAKE_ALLOW_PRIVATE_NETWORKS). */
  allowPrivateNetworks: boolean;
}

export const DEFAULT_FEED_SETTINGS: FeedSettings = {
  timeoutMs: 10_000,
  retries: 2,
  retryDelayMs: 500,
  maxBodyBytes: 10 * 1024 * 1024,
  allowPrivateNetworks: false,
};

export const MAX_FEED_REDIRECTS = 3;

/** The storefront could not be read. `retryable` failures are tried again within the request. */
export class FeedError extends Error {
  override name = "FeedError";
  constructor(
    message: string,
    readonly retryable: boolean,
  ) {
    super(message);
  }
}

/** A storefront's answer: its status, and its body for the caller to read or drop. */
export interface FeedAnswer {
  status: number;
  /** The body as text, at most `maxBodyBytes`. */
  text(): Promise<string>;
  discard(): void;
}

function describeNetworkError(error: unknown, settings: FeedSettings, signal: AbortSignal): FeedError {
  if (error instanceof FeedError) return error;
  // The timeout covers the body too: a read it cut off fails with the socket's own error.
  if (signal.aborted) return new FeedError(`the storefront did not answer within ${settings.timeoutMs} ms`, true);
  if (error instanceof DestinationRefused) {
    const where = error.address === error.host ? error.host : `${error.host} (at ${error.address})`;
    return new FeedError(
      `${where} is a private, loopback or reserved address; the feed reads storefronts on public addresses only ` +
        "(set INTAKE_ALLOW_PRIVATE_NETWORKS=true to read one inside the shop's network)",
      false,
    );
  }
  const code = (error as { code?: unknown } | null)?.code;
  const detail = typeof code === "string" ? code : error instanceof Error ? error.message : String(error);
  return new FeedError(`the storefront could not be reached (${detail})`, true);
}

function send(target: URL, headers: Record<string, string>, settings: FeedSettings, signal: AbortSignal): Promise<IncomingMessage> {
  return new Promise((resolve, reject) => {
    const request = (target.protocol === "https:" ? https : http).request(
      target,
      {
        method: "GET",
        headers,
        signal,
        // A connection of its own: a kept-alive socket opened under other rules is never reused.
        agent: false,
        ...(settings.allowPrivateNetworks ? {} : { lookup: publicOnlyLookup }),
      },
      resolve,
    );
    request.on("error", reject);
    request.end();
  });
}

async function readLimited(response: IncomingMessage, maxBytes: number): Promise<string> {
  const tooLarge = () => new FeedError(`the storefront's answer is larger than ${maxBytes} bytes`, false);
  if (Number(response.headers["content-length"] ?? "0") > maxBytes) {
    response.destroy();
    throw tooLarge();
  }
  const chunks: Buffer[] = [];
  let total = 0;
  for await (const chunk of response as AsyncIterable<Buffer>) {
    total += chunk.byteLength;
    if (total > maxBytes) {
      response.destroy();
      throw tooLarge();
    }
    chunks.push(chunk);
  }
  return Buffer.concat(chunks).toString("utf8");
}

const isRedirect = (status: number) => [301, 302, 303, 307, 308].includes(status);

/** GET `url` under the destination rule and the redirect rule above; errors are FeedErrors. */
export async function getFromStorefront(url: string, headers: Record<string, string>, settings: FeedSettings): Promise<FeedAnswer> {
  const signal = AbortSignal.timeout(settings.timeoutMs);
  let target = new URL(url);
  try {
    for (let redirects = 0; ; redirects++) {
      const literal = settings.allowPrivateNetworks ? null : refusedLiteral(target);
      if (literal) throw literal;
      const response = await send(target, headers, settings, signal);
      const status = response.statusCode ?? 0;
      const location = response.headers.location;
      if (!isRedirect(status) || !location) {
        return {
          status,
          text: () => readLimited(response, settings.maxBodyBytes).catch((error: unknown) => Promise.reject(describeNetworkError(error, settings, signal))),
          discard: () => void response.destroy(),
        };
      }
      response.destroy();
      let next: URL;
      try {
        next = new URL(location, target);
      } catch {
        throw new FeedError(`the storefront answered HTTP ${status} with a Location that is not an address`, false);
      }
      if (next.origin !== target.origin) {
        throw new FeedError(
          `the storefront redirected to ${next.origin}, away from ${target.origin}; the feed follows no redirect to another address ` +
            "(its token would go along): if the storefront moved, set the source's base URL to the new address",
          false,
        );
      }
      if (redirects >= MAX_FEED_REDIRECTS) {
        throw new FeedError(`the storefront redirected more than ${MAX_FEED_REDIRECTS} times; check the source's base URL`, false);
      }
      target = next;
    }
  } catch (error) {
    throw describeNetworkError(error, settings, signal);
  }
}
