import { useQueryClient, type QueryFilters } from "@tanstack/react-query";
import { useEffect, useRef } from "react";
import { useSyncState } from "./status-bar/sync-state.tsx";
import { useTRPC } from "./trpc.ts";

/** Runs `onChange` when `value` changes after the first render (the first answer is the screens' own). */
function useOnChange<T>(value: T, onChange: () => void): void {
  const previous = useRef(value);
  const latest = useRef(onChange);
  latest.current = onChange;
  useEffect(() => {
    if (Object.is(previous.current, value)) return;
    previous.current = value;
    latest.current();
  }, [value]);
}

/**
 * What a sync changes, asked again by the screens that show it: a finished pull or push (a new
 * `lastSyncAt`) changes the local copy and what the server computes from the queue; a change of
 * connection makes the server's answers reachable again (or shows they are not); the outbox
 * growing or draining changes which changes wait on this console. Only open screens' queries are
 * asked again; the cache keeps nothing for closed ones.
 */
export function useSyncRefresh(): void {
  const sync = useSyncState();
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const invalidate = (filters: readonly QueryFilters[]) => {
    for (const filter of filters) void queryClient.invalidateQueries(filter);
  };

  useOnChange(sync?.lastSyncAt ?? null, () =>
    invalidate([trpc.queue.pathFilter(), trpc.handoff.pathFilter(), trpc.notices.pathFilter(), trpc.pickup.lookup.pathFilter(), trpc.online.forecast.pathFilter()]),
  );
  useOnChange(sync ? sync.connection !== "offline" : true, () => invalidate([trpc.online.pathFilter()]));
  useOnChange(sync ? `${sync.outboxSize}:${sync.waitingFor.length}` : null, () => invalidate([trpc.outbox.waiting.pathFilter()]));
}
