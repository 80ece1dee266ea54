import { initTRPC } from "@trpc/server";
import { z } from "zod";
import { Readiness, ReadinessCheck } from "@orderdeck/contracts";

/**
 * What the console knows about its OrderDeck server. Plain JSON (ISO strings, no Dates) because the
 * same value crosses Electron IPC and HTTP, and both transports must hand the renderer identical data.
 */
export const ServerStatus = z.object({
  url: z.string(),
  /** The server answered HTTP at all; false means offline, which is a normal state, not a failure. */
  reachable: z.boolean(),
  /** `/readyz` answered 200 with `ready: true`. */
  ready: z.boolean(),
  version: z.string().nullable(),
  checks: z.array(ReadinessCheck),
  checkedAt: z.string(),
  /** Why the server is unreachable or its answer unusable; null when it answered a readiness document. */
  error: z.string().nullable(),
});
export type ServerStatus = z.infer<typeof ServerStatus>;

export const ConsoleStatus = z.object({ server: ServerStatus });
export type ConsoleStatus = z.infer<typeof ConsoleStatus>;

export interface LocalRouterOptions {
  /** Base URL of the OrderDeck API, e.g. `http://127.0.0.1:4000`. */
  serverUrl: string;
  /** Injected for tests; defaults to the global fetch. */
  fetch?: typeof globalThis.fetch;
  /** Kept well under the renderer's refresh interval so a hung server never stacks up probes. */
  readinessTimeoutMs?: number;
  now?: () => Date;
}

export const DEFAULT_READINESS_TIMEOUT_MS = 2_000;

const t = initTRPC.create({ isServer: true });

export function createLocalRouter(options: LocalRouterOptions) {
  const serverUrl = normaliseServerUrl(options.serverUrl);
  const doFetch = options.fetch ?? globalThis.fetch;
  const timeoutMs = options.readinessTimeoutMs ?? DEFAULT_READINESS_TIMEOUT_MS;
  const now = options.now ?? (() => new Date());
  // Resolve against the base with a trailing slash so a server mounted under a path prefix keeps it.
  const readyzUrl = new URL("readyz", serverUrl.endsWith("/") ? serverUrl : `${serverUrl}/`).href;

  // Several windows (or a fast poller) asking at once share one probe instead of multiplying load
  // on a server that may already be struggling.
  let inFlight: Promise<ServerStatus> | null = null;
  const probe = (): Promise<ServerStatus> => {
    inFlight ??= probeServer(doFetch, serverUrl, readyzUrl, timeoutMs, now).finally(() => {
      inFlight = null;
    });
    return inFlight;
  };

  return t.router({
    status: t.procedure.output(ConsoleStatus).query(async () => ({ server: await probe() })),
  });
}

export type LocalRouter = ReturnType<typeof createLocalRouter>;

function normaliseServerUrl(raw: string): string {
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

async function probeServer(
  doFetch: typeof globalThis.fetch,
  url: string,
  readyzUrl: string,
  timeoutMs: number,
  now: () => Date,
): Promise<ServerStatus> {
  const base = { url, version: null, checks: [] };
  let response: Response;
  try {
    response = await doFetch(readyzUrl, {
      headers: { accept: "application/json" },
      signal: AbortSignal.timeout(timeoutMs),
    });
  } catch (cause) {
    return {
      ...base,
      reachable: false,
      ready: false,
      checkedAt: now().toISOString(),
      error: describeFetchFailure(cause, timeoutMs),
    };
  }

  let body: unknown;
  try {
    body = await response.json();
  } catch {
    body = undefined;
  }
  const checkedAt = now().toISOString();
  const parsed = Readiness.safeParse(body);
  // 503 is how the server says "alive but not ready" and still carries the checks worth showing.
  if (parsed.success && (response.status === 200 || response.status === 503)) {
    return {
      url,
      reachable: true,
      ready: response.status === 200 && parsed.data.ready,
      version: parsed.data.version,
      checks: parsed.data.checks,
      checkedAt,
      error: null,
    };
  }
  return {
    ...base,
    reachable: true,
    ready: false,
    checkedAt,
    error: parsed.success
      ? `Unexpected HTTP ${response.status} from /readyz`
      : `HTTP ${response.status} from /readyz without a readiness document`,
  };
}

function describeFetchFailure(cause: unknown, timeoutMs: number): string {
  if (cause instanceof Error) {
    if (cause.name === "TimeoutError" || cause.name === "AbortError") {
      return `No answer within ${timeoutMs} ms`;
    }
    // undici reports "fetch failed" and hides the useful part (ECONNREFUSED, ENOTFOUND…) in `cause`.
    const inner: unknown = cause.cause;
    if (inner instanceof Error) {
      const code = (inner as Error & { code?: unknown }).code;
      return typeof code === "string" && !inner.message.includes(code) ? `${code}: ${inner.message}` : inner.message;
    }
    return cause.message;
  }
  return String(cause);
}
