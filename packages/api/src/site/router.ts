import { SiteSettingsUpdateInput } from "@orderdeck/contracts";
import { authedProcedure, router } from "../trpc.ts";
import { siteSettings, updateSiteSettings } from "./service.ts";

// The site's settings shape what everyone sees (which jobs are ageing or breached): ADMIN only.
const admin = authedProcedure.meta({ role: "ADMIN" });

export const siteRouter = router({
  settings: admin.query(({ ctx }) => siteSettings(ctx)),

  /** The SLA thresholds; refused with VERSION_CONFLICT when the settings changed since `version` was read. */
  updateSettings: admin.input(SiteSettingsUpdateInput).mutation(({ ctx, input }) => updateSiteSettings(ctx, input)),
});
