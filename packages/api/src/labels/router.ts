import { JobLabel, JobLabelInput } from "@orderdeck/contracts";
import { router, staffProcedure } from "../trpc.ts";
import { renderJobLabel } from "./service.ts";

export const labelsRouter = router({
  /** A job's label (number, customer, title, due, pickup code as Code 128 + QR) as PNG, HTML or PDF. */
  job: staffProcedure
    .input(JobLabelInput)
    .output(JobLabel)
    .query(({ ctx, input }) => renderJobLabel(ctx.prisma, ctx.principal.siteId, input)),
});
