import { z } from "zod";
import { ViewScope } from "./enums.ts";
import { JobListFilter, JobListSort, Uuid, line } from "./jobs.ts";

// Saved views of the jobs list: a named filter and sort, personal or shared with the site.

export const SavedViewCreateInput = z.strictObject({
  name: line(80),
  scope: ViewScope.default("PERSONAL"),
  filter: JobListFilter.default({ archived: "exclude" }),
  sort: JobListSort.default({ field: "queue", direction: "asc" }),
});
export type SavedViewCreateInput = z.input<typeof SavedViewCreateInput>;

export const SavedViewUpdateInput = z.strictObject({
  id: Uuid,
  name: line(80).optional(),
  scope: ViewScope.optional(),
  filter: JobListFilter.optional(),
  sort: JobListSort.optional(),
});
export type SavedViewUpdateInput = z.input<typeof SavedViewUpdateInput>;

export const SavedViewOutput = z.object({
  id: z.string(),
  name: z.string(),
  scope: ViewScope,
  ownerId: z.string().nullable(),
  /** The caller's own personal view. */
  mine: z.boolean(),
  /** True when the caller may change or delete it. */
  editable: z.boolean(),
  filter: JobListFilter,
  sort: JobListSort,
  createdAt: z.string(),
  updatedAt: z.string(),
});
export type SavedViewOutput = z.infer<typeof SavedViewOutput>;
