import {
  CsvImportInput,
  CsvImportResult,
  DeadLetterListInput,
  DeadLetterPage,
  DeadLetterRef,
  DeadLetterResolveInput,
  DeadLetterRetryResult,
  DeadLetterView,
  IntakeRunNowInput,
  IntakeRunNowResult,
  IntakeRunsListInput,
  IntakeRunsPage,
  IntakeSourceCreateInput,
  IntakeSourceDeleted,
  IntakeSourceList,
  IntakeSourceUpdateInput,
  IntakeSourceView,
  Uuid,
} from "@orderdeck/contracts";
import { z } from "zod";
import type { AuthedContext } from "../context.ts";
import { adminProcedure, leadProcedure, router } from "../trpc.ts";
import { importJobsCsv } from "./csv.ts";
import { listDeadLetters, resolveDeadLetter, retryDeadLetter } from "./dead-letter-review.ts";
import { createSource, deleteSource, listRuns, listSources, runNow, updateSource, type IntakeCall } from "./service.ts";

export function intakeCall(ctx: AuthedContext): IntakeCall {
  return {
    deps: { prisma: ctx.prisma, logger: ctx.logger, ...ctx.intake },
    principal: ctx.principal,
    requestId: ctx.requestId,
    ip: ctx.ip,
  };
}

// ADMIN manages the feed sources (a credentialsRef names where the secret lives, never the
// secret); LEAD runs them, reads their history and deals with what they could not take in,
// and imports CSV. The CSV export (any signed-in user) is an HTTP route: see apps/server.
export const intakeRouter = router({
  sources: router({
    list: leadProcedure.output(IntakeSourceList).query(({ ctx }) => listSources(ctx.prisma, ctx.principal.siteId)),
    create: adminProcedure.input(IntakeSourceCreateInput).output(IntakeSourceView).mutation(({ ctx, input }) => createSource(intakeCall(ctx), input)),
    update: adminProcedure.input(IntakeSourceUpdateInput).output(IntakeSourceView).mutation(({ ctx, input }) => updateSource(intakeCall(ctx), input)),
    delete: adminProcedure.input(z.strictObject({ id: Uuid })).output(IntakeSourceDeleted).mutation(({ ctx, input }) => deleteSource(intakeCall(ctx), input.id)),
  }),

  /** Syncs a source now, in this request (the worker's schedule syncs it every minute). */
  runNow: leadProcedure.input(IntakeRunNowInput).output(IntakeRunNowResult).mutation(({ ctx, input }) => runNow(intakeCall(ctx), input)),

  runs: leadProcedure.input(IntakeRunsListInput).output(IntakeRunsPage).query(({ ctx, input }) => listRuns(ctx.prisma, ctx.principal.siteId, input)),

  deadLetters: router({
    list: leadProcedure.input(DeadLetterListInput).output(DeadLetterPage).query(({ ctx, input }) => listDeadLetters(ctx.prisma, ctx.principal.siteId, input)),
    retry: leadProcedure.input(DeadLetterRef).output(DeadLetterRetryResult).mutation(({ ctx, input }) => retryDeadLetter(intakeCall(ctx), input.id)),
    resolve: leadProcedure.input(DeadLetterResolveInput).output(DeadLetterView).mutation(({ ctx, input }) => resolveDeadLetter(intakeCall(ctx), input)),
  }),

  importCsv: leadProcedure
    .input(CsvImportInput)
    .output(CsvImportResult)
    .mutation(({ ctx, input }) =>
      importJobsCsv({ prisma: ctx.prisma, principal: ctx.principal, requestId: ctx.requestId, ip: ctx.ip }, input),
    ),
});
