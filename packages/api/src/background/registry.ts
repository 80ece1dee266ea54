// The background tasks by name, and the payload each takes: what the code that enqueues and the
// worker that runs agree on. It imports no task body, so enqueueing (from a router, a service, a
// task) never pulls in the worker's code, and tasks.ts can list the bodies without a loop back.
// Adding a task: its payload here, its body (defineTask with this payload) next to the domain it
// serves, and one line in tasks.ts.
import { z } from "zod";

/** What graphile-worker's cron puts in the payload of a scheduled job (and nothing of ours). */
export const CronPayload = z.looseObject({ _cron: z.looseObject({ ts: z.string() }).optional() });

/** A storefront sync: the changes since the last run, or the nightly full reconciliation. */
export const IntakeMode = z.enum(["incremental", "full"]);

export const TASK_PAYLOADS = {
  send_mail: z.object({ siteId: z.uuid(), mailLogId: z.uuid() }),
  deliver_webhook: z.object({ siteId: z.uuid(), deliveryId: z.uuid() }),
  retention_sweep: CronPayload,
  retention_site: z.object({ siteId: z.uuid() }),
  handoff_reminders: CronPayload,
  intake_sweep: CronPayload.extend({ mode: IntakeMode }),
  intake_sync: z.object({ siteId: z.uuid(), sourceId: z.uuid(), mode: IntakeMode }),
} satisfies Record<string, z.ZodType>;

export type TaskName = keyof typeof TASK_PAYLOADS;
export type TaskPayload<N extends TaskName> = z.input<(typeof TASK_PAYLOADS)[N]>;
