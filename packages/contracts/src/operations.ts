import { z } from "zod";

// The operations API (a site's background tasks: what they are doing and what a lead can do about
// them), shared by the server and the console's operations screen.

export const TASK_STATES = ["QUEUED", "RUNNING", "RETRYING", "FAILED", "STUCK"] as const;
export const TaskState = z.enum(TASK_STATES);
export type TaskState = z.infer<typeof TaskState>;

// graphile-worker's job ids are bigints; 18 digits always fit one.
export const TaskId = z.string().regex(/^[1-9][0-9]{0,17}$/, "A task id is a positive whole number.");
export const TASK_ACTION_MAX_IDS = 200;
const TaskIds = z.array(TaskId).min(1, "Choose at least one task.").max(TASK_ACTION_MAX_IDS);
const NO_CONTROL_CHARACTERS = /^[^\p{Cc}]*$/u;

export const TaskListInput = z.strictObject({
  states: z.array(TaskState).max(TASK_STATES.length).optional(),
  task: z.string().max(100).regex(/^[a-z0-9_:.-]+$/i, "A task name has letters, digits and _ : . - only.").optional(),
  /** The `nextCursor` of the page before. */
  cursor: TaskId.optional(),
  limit: z.int().min(1).max(200).default(50),
});
export type TaskListInput = z.input<typeof TaskListInput>;

export const TaskActionInput = z.strictObject({ ids: TaskIds });
export type TaskActionInput = z.input<typeof TaskActionInput>;

export const TaskRescheduleInput = z.strictObject({ ids: TaskIds, runAt: z.iso.datetime({ offset: true }) });
export type TaskRescheduleInput = z.input<typeof TaskRescheduleInput>;

export const TaskGiveUpInput = z.strictObject({
  ids: TaskIds,
  reason: z.string().trim().min(1).max(500).regex(NO_CONTROL_CHARACTERS, "The reason cannot contain control characters.").optional(),
});
export type TaskGiveUpInput = z.input<typeof TaskGiveUpInput>;

export const TaskView = z.object({
  id: z.string(),
  task: z.string(),
  state: TaskState,
  attempts: z.number(),
  maxAttempts: z.number(),
  runAt: z.string(),
  lastError: z.string().nullable(),
  lockedAt: z.string().nullable(),
  lockedBy: z.string().nullable(),
  createdAt: z.string(),
  /** The job key as the application gave it (without the site prefix app_enqueue adds). */
  key: z.string().nullable(),
  payload: z.unknown(),
});
export type TaskView = z.infer<typeof TaskView>;

export const TaskPage = z.object({ tasks: z.array(TaskView), nextCursor: z.string().nullable() });
export type TaskPage = z.infer<typeof TaskPage>;

export const TaskCount = z.object({ task: z.string(), state: TaskState, count: z.number() });
export type TaskCount = z.infer<typeof TaskCount>;

export const OperationsOverview = z.object({
  counts: z.array(TaskCount),
  workers: z.object({ alive: z.number(), lastBeatAt: z.string().nullable() }),
});
export type OperationsOverview = z.infer<typeof OperationsOverview>;

export const TaskActionRowResult = z.object({
  id: z.string(),
  ok: z.boolean(),
  reason: z.enum(["NOT_FOUND", "RUNNING"]).optional(),
  message: z.string().optional(),
});
export type TaskActionRowResult = z.infer<typeof TaskActionRowResult>;

export const TaskActionResult = z.object({
  results: z.array(TaskActionRowResult),
  succeeded: z.number(),
  failed: z.number(),
});
export type TaskActionResult = z.infer<typeof TaskActionResult>;
