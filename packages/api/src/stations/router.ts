import { ConsoleInstallationKey, EnrollmentCreated, StationEnrollmentInput, StationList, StationRef, StationRevoked } from "@orderdeck/contracts";
import { z } from "zod";
import { adminProcedure, publicProcedure, router } from "../trpc.ts";
import { normalizeEnrollmentCode } from "./enrollment-code.ts";
import { createEnrollment, enroll, list, revoke } from "./service.ts";

const EnrollmentCode = z
  .string()
  .max(64)
  .refine((typed) => normalizeEnrollmentCode(typed) !== undefined, "An enrollment code has 12 letters and digits, like 7K3M-Q9XD-2HTB.")
  .transform((typed) => normalizeEnrollmentCode(typed) ?? "");

export const stationsRouter = router({
  /** A one-time code for a new console, valid 24 hours; the code is in this answer only. */
  createEnrollment: adminProcedure
    .input(StationEnrollmentInput)
    .output(EnrollmentCreated)
    .mutation(({ ctx, input }) => createEnrollment(ctx, input)),

  /**
   * A console, not signed in yet, exchanges its code for a station token (once; rate-limited per
   * address). With its installation key, a console enrolled again keeps its ledger entries.
   */
  enroll: publicProcedure
    .input(z.object({ code: EnrollmentCode, installationKey: ConsoleInstallationKey.optional() }))
    .mutation(({ ctx, input }) => enroll(ctx, input)),

  revoke: adminProcedure
    .input(StationRef)
    .output(StationRevoked)
    .mutation(({ ctx, input }) => revoke(ctx, input)),

  list: adminProcedure.output(StationList).query(({ ctx }) => list(ctx)),
});
