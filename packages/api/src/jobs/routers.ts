import { exceptionsRouter } from "../exceptions/router.ts";
import { forecastRouter } from "../forecast/router.ts";
import { viewsRouter } from "../saved-views/router.ts";
import { jobsRouter } from "./router.ts";

/** The queue board's procedures, mounted together in root.ts. */
export const jobsRouters = {
  jobs: jobsRouter,
  exceptions: exceptionsRouter,
  forecast: forecastRouter,
  views: viewsRouter,
};
