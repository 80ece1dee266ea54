import { TRPCClientError, type TRPCLink } from "@trpc/client";
import type { AnyTRPCRouter } from "@trpc/server";
import { observable } from "@trpc/server/observable";
import type { OrderDeckBridge } from "../../shared/transport.ts";

/**
 * A tRPC link that sends each operation through the preload bridge to the main process, where
 * `serveRouterOverIpc` runs it. Takes the bridge as an argument (no `window` here) so it can be
 * exercised in Node against the real main-side handler.
 */
export function ipcLink<TRouter extends AnyTRPCRouter>(
  bridge: Pick<OrderDeckBridge, "invokeLocal" | "subscribeLocal">,
): TRPCLink<TRouter> {
  return () =>
    ({ op }) =>
      observable((observer) => {
        if (op.type === "subscription") {
          // The bridge forgets the stream on error / stopped; unsubscribing after that is a no-op.
          return bridge.subscribeLocal({ path: op.path, input: op.input }, (message) => {
            switch (message.type) {
              case "started":
                observer.next({ result: { type: "started" } });
                return;
              case "data":
                observer.next({
                  result: {
                    type: "data",
                    ...(message.trackedId !== undefined ? { id: message.trackedId } : {}),
                    data: message.data as never,
                  },
                });
                return;
              case "error":
                observer.error(TRPCClientError.from({ error: message.error }));
                return;
              case "stopped":
                observer.next({ result: { type: "stopped" } });
                observer.complete();
                return;
            }
          });
        }
        // ipcRenderer.invoke cannot be cancelled; an unsubscribed caller just ignores the answer.
        let unsubscribed = false;
        bridge
          .invokeLocal({ type: op.type, path: op.path, input: op.input })
          .then((response) => {
            if (unsubscribed) return;
            if ("error" in response) {
              observer.error(TRPCClientError.from({ error: response.error }));
              return;
            }
            observer.next({ result: { type: "data", data: response.result.data as never } });
            observer.complete();
          })
          .catch((cause: unknown) => {
            if (unsubscribed) return;
            observer.error(TRPCClientError.from(cause instanceof Error ? cause : new Error(String(cause))));
          });
        return () => {
          unsubscribed = true;
        };
      });
}
