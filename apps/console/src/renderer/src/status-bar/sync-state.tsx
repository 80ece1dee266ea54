import { createContext, useContext, useEffect, useState, type ReactNode } from "react";
import type { SyncState } from "../../../shared/local-api.ts";
import type { LocalClient } from "../local-client.ts";

/** How often the fallback asks when the live subscription is not available (Electron without it). */
export const SYNC_POLL_MS = 2_000;

const SyncStateContext = createContext<SyncState | null>(null);

/** The console's sync state (online / offline / syncing, last sync, outbox size), kept current. */
export function useSyncState(): SyncState | null {
  return useContext(SyncStateContext);
}

export function SyncStateProvider({ client, children }: { client: LocalClient; children: ReactNode }) {
  const state = useLiveSyncState(client);
  return <SyncStateContext.Provider value={state}>{children}</SyncStateContext.Provider>;
}

function useLiveSyncState(client: LocalClient): SyncState | null {
  const [state, setState] = useState<SyncState | null>(null);
  useEffect(() => {
    let cancelled = false;
    let polling = false;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const poll = async (): Promise<void> => {
      try {
        const next = await client.sync.state.query();
        if (!cancelled) setState(next);
      } catch {
        // The local side is not answering; the next poll tries again.
      }
      if (!cancelled) timer = setTimeout(() => void poll(), SYNC_POLL_MS);
    };
    // The live stream first; if the transport cannot carry subscriptions, poll instead.
    const subscription = client.sync.onState.subscribe(undefined, {
      onData: (next) => {
        if (!cancelled) setState(next);
      },
      onError: () => {
        if (cancelled || polling) return;
        polling = true;
        void poll();
      },
    });
    return () => {
      cancelled = true;
      clearTimeout(timer);
      subscription.unsubscribe();
    };
  }, [client]);
  return state;
}
