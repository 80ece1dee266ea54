import {
  Assignee,
  Forecast,
  ForecastInput,
  JobBulkInput,
  JobBulkResult,
  JobCreateInput,
  JobDetail,
  JobUpdateInput,
  JobWithTimeline,
  JobLabel,
  JobLabelInput,
  JobReorderInput,
  JobReorderResult,
  SavedViewCreateInput,
  SavedViewOutput,
  SavedViewUpdateInput,
  StatusLinkInput,
  StatusLinkView,
} from "@orderdeck/contracts";
import { z } from "zod";
import { t } from "../local-trpc.ts";
import { serverMutation, serverQuery, type CoreOf } from "./passthrough.ts";

// The queue board's server-only features. Each is the server procedure of the same name, called
// live: reordering and bulk changes touch many rows whose order only the server can settle, and
// views, forecasts and labels are computed there. Offline they refuse with reason OFFLINE.

export function boardRouters(core: CoreOf) {
  return {
    views: t.router({
      list: serverQuery(core, "views.list", z.void(), z.array(SavedViewOutput), "Saved views"),
      create: serverMutation(core, "views.create", SavedViewCreateInput, SavedViewOutput, "Saving a view"),
      update: serverMutation(core, "views.update", SavedViewUpdateInput, SavedViewOutput, "Changing a view"),
      delete: serverMutation(core, "views.delete", z.strictObject({ id: z.uuid() }), z.object({ id: z.string(), deleted: z.literal(true) }), "Deleting a view"),
    }),
    forecast: t.router({
      capacity: serverQuery(core, "forecast.capacity", ForecastInput, Forecast, "The capacity forecast"),
    }),
    jobs: t.router({
      reorder: serverMutation(core, "jobs.reorder", JobReorderInput, JobReorderResult, "Reordering the queue"),
      bulk: serverMutation(core, "jobs.bulk", JobBulkInput, JobBulkResult, "Bulk changes"),
      // Walk-in orders: the server numbers the job and makes its pickup code, so creating is live.
      create: serverMutation(core, "jobs.create", JobCreateInput, JobDetail, "Creating a job"),
      update: serverMutation(core, "jobs.update", JobUpdateInput, JobDetail, "Editing a job"),
      get: serverQuery(core, "jobs.get", z.strictObject({ id: z.uuid() }), JobWithTimeline, "Reading the job from the server"),
    }),
    users: t.router({
      assignable: serverQuery(core, "users.assignable", z.void(), z.array(Assignee), "The list of people to assign"),
    }),
    labels: t.router({
      job: serverQuery(core, "labels.job", JobLabelInput, JobLabel, "Label printing"),
    }),
    // The customer's status page link of a job (a lead's: the server refuses anyone else).
    statusLink: t.router({
      get: serverQuery(core, "pickup.statusLink", StatusLinkInput, StatusLinkView, "The customer's status page link"),
      revoke: serverMutation(core, "pickup.revokeStatusLink", StatusLinkInput, StatusLinkView, "Revoking the customer's link"),
      reissue: serverMutation(core, "pickup.reissueStatusLink", StatusLinkInput, StatusLinkView, "Issuing a new customer link"),
    }),
  };
}
