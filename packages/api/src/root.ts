import { authRouter } from "./auth/router.ts";
import { exceptionsRouter } from "./exceptions/router.ts";
import { forecastRouter } from "./forecast/router.ts";
import { handoffRouter } from "./handoff/router.ts";
import { intakeRouter } from "./intake/router.ts";
import { invoicesRouter } from "./invoices/router.ts";
import { jobsRouter } from "./jobs/router.ts";
import { labelsRouter } from "./labels/router.ts";
import { mailRouter } from "./mail/router.ts";
import { operationsRouter } from "./operations/router.ts";
import { paymentsRouter } from "./payments/router.ts";
import { pickupRouter } from "./pickup/router.ts";
import { receiptsRouter } from "./receipts/router.ts";
import { retentionRouter } from "./retention/router.ts";
import { siteRouter } from "./site/router.ts";
import { stationsRouter } from "./stations/router.ts";
import { syncRouter } from "./sync/router.ts";
import { systemRouter } from "./system/router.ts";
import { router } from "./trpc.ts";
import { usersRouter } from "./users/router.ts";
import { viewsRouter } from "./views/router.ts";
import { webhooksRouter } from "./webhooks/router.ts";

// Each key is an API path's first segment and the folder its router lives in (`invoices.pdf` is
// invoices/router.ts). Consoles call these paths: renaming a key breaks them.
export const appRouter = router({
  system: systemRouter,
  auth: authRouter,
  stations: stationsRouter,
  users: usersRouter,
  invoices: invoicesRouter,
  payments: paymentsRouter,
  receipts: receiptsRouter,
  jobs: jobsRouter,
  exceptions: exceptionsRouter,
  forecast: forecastRouter,
  views: viewsRouter,
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
