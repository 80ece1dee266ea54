import { ExceptionList, ExceptionsListInput } from "@orderdeck/contracts";
import { router, staffProcedure } from "../trpc.ts";
import { listExceptions } from "./service.ts";

export const exceptionsRouter = router({
  list: staffProcedure
    .input(ExceptionsListInput)
    .output(ExceptionList)
    .query(({ ctx, input }) => listExceptions(ctx.prisma, ctx.principal.siteId, input)),
});
