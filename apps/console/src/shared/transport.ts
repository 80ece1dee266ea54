/** Where browser mode serves localRouter over HTTP (same origin as the page, 127.0.0.1 only). */
export const LOCAL_TRPC_HTTP_PATH = "/local/trpc";

/**
 * Sent by the renderer on every browser-mode request and required by the host. A cross-site page
 * cannot add a custom header without a CORS preflight, which the host never grants, so this (with
 * the Origin and Host checks) keeps other web pages from driving the console.
 */
export const LOCAL_REQUEST_HEADER = "x-orderdeck-console";

/**
 * The wire format of localRouter over Electron IPC. Isomorphic (no DOM, no Node, no Electron):
 * imported by main, preload and renderer so the three cannot drift apart.
 *
 * Responses use tRPC's own envelope (`{ result: { data } }` or `{ error: shape }`) so the renderer
 * link can hand them to `TRPCClientError.from` exactly as tRPC's HTTP links do.
 */
export const LOCAL_TRPC_CHANNEL = "orderdeck:local-trpc";
export const PRINT_CHANNEL = "orderdeck:print";
export const SAVE_AS_PDF_CHANNEL = "orderdeck:save-as-pdf";

/**
 * Subscriptions (e.g. `sync.onState`) need a push channel. The renderer sends one-way messages —
 * attach once per page load, then start / stop per subscription — and the main process answers on
 * the event channel, to the requesting webContents only.
 */
export const LOCAL_SUBSCRIPTION_ATTACH_CHANNEL = "orderdeck:local-subscription:attach";
export const LOCAL_SUBSCRIPTION_START_CHANNEL = "orderdeck:local-subscription:start";
export const LOCAL_SUBSCRIPTION_STOP_CHANNEL = "orderdeck:local-subscription:stop";
export const LOCAL_SUBSCRIPTION_EVENT_CHANNEL = "orderdeck:local-subscription:event";

export interface LocalTrpcRequest {
  type: "query" | "mutation";
  path: string;
  input: unknown;
}

/** What the renderer asks for; the preload adds the ids, so a page cannot address another page's streams. */
export interface LocalSubscriptionRequest {
  path: string;
  input: unknown;
}

/**
 * On the wire from preload to main. `document` is a random token per page load: a reload gets a
 * new one, and the main process stops every stream the previous page left behind.
 */
export interface LocalSubscriptionStart extends LocalSubscriptionRequest {
  document: string;
  id: string;
}

export interface LocalSubscriptionStop {
  document: string;
  id: string;
}

/** From main to the renderer; `stopped` is always the last message of a subscription, `error` ends it too. */
export type LocalSubscriptionMessage =
  | { type: "started" }
  | { type: "data"; data: unknown; trackedId?: string }
  | { type: "error"; error: LocalTrpcErrorShape }
  | { type: "stopped" };

export type LocalSubscriptionEvent = LocalSubscriptionMessage & { id: string };

export interface LocalTrpcErrorShape {
  message: string;
  code: number;
  data?: unknown;
}

export type LocalTrpcResponse =
  | { result: { type?: "data"; data: unknown } }
  | { error: LocalTrpcErrorShape };

/** Paper the console prints on: office sheets for the handoff, an 80 mm receipt roll at the counter. */
export type PrintPageSize = "A4" | "Letter" | "80mm";

export interface PrintRequest {
  pageSize: PrintPageSize;
}

export interface SaveAsPdfRequest extends PrintRequest {
  /** File name offered in the save dialog, e.g. "handoff-2026-11-23.pdf". */
  suggestedName: string;
}

/** What the preload script exposes on `window.orderdeck`: deliberately this small. */
export interface OrderDeckBridge {
  readonly shell: "electron";
  invokeLocal(request: LocalTrpcRequest): Promise<LocalTrpcResponse>;
  /** Starts a localRouter subscription; `onMessage` gets its messages until the returned function is called or it ends. */
  subscribeLocal(request: LocalSubscriptionRequest, onMessage: (message: LocalSubscriptionMessage) => void): () => void;
  /** Prints the current page (its print stylesheet) through `webContents.print`. */
  print(request: PrintRequest): Promise<{ printed: boolean }>;
  /** Renders the current page with `webContents.printToPDF` and saves it where the user chooses; null when cancelled. */
  saveAsPdf(request: SaveAsPdfRequest): Promise<{ savedTo: string | null }>;
}

export const BRIDGE_KEY = "orderdeck";
