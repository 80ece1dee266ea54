import { DeliveryStatus, WebhookEventType } from "@orderdeck/contracts";
import { z } from "zod";
import { RecordId } from "../auth/inputs.ts";
import { authedProcedure, router } from "../trpc.ts";
import { createEndpoint, deleteEndpoint, listDeliveries, listEndpoints, rotateSecret, updateEndpoint } from "./service.ts";

/**
 * An http(s) URL, stored in the form the URL parser normalises it to (lowercase scheme and host,
 * no stray whitespace or control characters), which is what the webhook_endpoints CHECK expects.
 */
const WebhookUrl = z
  .string()
  .trim()
  .max(2000)
  .pipe(z.url({ protocol: /^https?$/, error: "Enter an http:// or https:// URL." }))
  .transform((url) => new URL(url).toString())
  .refine((url) => url.length <= 2000, "The URL can have at most 2000 characters.");

const EventTypes = z
  .array(WebhookEventType)
  .min(1, "Choose at least one event type.")
  .max(WebhookEventType.options.length * 4)
  .transform((types) => [...new Set(types)]);

// Webhooks send the shop's data to other systems: ADMIN only, like the feed and stations.
const admin = authedProcedure.meta({ role: "ADMIN" });

export const webhooksRouter = router({
  list: admin.query(({ ctx }) => listEndpoints(ctx)),

  /** Answers the new endpoint and its signing secret (shown this once). */
  create: admin.input(z.strictObject({ url: WebhookUrl, eventTypes: EventTypes })).mutation(({ ctx, input }) => createEndpoint(ctx, input)),

  update: admin
    .input(z.strictObject({ id: RecordId, url: WebhookUrl.optional(), eventTypes: EventTypes.optional(), enabled: z.boolean().optional() }))
    .mutation(({ ctx, input }) => updateEndpoint(ctx, input)),

  delete: admin.input(z.strictObject({ id: RecordId })).mutation(({ ctx, input }) => deleteEndpoint(ctx, input)),

  rotateSecret: admin.input(z.strictObject({ id: RecordId })).mutation(({ ctx, input }) => rotateSecret(ctx, input)),

  deliveries: admin
    .input(
      z.strictObject({
        endpointId: RecordId.optional(),
        status: DeliveryStatus.optional(),
        cursor: RecordId.optional(),
        limit: z.int().min(1).max(200).default(50),
      }),
    )
    .query(({ ctx, input }) => listDeliveries(ctx, input)),
});
