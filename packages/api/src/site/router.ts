import { SiteSettings, SiteSettingsUpdateInput, SiteShiftRulesUpdateInput } from "@orderdeck/contracts";
import { adminProcedure, router } from "../trpc.ts";
import { siteSettings, updateShiftRules, updateSiteSettings } from "./service.ts";

// The site's settings shape what everyone sees (which jobs are ageing or breached): ADMIN only.
export const siteRouter = router({
  settings: adminProcedure.output(SiteSettings).query(({ ctx }) => siteSettings(ctx)),

  /** The SLA thresholds; refused with VERSION_CONFLICT when the settings changed since `version` was read. */
  updateSettings: adminProcedure.input(SiteSettingsUpdateInput).output(SiteSettings).mutation(({ ctx, input }) => updateSiteSettings(ctx, input)),

  /** The timezone and shifts, from the next shift on; VERSION_CONFLICT like updateSettings. */
  updateShiftRules: adminProcedure.input(SiteShiftRulesUpdateInput).output(SiteSettings).mutation(({ ctx, input }) => updateShiftRules(ctx, input, ctx.now?.() ?? new Date())),
});
