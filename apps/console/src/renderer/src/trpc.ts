import { keepPreviousData, QueryClient } from "@tanstack/react-query";
import type { TRPCClient } from "@trpc/client";
import { createTRPCContext } from "@trpc/tanstack-react-query";
import type { LocalRouter } from "../../shared/local-api.ts";

/** localRouter's client, whichever shell carries it. */
export type LocalClient = TRPCClient<LocalRouter>;

/** Query and mutation options of localRouter's procedures, and its client for calls made by hand. */
export const { TRPCProvider, useTRPC, useTRPCClient } = createTRPCContext<LocalRouter>();

/**
 * One cache for the whole renderer. Every screen asks afresh when it opens and keeps no answer once
 * it is gone (a form seeded from an old visit would save against an old version); what changes an
 * answer while a screen is open is a sync (see useSyncInvalidation) or the screen's own change.
 */
export function createQueryClient(): QueryClient {
  return new QueryClient({
    defaultOptions: {
      queries: {
        gcTime: 0,
        // A failure is shown at once: an offline console must say so, not retry behind a spinner.
        retry: false,
        // The screen keeps its last answer in view while a new filter or page is asked for.
        placeholderData: keepPreviousData,
        // Only a sync, a change of connection or the person asks again; focus means nothing at a counter.
        refetchOnWindowFocus: false,
        refetchOnReconnect: false,
      },
      mutations: { retry: false },
    },
  });
}
