// The API as a console sees it: tRPC over plain HTTP (no transformer), so that every answer's
// real status code is what the suite checks, not a caller's exception.

export interface ApiAnswer<T = unknown> {
  /** HTTP status; 0 when no answer came (connection refused or reset, or the time bound passed). */
  status: number;
  data?: T;
  error?: { message: string; code: string; reason?: string; details?: Record<string, unknown> };
  /** What went wrong below HTTP when status is 0. */
  networkError?: string;
  ms: number;
}

export interface CallOptions {
  /** Give up (status 0) after this long. */
  timeoutMs?: number;
  requestId?: string;
  headers?: Record<string, string>;
}

interface TrpcBody {
  result?: { data?: unknown };
  error?: { message?: string; data?: { code?: string; reason?: string; details?: Record<string, unknown> } };
}

export class ApiClient {
  constructor(
    readonly baseUrl: string,
    readonly headers: Record<string, string> = {},
  ) {}

  /** The same client with more (or replaced) headers. */
  with(headers: Record<string, string>): ApiClient {
    return new ApiClient(this.baseUrl, { ...this.headers, ...headers });
  }

  query<T = unknown>(path: string, input?: unknown, options: CallOptions = {}): Promise<ApiAnswer<T>> {
    const query = input === undefined ? "" : `?input=${encodeURIComponent(JSON.stringify(input))}`;
    return this.send<T>("GET", `${path}${query}`, undefined, options);
  }

  /**
   * Opens a subscription's server-sent event stream and closes it as soon as the answer's status
   * and headers are in: what a console's first look at sync.events sees (the stream's events are
   * sync-events.test.ts's). A refusal answers with its status before any stream.
   */
  async openStream(path: string, input?: unknown, options: CallOptions = {}): Promise<ApiAnswer<undefined> & { contentType: string | null }> {
    const started = performance.now();
    const query = input === undefined ? "" : `?input=${encodeURIComponent(JSON.stringify(input))}`;
    const closing = new AbortController();
    const timeout = AbortSignal.timeout(options.timeoutMs ?? 30_000);
    try {
      const response = await fetch(`${this.baseUrl}/trpc/${path}${query}`, {
        headers: { ...this.headers, ...options.headers, accept: "text/event-stream" },
        signal: AbortSignal.any([closing.signal, timeout]),
      });
      const contentType = response.headers.get("content-type");
      closing.abort();
      await response.body?.cancel().catch(() => undefined);
      return { status: response.status, contentType, ms: performance.now() - started };
    } catch (error) {
      return { status: 0, contentType: null, networkError: error instanceof Error ? error.message : String(error), ms: performance.now() - started };
    }
  }

  mutate<T = unknown>(path: string, input?: unknown, options: CallOptions = {}): Promise<ApiAnswer<T>> {
    return this.send<T>("POST", path, input === undefined ? undefined : JSON.stringify(input), options);
  }

  private async send<T>(method: string, pathAndQuery: string, body: string | undefined, options: CallOptions): Promise<ApiAnswer<T>> {
    const started = performance.now();
    const headers: Record<string, string> = { ...this.headers, ...options.headers };
    // tRPC reads a mutation's body as JSON, and refuses a POST without that content type (415)
    // even when the procedure takes no input.
    if (method === "POST") headers["content-type"] = "application/json";
    if (options.requestId) headers["x-request-id"] = options.requestId;
    try {
      const response = await fetch(`${this.baseUrl}/trpc/${pathAndQuery}`, {
        method,
        headers,
        body,
        signal: AbortSignal.timeout(options.timeoutMs ?? 30_000),
      });
      const text = await response.text();
      const ms = performance.now() - started;
      let parsed: TrpcBody = {};
      try {
        parsed = JSON.parse(text) as TrpcBody;
      } catch {
        return { status: response.status, error: { message: text.slice(0, 200), code: "UNPARSEABLE" }, ms };
      }
      if (response.ok) return { status: response.status, data: parsed.result?.data as T, ms };
      return {
        status: response.status,
        error: {
          message: parsed.error?.message ?? "",
          code: parsed.error?.data?.code ?? "UNKNOWN",
          reason: parsed.error?.data?.reason,
          details: parsed.error?.data?.details,
        },
        ms,
      };
    } catch (error) {
      const cause = error instanceof Error && error.cause instanceof Error ? `: ${error.cause.message}` : "";
      return { status: 0, networkError: `${error instanceof Error ? error.message : String(error)}${cause}`, ms: performance.now() - started };
    }
  }
}
