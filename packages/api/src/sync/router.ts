import { SyncPullInput, SyncPushInput, SyncPushResult } from "@orderdeck/contracts";
import { router, stationProcedure } from "../trpc.ts";
import { pullPage } from "./pull.ts";
import { pushMutations } from "./push.ts";
import { defaultSyncStreams, guardedSitePokes } from "./streams.ts";

// Consoles sync as a signed-in user at an enrolled station: the station is what the outbox's
// mutation ids are unique to.
export const syncRouter = router({
  // No `.output()`: a page is checked against SyncPullPage where it is received (console-core parses
  // every page before it stores it). Parsed here as well, a full snapshot's 5 000-row pages, copied
  // row by row, made a fresh console's first pull a quarter slower (docs/benchmarks.md).
  /** One page of the site's rows changed since the cursor (none: the full snapshot, page by page). */
  pull: stationProcedure
    .input(SyncPullInput)
    .query(({ ctx, input }) => pullPage({ prisma: ctx.prisma, siteId: ctx.principal.siteId }, input)),

  /** The outbox, in order: each mutation applied at most once, answered applied / rejected / conflict. */
  push: stationProcedure
    .input(SyncPushInput)
    .output(SyncPushResult)
    .mutation(({ ctx, input }) =>
      pushMutations(
        {
          prisma: ctx.prisma,
          principal: ctx.principal,
          requestId: ctx.requestId,
          ip: ctx.ip,
          metrics: ctx.metrics,
          logger: ctx.logger,
          rateLimits: ctx.rateLimits,
        },
        input.mutations,
      ),
    ),

  /**
   * Server-sent events: a poke whenever the site's rows change ("pull now"), plus keep-alive pings;
   * closed once the session no longer stands, and capped per session (streams.ts).
   */
  events: stationProcedure
    .subscription(({ ctx, signal }) =>
      guardedSitePokes(
        {
          prisma: ctx.prisma,
          sessions: ctx.sessions,
          siteChanges: ctx.siteChanges,
          streams: ctx.syncStreams ?? defaultSyncStreams(),
          logger: ctx.logger,
          principal: ctx.principal,
        },
        signal,
      ),
    ),
});
