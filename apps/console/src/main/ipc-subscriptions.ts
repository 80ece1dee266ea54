import {
  callTRPCProcedure,
  getTRPCErrorFromUnknown,
  getTRPCErrorShape,
  isTrackedEnvelope,
  TRPCError,
  transformTRPCResponse,
  type AnyTRPCRouter,
} from "@trpc/server";
import { isObservable, observableToAsyncIterable } from "@trpc/server/observable";
import { z } from "zod";
import {
  LOCAL_SUBSCRIPTION_EVENT_CHANNEL,
  type LocalSubscriptionEvent,
  type LocalSubscriptionMessage,
  type LocalTrpcErrorShape,
} from "../shared/transport.ts";
import type { RunLocalRequestOptions } from "./ipc-procedure.ts";

// Kept free of Electron imports so it runs (and is tested) in plain Node: Electron's WebContents
// satisfies `SubscriptionSender`.

/** The part of Electron's WebContents the host uses. */
export interface SubscriptionSender {
  readonly id: number;
  send(channel: string, ...args: unknown[]): void;
  isDestroyed(): boolean;
  once(event: "destroyed", listener: () => void): unknown;
  on(event: "render-process-gone", listener: () => void): unknown;
}

export interface SubscriptionHostOptions extends RunLocalRequestOptions {
  /** A page that opens streams in a loop must not exhaust the main process. */
  maxPerSender?: number;
}

export const DEFAULT_MAX_SUBSCRIPTIONS_PER_SENDER = 32;

const Token = z.string().min(1).max(100);
const AttachSchema = z.strictObject({ document: Token });
const StartSchema = z.strictObject({
  document: Token,
  id: Token,
  path: z.string().min(1).max(200),
  input: z.unknown(),
});
const StopSchema = z.strictObject({ document: Token, id: Token });

interface Running {
  document: string;
  controller: AbortController;
}

interface SenderEntry {
  sender: SubscriptionSender;
  /** The page currently loaded in this webContents; null until it attached. */
  document: string | null;
  running: Map<string, Running>;
}

export interface SubscriptionHost {
  /** A page (re)loaded in `sender`: every stream of the page it replaced is stopped. */
  attach(sender: SubscriptionSender, raw: unknown): void;
  start(sender: SubscriptionSender, raw: unknown): void;
  stop(sender: SubscriptionSender, raw: unknown): void;
  /** Stops everything of one webContents (closed, crashed). */
  release(senderId: number): void;
  /** Stops everything (the app is quitting). */
  releaseAll(): void;
  /** Streams still running, across all senders (for tests and diagnostics). */
  readonly size: number;
  /** Resolves once every stream has finished its cleanup (the generators' `finally` ran). */
  settled(): Promise<void>;
}

/**
 * Runs localRouter subscriptions for renderer pages. Each stream belongs to one page of one
 * webContents and ends when the page stops it, is reloaded (the next page attaches with a new
 * token) or goes away (destroyed, renderer crashed) — so no generator outlives its page.
 */
export function createSubscriptionHost(router: AnyTRPCRouter, options: SubscriptionHostOptions = {}): SubscriptionHost {
  const config = router._def._config;
  const maxPerSender = options.maxPerSender ?? DEFAULT_MAX_SUBSCRIPTIONS_PER_SENDER;
  const senders = new Map<number, SenderEntry>();
  const inFlight = new Set<Promise<void>>();

  const entryOf = (sender: SubscriptionSender): SenderEntry => {
    let entry = senders.get(sender.id);
    if (!entry) {
      entry = { sender, document: null, running: new Map() };
      senders.set(sender.id, entry);
      const release = () => host.release(sender.id);
      sender.once("destroyed", release);
      sender.on("render-process-gone", release);
    }
    return entry;
  };

  const deliver = (sender: SubscriptionSender, id: string, message: LocalSubscriptionMessage): void => {
    if (sender.isDestroyed()) return;
    const event: LocalSubscriptionEvent = { ...message, id };
    sender.send(LOCAL_SUBSCRIPTION_EVENT_CHANNEL, event);
  };

  const errorShape = (error: TRPCError, path: string | undefined, input: unknown): LocalTrpcErrorShape => {
    const shape = getTRPCErrorShape({ config, error, type: "subscription", path, input, ctx: {} });
    const envelope = transformTRPCResponse(config, { error: shape }) as { error: LocalTrpcErrorShape };
    return toPlainJson(envelope.error);
  };

  const refuse = (sender: SubscriptionSender, id: string, code: TRPCError["code"], message: string): void => {
    deliver(sender, id, { type: "error", error: errorShape(new TRPCError({ code, message }), undefined, undefined) });
  };

  const stopAll = (entry: SenderEntry, keepDocument: string | null): void => {
    for (const [id, running] of entry.running) {
      if (running.document === keepDocument) continue;
      running.controller.abort();
      entry.running.delete(id);
    }
  };

  async function run(entry: SenderEntry, id: string, path: string, input: unknown, controller: AbortController): Promise<void> {
    const { signal } = controller;
    const { sender } = entry;
    try {
      const result: unknown = await callTRPCProcedure({
        router,
        path,
        getRawInput: async () => input,
        ctx: {},
        type: "subscription",
        signal,
        batchIndex: 0,
      });
      const iterable = isObservable(result)
        ? observableToAsyncIterable(result, signal)
        : isAsyncIterable(result)
          ? result
          : null;
      if (!iterable) {
        throw new TRPCError({ code: "INTERNAL_SERVER_ERROR", message: `Subscription ${path} did not return a stream` });
      }
      const iterator = iterable[Symbol.asyncIterator]();
      try {
        if (signal.aborted) return;
        deliver(sender, id, { type: "started" });
        for (;;) {
          const next = await nextUnlessAborted(iterator, signal);
          if (next === "aborted" || next.done) break;
          const value: unknown = next.value;
          const [trackedId, data] = isTrackedEnvelope(value) ? [String(value[0]), value[1]] : [undefined, value];
          // Shaped like tRPC's own transports: a tracked value arrives as `{ id, data }`.
          if (trackedId === undefined) deliver(sender, id, { type: "data", data: plainData(data) });
          else deliver(sender, id, { type: "data", data: plainData({ id: trackedId, data }), trackedId });
        }
      } finally {
        // Lets the generator run its `finally` (e.g. leave the sync engine's listeners). Not awaited
        // when a stop interrupted a pending `next()`: return() queues behind it.
        const closing = Promise.resolve(iterator.return?.()).then(
          () => undefined,
          (cause: unknown) => report(cause, path),
        );
        if (!signal.aborted) await closing;
      }
      if (!signal.aborted) deliver(sender, id, { type: "stopped" });
    } catch (cause) {
      // A stopped stream ends quietly; its page no longer listens.
      if (signal.aborted) return;
      const error = getTRPCErrorFromUnknown(cause);
      if (error.code === "INTERNAL_SERVER_ERROR") options.onError?.(error, path);
      deliver(sender, id, { type: "error", error: errorShape(error, path, input) });
    } finally {
      if (entry.running.get(id)?.controller === controller) entry.running.delete(id);
    }
  }

  function plainData(data: unknown): unknown {
    const envelope = transformTRPCResponse(config, { result: { type: "data", data } }) as { result: { data: unknown } };
    return toPlainJson(envelope.result.data);
  }

  function report(cause: unknown, path: string): void {
    options.onError?.(getTRPCErrorFromUnknown(cause), path);
  }

  const host: SubscriptionHost = {
    attach(sender, raw) {
      const parsed = AttachSchema.safeParse(raw);
      if (!parsed.success) return;
      const entry = entryOf(sender);
      if (entry.document === parsed.data.document) return;
      entry.document = parsed.data.document;
      stopAll(entry, entry.document);
    },

    start(sender, raw) {
      const parsed = StartSchema.safeParse(raw);
      if (!parsed.success) {
        const id = Token.safeParse((raw as { id?: unknown } | null)?.id);
        if (id.success) refuse(sender, id.data, "BAD_REQUEST", "Malformed subscription request");
        return;
      }
      const { document, id, path, input } = parsed.data;
      const entry = entryOf(sender);
      // A page that never attached (its attach was refused or lost) attaches with its first stream.
      if (entry.document === null) host.attach(sender, { document });
      if (entry.document !== document) {
        refuse(sender, id, "CONFLICT", "This page was replaced by a newer one; its subscriptions have ended.");
        return;
      }
      if (entry.running.has(id)) {
        refuse(sender, id, "BAD_REQUEST", `Subscription id ${id} is already in use`);
        return;
      }
      if (entry.running.size >= maxPerSender) {
        refuse(sender, id, "TOO_MANY_REQUESTS", `This window already has ${maxPerSender} live subscriptions; close some screens and try again.`);
        return;
      }
      const controller = new AbortController();
      entry.running.set(id, { document, controller });
      const done = run(entry, id, path, input, controller);
      inFlight.add(done);
      void done.finally(() => inFlight.delete(done));
    },

    stop(sender, raw) {
      const parsed = StopSchema.safeParse(raw);
      if (!parsed.success) return;
      const entry = senders.get(sender.id);
      const running = entry?.running.get(parsed.data.id);
      if (!entry || !running || running.document !== parsed.data.document) return;
      running.controller.abort();
      entry.running.delete(parsed.data.id);
    },

    release(senderId) {
      const entry = senders.get(senderId);
      if (!entry) return;
      stopAll(entry, null);
      entry.document = null;
      if (entry.sender.isDestroyed()) senders.delete(senderId);
    },

    releaseAll() {
      for (const senderId of [...senders.keys()]) host.release(senderId);
    },

    get size() {
      let total = 0;
      for (const entry of senders.values()) total += entry.running.size;
      return total;
    },

    async settled() {
      while (inFlight.size > 0) await Promise.allSettled([...inFlight]);
    },
  };
  return host;
}

/** `iterator.next()`, or "aborted" as soon as the stream is stopped, whichever comes first. */
function nextUnlessAborted<T>(iterator: AsyncIterator<T>, signal: AbortSignal): Promise<IteratorResult<T> | "aborted"> {
  if (signal.aborted) return Promise.resolve("aborted");
  return new Promise((resolve, reject) => {
    const onAbort = () => resolve("aborted");
    signal.addEventListener("abort", onAbort, { once: true });
    iterator.next().then(
      (result) => {
        signal.removeEventListener("abort", onAbort);
        resolve(result);
      },
      (cause: unknown) => {
        signal.removeEventListener("abort", onAbort);
        reject(cause);
      },
    );
  });
}

function isAsyncIterable(value: unknown): value is AsyncIterable<unknown> {
  return typeof value === "object" && value !== null && Symbol.asyncIterator in value;
}

/** Same reason as for invokeLocal: the renderer must see what HTTP JSON would give it in browser mode. */
function toPlainJson<T>(value: T): T {
  return value === undefined ? value : (JSON.parse(JSON.stringify(value)) as T);
}
