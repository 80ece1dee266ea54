import { Forecast, ForecastInput } from "@orderdeck/contracts";
import { router, staffProcedure } from "../trpc.ts";
import { forecastCapacity } from "./service.ts";

export const forecastRouter = router({
  capacity: staffProcedure
    .input(ForecastInput)
    .output(Forecast)
    .query(({ ctx, input }) => forecastCapacity(ctx.prisma, ctx.principal.siteId, input)),
});
