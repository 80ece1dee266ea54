import { ExceptionsListInput } from "@orderdeck/contracts";
import { router, staffProcedure } from "../trpc.ts";
import { listExceptions } from "./service.ts";

export const exceptionsRouter = router({
  list: staffProcedure
    .input(ExceptionsListInput)
    .query(({ ctx, input }) => listExceptions(ctx.prisma, ctx.principal.siteId, input)),
});
