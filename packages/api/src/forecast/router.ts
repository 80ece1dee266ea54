import { ForecastInput } from "@orderdeck/contracts";
import { authedProcedure, router } from "../trpc.ts";
import { forecastCapacity } from "./service.ts";

export const forecastRouter = router({
  capacity: authedProcedure
    .meta({ role: "STAFF" })
    .input(ForecastInput)
    .query(({ ctx, input }) => forecastCapacity(ctx.prisma, ctx.principal.siteId, input)),
});
