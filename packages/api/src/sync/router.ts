import { SyncPullInput, SyncPullPage, SyncPushInput, SyncPushResult } from "@orderdeck/contracts";
import { router, stationProcedure } from "../trpc.ts";
import { pullPage } from "./pull.ts";
import { pushMutations } from "./push.ts";
import { defaultSyncStreams, guardedSitePokes } from "./streams.ts";

// Consoles sync as a signed-in user at an enrolled station: the station is what the outbox's
// mutation ids are unique to.
export const syncRouter = router({
  /** One page of the site's rows changed since the cursor (none: the full snapshot, page by page). */
  pull: stationProcedure
    .input(SyncPullInput)
    .output(SyncPullPage)
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
