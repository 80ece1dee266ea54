import type { SyncState } from "../api.ts";

/** What waiting needs of a console: its sync state now and every change of it. */
export interface SyncStateSource {
  sync: { state(): SyncState; subscribe(listener: (state: SyncState) => void): () => void };
}

/**
 * Resolves with the first sync state (the current one included) for which `ready` holds; rejects
 * after `timeoutMs`, naming the last state, so a caller that waits for a sync that never comes
 * learns where it stopped.
 */
export function syncStateReached(core: SyncStateSource, ready: (state: SyncState) => boolean, timeoutMs = Infinity): Promise<SyncState> {
  const now = core.sync.state();
  if (ready(now)) return Promise.resolve(now);
  return new Promise((resolve, reject) => {
    const timer =
      timeoutMs === Infinity
        ? undefined
        : setTimeout(() => {
            stop();
            reject(new Error(`sync state never got there; last: ${JSON.stringify(core.sync.state())}`));
          }, timeoutMs);
    const stop = core.sync.subscribe((state) => {
      if (!ready(state)) return;
      clearTimeout(timer);
      stop();
      resolve(state);
    });
  });
}
