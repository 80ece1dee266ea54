import { moneyRouters } from "./money/router.ts";
import { systemRouter } from "./system/router.ts";
import { jobsRouters } from "./jobs/routers.ts";
import { router } from "./trpc.ts";
import { pickupRouter } from "./pickup/router.ts";
import { labelsRouter } from "./labels/router.ts";
import { handoffRouter } from "./handoff/router.ts";
import { intakeRouter } from "./intake/router.ts";
import { authRouter } from "./auth/router.ts";
import { stationsRouter } from "./stations/router.ts";
import { usersRouter } from "./users/router.ts";
import { operationsRouter } from "./background/router.ts";
import { mailRouter } from "./mail/router.ts";
import { retentionRouter } from "./retention/router.ts";
import { webhooksRouter } from "./webhooks/router.ts";
import { syncRouter } from "./sync/router.ts";
import { siteRouter } from "./site/router.ts";

export const appRouter = router({
  system: systemRouter,
  auth: authRouter,
  stations: stationsRouter,
  users: usersRouter,
  ...moneyRouters,
  ...jobsRouters,
  pickup: pickupRouter,
  labels: labelsRouter,
  handoff: handoffRouter,
  operations: operationsRouter,
  mail: mailRouter,
  webhooks: webhooksRouter,
  retention: retentionRouter,
  sync: syncRouter,
  intake: intakeRouter,
  site: siteRouter,
});

export type AppRouter = typeof appRouter;
