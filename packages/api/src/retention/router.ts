import { z } from "zod";
import { adminProcedure, leadProcedure, router } from "../trpc.ts";
import { retentionSettings, updateRetentionSettings } from "./service.ts";

// The same bounds as the sites_retention_days_check CHECK (at least a day), and at most ten years.
const Days = z.int().min(1).max(3650);

export const retentionRouter = router({
  settings: leadProcedure.query(({ ctx }) => retentionSettings(ctx)),

  update: adminProcedure
    .input(z.strictObject({ archiveAfterDays: Days.optional(), pruneEventsAfterDays: Days.optional(), pruneDeliveriesAfterDays: Days.optional() }))
    .mutation(({ ctx, input }) => updateRetentionSettings(ctx, input)),
});
