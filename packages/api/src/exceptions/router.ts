import { ExceptionKind } from "@orderdeck/contracts";
import { z } from "zod";
import { authedProcedure, router } from "../trpc.ts";
import { EXCEPTIONS_DEFAULT_PER_KIND, listExceptions } from "./service.ts";

const ExceptionsInput = z.strictObject({
  kinds: z.array(ExceptionKind).min(1).max(ExceptionKind.options.length).optional(),
  perKind: z.int().min(1).max(200).default(EXCEPTIONS_DEFAULT_PER_KIND),
});

export const exceptionsRouter = router({
  list: authedProcedure
    .meta({ role: "STAFF" })
    .input(ExceptionsInput)
    .query(({ ctx, input }) => listExceptions(ctx.prisma, ctx.principal.siteId, input)),
});
