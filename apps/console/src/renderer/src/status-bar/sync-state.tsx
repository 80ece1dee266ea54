import { useQuery } from "@tanstack/react-query";
import { useSubscription } from "@trpc/tanstack-react-query";
import { createContext, useContext, type ReactNode } from "react";
import type { SyncState } from "../../../shared/local-api.ts";
import { useTRPC } from "../trpc.ts";

/** How often the fallback asks when the live subscription is not available (Electron without it). */
export const SYNC_POLL_MS = 2_000;

const SyncStateContext = createContext<SyncState | null>(null);

/** The console's sync state (online / offline / syncing, last sync, outbox size), kept current. */
export function useSyncState(): SyncState | null {
  return useContext(SyncStateContext);
}

/** `initial`: the state as read before the screens' first reads, shown until the live stream reports. */
export function SyncStateProvider({ initial, children }: { initial: SyncState | null; children: ReactNode }) {
  const state = useLiveSyncState() ?? initial;
  return <SyncStateContext.Provider value={state}>{children}</SyncStateContext.Provider>;
}

function useLiveSyncState(): SyncState | null {
  const trpc = useTRPC();
  // The live stream first; if the transport cannot carry subscriptions, poll instead.
  const live = useSubscription(trpc.sync.onState.subscriptionOptions());
  const polling = live.status === "error";
  const polled = useQuery(
    trpc.sync.state.queryOptions(undefined, {
      enabled: polling,
      refetchInterval: SYNC_POLL_MS,
      // A console minimised behind another window still needs to notice it went offline.
      refetchIntervalInBackground: true,
    }),
  );
  return (polling ? (polled.data ?? live.data) : live.data) ?? null;
}
