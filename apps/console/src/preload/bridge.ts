import {
  LOCAL_SUBSCRIPTION_ATTACH_CHANNEL,
  LOCAL_SUBSCRIPTION_EVENT_CHANNEL,
  LOCAL_SUBSCRIPTION_START_CHANNEL,
  LOCAL_SUBSCRIPTION_STOP_CHANNEL,
  LOCAL_TRPC_CHANNEL,
  PRINT_CHANNEL,
  SAVE_AS_PDF_CHANNEL,
  type LocalSubscriptionEvent,
  type LocalSubscriptionMessage,
  type LocalSubscriptionStart,
  type LocalSubscriptionStop,
  type OrderDeckBridge,
} from "../shared/transport.ts";

// Electron's ipcRenderer satisfies this; the bridge is built from it in the preload and from a
// stand-in in the Node tests.
export interface IpcRendererLike {
  invoke(channel: string, ...args: unknown[]): Promise<unknown>;
  send(channel: string, ...args: unknown[]): void;
  on(channel: string, listener: (event: unknown, ...args: unknown[]) => void): unknown;
}

/**
 * The renderer gets functions bound to our channels, never ipcRenderer itself: a compromised page
 * must not be able to reach other channels or listen to main-process events. Subscription ids are
 * made here, under a token of this page load, so the page cannot address another page's streams
 * and the main process can tell a reloaded page from the one before it.
 */
export function createBridge(ipc: IpcRendererLike, documentToken: string): OrderDeckBridge {
  const listeners = new Map<string, (message: LocalSubscriptionMessage) => void>();
  let nextId = 1;

  ipc.on(LOCAL_SUBSCRIPTION_EVENT_CHANNEL, (_event, raw) => {
    const event = raw as LocalSubscriptionEvent;
    const listener = typeof event?.id === "string" ? listeners.get(event.id) : undefined;
    if (!listener) return;
    const { id, ...message } = event;
    // `error` and `stopped` are a stream's last word.
    if (message.type === "error" || message.type === "stopped") listeners.delete(id);
    listener(message);
  });
  ipc.send(LOCAL_SUBSCRIPTION_ATTACH_CHANNEL, { document: documentToken });

  return {
    shell: "electron",
    invokeLocal: (request) => ipc.invoke(LOCAL_TRPC_CHANNEL, request) as ReturnType<OrderDeckBridge["invokeLocal"]>,
    subscribeLocal: (request, onMessage) => {
      const id = `${documentToken}.${nextId++}`;
      listeners.set(id, onMessage);
      const start: LocalSubscriptionStart = { document: documentToken, id, path: request.path, input: request.input };
      ipc.send(LOCAL_SUBSCRIPTION_START_CHANNEL, start);
      return () => {
        if (!listeners.delete(id)) return;
        const stop: LocalSubscriptionStop = { document: documentToken, id };
        ipc.send(LOCAL_SUBSCRIPTION_STOP_CHANNEL, stop);
      };
    },
    print: (request) => ipc.invoke(PRINT_CHANNEL, request) as ReturnType<OrderDeckBridge["print"]>,
    saveAsPdf: (request) => ipc.invoke(SAVE_AS_PDF_CHANNEL, request) as ReturnType<OrderDeckBridge["saveAsPdf"]>,
  };
}
