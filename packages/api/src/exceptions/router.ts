import { ExceptionsListInput } from "@orderdeck/contracts";
import { authedProcedure, router } from "../trpc.ts";
import { listExceptions } from "./service.ts";

export const exceptionsRouter = router({
  list: authedProcedure
    .meta({ role: "STAFF" })
    .input(ExceptionsListInput)
    .query(({ ctx, input }) => listExceptions(ctx.prisma, ctx.principal.siteId, input)),
});
