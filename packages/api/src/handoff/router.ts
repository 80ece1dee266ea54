import { HandoffAcknowledgeInput, HandoffCreateInput, HandoffPeriodInput, HandoffStatus, HandoffSummary } from "@orderdeck/contracts";
import { z } from "zod";
import { leadProcedure, router, staffProcedure } from "../trpc.ts";
import { acknowledgeHandoff, createHandoff, getHandoff, handoffSummary, listHandoffs, printHandoff } from "./service.ts";

// Boundaries are a date, a wall time at the site or an instant with its offset; the service
// resolves them in the site's timezone. The inputs live in contracts: a console replays them.
const ById = HandoffAcknowledgeInput;

export const handoffRouter = router({
  /** Counts and lists for a period (default: since the last acknowledged handoff, or this shift). */
  summary: staffProcedure
    .input(HandoffPeriodInput.default({}))
    .output(HandoffSummary)
    .query(({ ctx, input }) => handoffSummary({ prisma: ctx.prisma, now: ctx.now }, ctx.principal, input)),

  /** The outgoing lead freezes the summary with their notes. */
  create: leadProcedure
    .input(HandoffCreateInput)
    .mutation(({ ctx, input }) => createHandoff({ prisma: ctx.prisma, now: ctx.now }, ctx.principal, input)),

  /** The incoming lead (not the author) takes the shift over. */
  acknowledge: leadProcedure
    .input(ById)
    .mutation(({ ctx, input }) => acknowledgeHandoff({ prisma: ctx.prisma }, ctx.principal, input.id)),

  list: staffProcedure
    .input(
      z
        .strictObject({
          limit: z.int().min(1).max(100).default(20),
          cursor: z.string().max(200).optional(),
          status: HandoffStatus.optional(),
        })
        .default({ limit: 20 }),
    )
    .query(({ ctx, input }) => listHandoffs({ prisma: ctx.prisma }, ctx.principal, input)),

  get: staffProcedure
    .input(ById)
    .query(({ ctx, input }) => getHandoff({ prisma: ctx.prisma }, ctx.principal, input.id)),

  /** Printable HTML or a PDF, for A4, Letter or 80 mm receipt paper; marks the handoff printed. */
  print: staffProcedure
    .input(
      z.strictObject({
        id: z.uuid(),
        paper: z.enum(["a4", "letter", "receipt80"]).default("a4"),
        format: z.enum(["html", "pdf"]).default("pdf"),
      }),
    )
    .mutation(({ ctx, input }) => printHandoff({ prisma: ctx.prisma }, ctx.principal, input)),
});
