import { ipcMain, type IpcMainInvokeEvent } from "electron";
import { TRPCError, getTRPCErrorShape, type AnyTRPCRouter } from "@trpc/server";
import { LOCAL_TRPC_CHANNEL, type LocalTrpcResponse } from "../shared/transport.ts";
import { runLocalRequest, type RunLocalRequestOptions } from "./ipc-procedure.ts";

export interface ServeOverIpcOptions extends RunLocalRequestOptions {
  /**
   * Electron's security checklist: validate the sender of every IPC message. Only our own renderer
   * page may reach localRouter, never a frame or page that somehow got loaded into a webContents.
   */
  isTrustedSender: (event: IpcMainInvokeEvent) => boolean;
}

/** Serves `router` to the renderer on one invoke channel; returns a function that stops serving. */
export function serveRouterOverIpc(router: AnyTRPCRouter, options: ServeOverIpcOptions): () => void {
  ipcMain.handle(LOCAL_TRPC_CHANNEL, async (event, raw: unknown): Promise<LocalTrpcResponse> => {
    if (!options.isTrustedSender(event)) {
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
  return () => ipcMain.removeHandler(LOCAL_TRPC_CHANNEL);
}
