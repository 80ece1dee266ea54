import { createTRPCClient } from "@trpc/client";
import type { LocalRouter } from "../../shared/local-api.ts";
import { LOCAL_TRPC_HTTP_PATH } from "../../shared/transport.ts";
import { browserModeLinks } from "./browser-links.ts";
import { ipcLink } from "./ipc-link.ts";
import type { LocalClient } from "./trpc.ts";

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
  return { client: createTRPCClient<LocalRouter>({ links: browserModeLinks(url) }), shell: "browser" };
}
