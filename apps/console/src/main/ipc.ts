import { TRPCError, getTRPCErrorShape, type AnyTRPCRouter } from "@trpc/server";
import {
  LOCAL_SUBSCRIPTION_ATTACH_CHANNEL,
  LOCAL_SUBSCRIPTION_START_CHANNEL,
  LOCAL_SUBSCRIPTION_STOP_CHANNEL,
  LOCAL_TRPC_CHANNEL,
  type LocalTrpcResponse,
} from "../shared/transport.ts";
import { runLocalRequest, type RunLocalRequestOptions } from "./ipc-procedure.ts";
import { createSubscriptionHost, type SubscriptionHost, type SubscriptionSender } from "./ipc-subscriptions.ts";

// Electron's ipcMain and its events satisfy these shapes; keeping them structural lets the whole
// transport run in plain Node tests against a stand-in that behaves like Electron's IPC.

/** What a message's sender looks like: the webContents and the frame inside it that sent it. */
export interface IpcSenderEvent {
  readonly sender: SubscriptionSender;
  readonly senderFrame: { readonly url: string } | null;
}

export interface IpcMainLike {
  handle(channel: string, listener: (event: IpcSenderEvent, ...args: unknown[]) => unknown): void;
  removeHandler(channel: string): void;
  on(channel: string, listener: (event: IpcSenderEvent, ...args: unknown[]) => void): unknown;
  removeListener(channel: string, listener: (event: IpcSenderEvent, ...args: unknown[]) => void): unknown;
}

export interface ServeOverIpcOptions extends RunLocalRequestOptions {
  ipcMain: IpcMainLike;
  /**
   * Electron's security checklist: validate the sender of every IPC message. Only our own renderer
   * page may reach localRouter, never a frame or page that somehow got loaded into a webContents.
   */
  isTrustedSender: (event: IpcSenderEvent) => boolean;
  maxSubscriptionsPerSender?: number;
}

export interface IpcService {
  readonly subscriptions: SubscriptionHost;
  /** Stops serving and ends every running subscription. */
  close(): void;
}

/**
 * Serves `router` to the renderer: queries and mutations on one invoke channel, subscriptions as
 * start / stop messages with their events sent back to the requesting webContents only.
 */
export function serveRouterOverIpc(router: AnyTRPCRouter, options: ServeOverIpcOptions): IpcService {
  const { ipcMain, isTrustedSender } = options;
  const subscriptions = createSubscriptionHost(router, {
    onError: options.onError,
    maxPerSender: options.maxSubscriptionsPerSender,
  });

  ipcMain.handle(LOCAL_TRPC_CHANNEL, async (event, raw: unknown): Promise<LocalTrpcResponse> => {
    if (!isTrustedSender(event)) {
      const error = new TRPCError({ code: "FORBIDDEN", message: "Untrusted sender" });
      const shape = getTRPCErrorShape({
        config: router._def._config,
        error,
        type: "unknown",
        path: undefined,
        input: undefined,
        ctx: undefined,
      });
      return { error: { message: shape.message, code: shape.code } };
    }
    return runLocalRequest(router, raw, options);
  });

  // One-way messages from an untrusted frame are dropped without an answer: answering would
  // go to the whole webContents, and the frame has no business with streams at all.
  const onAttach = (event: IpcSenderEvent, raw: unknown) => {
    if (isTrustedSender(event)) subscriptions.attach(event.sender, raw);
  };
  const onStart = (event: IpcSenderEvent, raw: unknown) => {
    if (isTrustedSender(event)) subscriptions.start(event.sender, raw);
  };
  const onStop = (event: IpcSenderEvent, raw: unknown) => {
    if (isTrustedSender(event)) subscriptions.stop(event.sender, raw);
  };
  ipcMain.on(LOCAL_SUBSCRIPTION_ATTACH_CHANNEL, onAttach);
  ipcMain.on(LOCAL_SUBSCRIPTION_START_CHANNEL, onStart);
  ipcMain.on(LOCAL_SUBSCRIPTION_STOP_CHANNEL, onStop);

  return {
    subscriptions,
    close() {
      ipcMain.removeHandler(LOCAL_TRPC_CHANNEL);
      ipcMain.removeListener(LOCAL_SUBSCRIPTION_ATTACH_CHANNEL, onAttach);
      ipcMain.removeListener(LOCAL_SUBSCRIPTION_START_CHANNEL, onStart);
      ipcMain.removeListener(LOCAL_SUBSCRIPTION_STOP_CHANNEL, onStop);
      subscriptions.releaseAll();
    },
  };
}
