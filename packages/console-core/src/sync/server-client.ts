// The console's line to the OrderDeck server: tRPC over HTTP for calls, server-sent events for
// sync.events. console-core does not import the API's router types (dependency direction), so
// calls are made by path and every answer is checked against the contracts' schemas.
import { createTRPCUntypedClient, httpLink, httpSubscriptionLink, splitLink, TRPCClientError, type TRPCUntypedClient } from "@trpc/client";
import type { AnyTRPCRouter } from "@trpc/server";
import { EventSource } from "eventsource";
import type { z } from "zod";

export interface ServerCredentials {
  sessionToken: string | null;
  stationToken: string | null;
}

export interface ServerClientOptions {
  url: string;
  credentials: () => ServerCredentials;
  /** Longest a call may take before the server counts as unreachable. */
  timeoutMs?: number;
  fetch?: typeof globalThis.fetch;
}

/** How a failed call is to be read: the server is away, it refused the caller's session, or it answered "no". */
export type FailureKind = "offline" | "signed-out" | "refused";

export class ServerCallError extends Error {
  readonly kind: FailureKind;
  readonly code: string | undefined;
  readonly reason: string | undefined;
  readonly httpStatus: number | undefined;

  constructor(message: string, kind: FailureKind, details: { code?: string; reason?: string; httpStatus?: number; cause?: unknown } = {}) {
    super(message, { cause: details.cause });
    this.name = "ServerCallError";
    this.kind = kind;
    this.code = details.code;
    this.reason = details.reason;
    this.httpStatus = details.httpStatus;
  }
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null;
}

/** Network failures, timeouts and 5xx are "offline"; 401 is "signed out"; other answers are refusals. */
export function classify(error: unknown): ServerCallError {
  if (error instanceof ServerCallError) return error;
  if (error instanceof TRPCClientError) {
    const data: unknown = error.data;
    const httpStatus = isRecord(data) && typeof data.httpStatus === "number" ? data.httpStatus : undefined;
    const code = isRecord(data) && typeof data.code === "string" ? data.code : undefined;
    const reason = isRecord(data) && typeof data.reason === "string" ? data.reason : undefined;
    if (httpStatus === undefined || httpStatus >= 500) {
      return new ServerCallError(httpStatus ? `The server failed (HTTP ${httpStatus}): ${error.message}` : `The server cannot be reached: ${describe(error)}`, "offline", {
        httpStatus,
        code,
        cause: error,
      });
    }
    if (httpStatus === 401) return new ServerCallError(error.message, "signed-out", { httpStatus, code, reason, cause: error });
    return new ServerCallError(error.message, "refused", { httpStatus, code, reason, cause: error });
  }
  return new ServerCallError(`The server cannot be reached: ${error instanceof Error ? error.message : String(error)}`, "offline", { cause: error });
}

function describe(error: Error): string {
  const cause = error.cause;
  if (cause instanceof Error) {
    const inner: unknown = cause.cause;
    if (inner instanceof Error) {
      const code = (inner as Error & { code?: unknown }).code;
      return typeof code === "string" ? code : inner.message;
    }
    return cause.name === "TimeoutError" ? "no answer in time" : cause.message;
  }
  return error.message;
}

export interface ServerClient {
  readonly url: string;
  query<S extends z.ZodType>(path: string, input: unknown, schema: S): Promise<z.output<S>>;
  mutation<S extends z.ZodType>(path: string, input: unknown, schema: S): Promise<z.output<S>>;
  /** POSTs JSON to one of the server's plain HTTP routes (e.g. `/exports/jobs.csv`) and answers its text. */
  download(path: string, body: unknown): Promise<string>;
  /** Subscribes to a stream; returns what stops it. */
  subscribe(path: string, handlers: { onData: (data: unknown) => void; onError: (error: ServerCallError) => void; onStarted?: () => void }): () => void;
}

export function createServerClient(options: ServerClientOptions): ServerClient {
  const base = options.url.replace(/\/+$/, "");
  const trpcUrl = `${base}/trpc`;
  const timeoutMs = options.timeoutMs ?? 10_000;
  const doFetch = options.fetch ?? globalThis.fetch;
  const headers = (): Record<string, string> => {
    const credentials = options.credentials();
    return {
      ...(credentials.sessionToken ? { authorization: `Bearer ${credentials.sessionToken}` } : {}),
      ...(credentials.stationToken ? { "x-station-token": credentials.stationToken } : {}),
    };
  };
  const timedFetch: typeof globalThis.fetch = (input, init) => {
    const timeout = AbortSignal.timeout(timeoutMs);
    const signal = init?.signal ? AbortSignal.any([init.signal, timeout]) : timeout;
    return doFetch(input, { ...init, signal });
  };
  const client: TRPCUntypedClient<AnyTRPCRouter> = createTRPCUntypedClient<AnyTRPCRouter>({
    links: [
      splitLink({
        condition: (op) => op.type === "subscription",
        true: httpSubscriptionLink({
          url: trpcUrl,
          EventSource,
          // The stream's GET carries the same credentials as every call; nothing goes in the URL.
          eventSourceOptions: () => ({
            fetch: (input, init) => doFetch(input, { ...init, headers: { ...init.headers, ...headers() } }),
          }),
        }),
        false: httpLink({ url: trpcUrl, headers, fetch: timedFetch }),
      }),
    ],
  });

  const call = async <S extends z.ZodType>(kind: "query" | "mutation", path: string, input: unknown, schema: S): Promise<z.output<S>> => {
    let answer: unknown;
    try {
      answer = kind === "query" ? await client.query(path, input) : await client.mutation(path, input);
    } catch (error) {
      throw classify(error);
    }
    const parsed = schema.safeParse(answer);
    if (!parsed.success) {
      throw new ServerCallError(`The server's answer to ${path} is not one this console understands (a different version?)`, "refused");
    }
    return parsed.data;
  };

  const download = async (path: string, body: unknown): Promise<string> => {
    let response: Response;
    try {
      response = await timedFetch(`${base}${path}`, { method: "POST", headers: { "content-type": "application/json", ...headers() }, body: JSON.stringify(body) });
    } catch (error) {
      throw new ServerCallError(`The server cannot be reached: ${error instanceof Error ? describe(error) : String(error)}`, "offline", { cause: error });
    }
    if (response.ok) return response.text();
    // The routes answer { error, reason? } like the API's refusals.
    const answer: unknown = await response.json().catch(() => null);
    const message = isRecord(answer) && typeof answer.error === "string" ? answer.error : `HTTP ${response.status}`;
    const reason = isRecord(answer) && typeof answer.reason === "string" ? answer.reason : undefined;
    if (response.status >= 500) throw new ServerCallError(`The server failed (HTTP ${response.status}): ${message}`, "offline", { httpStatus: response.status });
    throw new ServerCallError(message, response.status === 401 ? "signed-out" : "refused", { httpStatus: response.status, ...(reason ? { reason } : {}) });
  };

  return {
    url: base,
    query: (path, input, schema) => call("query", path, input, schema),
    mutation: (path, input, schema) => call("mutation", path, input, schema),
    download,
    subscribe(path, handlers) {
      const subscription = client.subscription(path, undefined, {
        onData: handlers.onData,
        onError: (error: unknown) => handlers.onError(classify(error)),
        onStarted: () => handlers.onStarted?.(),
        onConnectionStateChange: (state: { state: string; error: unknown }) => {
          // The stream broke (the server went away): say so, rather than let it retry unseen.
          if (state.state === "connecting" && state.error) handlers.onError(classify(state.error));
        },
      });
      return () => subscription.unsubscribe();
    },
  };
}
