import { SavedViewCreateInput, SavedViewOutput, SavedViewUpdateInput, Uuid } from "@orderdeck/contracts";
import { z } from "zod";
import type { AuthedContext } from "../context.ts";
import { router, staffProcedure } from "../trpc.ts";
import { createView, deleteView, listViews, updateView, type ViewCall } from "./service.ts";

const callOf = (ctx: AuthedContext): ViewCall => ({ prisma: ctx.prisma, principal: ctx.principal });

// Anyone at the site keeps personal views; site-wide ones need a LEAD (checked in the service,
// because the scope is part of the input).
export const viewsRouter = router({
  list: staffProcedure.output(z.array(SavedViewOutput)).query(({ ctx }) => listViews(callOf(ctx))),

  create: staffProcedure
    .input(SavedViewCreateInput)
    .output(SavedViewOutput)
    .mutation(({ ctx, input }) => createView(callOf(ctx), input)),

  update: staffProcedure
    .input(SavedViewUpdateInput)
    .output(SavedViewOutput)
    .mutation(({ ctx, input }) => updateView(callOf(ctx), input)),

  delete: staffProcedure
    .input(z.strictObject({ id: Uuid }))
    .mutation(({ ctx, input }) => deleteView(callOf(ctx), input.id)),
});
