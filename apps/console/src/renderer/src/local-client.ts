import { createTRPCClient, httpBatchLink, httpSubscriptionLink, splitLink, type TRPCClient } from "@trpc/client";
import type { LocalRouter } from "../../shared/local-api.ts";
import { LOCAL_REQUEST_HEADER, LOCAL_TRPC_HTTP_PATH } from "../../shared/transport.ts";
import { ipcLink } from "./ipc-link.ts";

export type LocalClient = TRPCClient<LocalRouter>;
export type Shell = "electron" | "browser";

/**
 * The renderer's only way to the outside world. The same code runs in both shells; the transport is
 * chosen at runtime: the preload bridge exists only inside Electron.
 */
export function createLocalClient(): { client: LocalClient; shell: Shell } {
  const bridge = window.orderdeck;
  if (bridge) {
    return { client: createTRPCClient<LocalRouter>({ links: [ipcLink(bridge)] }), shell: "electron" };
  }
  const url = new URL(LOCAL_TRPC_HTTP_PATH, window.location.origin).href;
  return {
    client: createTRPCClient<LocalRouter>({
      links: [
        splitLink({
          condition: (op) => op.type === "subscription",
          // Server-sent events from the same 127.0.0.1 host (EventSource cannot send the header; the host allows streams without it).
          true: httpSubscriptionLink({ url }),
          false: httpBatchLink({ url, headers: { [LOCAL_REQUEST_HEADER]: "1" } }),
        }),
      ],
    }),
    shell: "browser",
  };
}
