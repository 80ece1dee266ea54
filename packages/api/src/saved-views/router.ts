import { SavedViewCreateInput, SavedViewUpdateInput, Uuid } from "@orderdeck/contracts";
import { z } from "zod";
import type { AuthedContext } from "../context.ts";
import { authedProcedure, router } from "../trpc.ts";
import { createView, deleteView, listViews, updateView, type ViewCall } from "./service.ts";

const callOf = (ctx: AuthedContext): ViewCall => ({ prisma: ctx.prisma, principal: ctx.principal });

// Anyone at the site keeps personal views; site-wide ones need a LEAD (checked in the service,
// because the scope is part of the input).
export const viewsRouter = router({
  list: authedProcedure.meta({ role: "STAFF" }).query(({ ctx }) => listViews(callOf(ctx))),

  create: authedProcedure
    .meta({ role: "STAFF" })
    .input(SavedViewCreateInput)
    .mutation(({ ctx, input }) => createView(callOf(ctx), input)),

  update: authedProcedure
    .meta({ role: "STAFF" })
    .input(SavedViewUpdateInput)
    .mutation(({ ctx, input }) => updateView(callOf(ctx), input)),

  delete: authedProcedure
    .meta({ role: "STAFF" })
    .input(z.strictObject({ id: Uuid }))
    .mutation(({ ctx, input }) => deleteView(callOf(ctx), input.id)),
});
