import { z } from "zod";
import { RecordId } from "./accounts.ts";
import { DeliveryStatus, WebhookEventType } from "./enums.ts";

// The webhooks API (endpoints that receive the shop's events, and their delivery log), shared by
// the server and the console's admin screen.

/**
 * An http(s) URL, stored in the form the URL parser normalises it to (lowercase scheme and host,
 * no stray whitespace or control characters), which is what the webhook_endpoints CHECK expects.
 */
export const WebhookUrl = z
  .string()
  .trim()
  .max(2000)
  .pipe(z.url({ protocol: /^https?$/, error: "Enter an http:// or https:// URL." }))
  .transform((url) => new URL(url).toString())
  .refine((url) => url.length <= 2000, "The URL can have at most 2000 characters.");

export const WebhookEventTypes = z
  .array(WebhookEventType)
  .min(1, "Choose at least one event type.")
  .max(WebhookEventType.options.length * 4)
  .transform((types) => [...new Set(types)]);

export const WebhookCreateInput = z.strictObject({ url: WebhookUrl, eventTypes: WebhookEventTypes });
export type WebhookCreateInput = z.input<typeof WebhookCreateInput>;

export const WebhookUpdateInput = z.strictObject({
  id: RecordId,
  url: WebhookUrl.optional(),
  eventTypes: WebhookEventTypes.optional(),
  enabled: z.boolean().optional(),
});
export type WebhookUpdateInput = z.input<typeof WebhookUpdateInput>;

export const WebhookRef = z.strictObject({ id: RecordId });

export const WebhookDeliveriesInput = z.strictObject({
  endpointId: RecordId.optional(),
  status: DeliveryStatus.optional(),
  cursor: RecordId.optional(),
  limit: z.int().min(1).max(200).default(50),
});
export type WebhookDeliveriesInput = z.input<typeof WebhookDeliveriesInput>;

export const WebhookEndpointView = z.object({
  id: z.string(),
  url: z.string(),
  eventTypes: z.array(WebhookEventType),
  enabled: z.boolean(),
  /** Deliveries given up in a row; the endpoint is disabled when this reaches the configured limit. */
  consecutiveFailures: z.number(),
  disabledAt: z.string().nullable(),
  disabledReason: z.string().nullable(),
  /** The secret's last four characters, to tell which secret a receiver has. */
  secretHint: z.string(),
  createdAt: z.string(),
  updatedAt: z.string(),
});
export type WebhookEndpointView = z.infer<typeof WebhookEndpointView>;

export const WebhookEndpointList = z.array(WebhookEndpointView);

export const WebhookEndpointWithSecret = z.object({
  endpoint: WebhookEndpointView,
  /** The signing secret, shown this once: store it with the receiver. */
  secret: z.string(),
});
export type WebhookEndpointWithSecret = z.infer<typeof WebhookEndpointWithSecret>;

export const WebhookDeleted = z.object({ id: z.string() });

export const WebhookDeliveryView = z.object({
  id: z.string(),
  endpointId: z.string(),
  eventType: z.string(),
  status: DeliveryStatus,
  attempts: z.number(),
  responseStatus: z.number().nullable(),
  lastError: z.string().nullable(),
  createdAt: z.string(),
  lastAttemptAt: z.string().nullable(),
  deliveredAt: z.string().nullable(),
});
export type WebhookDeliveryView = z.infer<typeof WebhookDeliveryView>;

export const WebhookDeliveryPage = z.object({ deliveries: z.array(WebhookDeliveryView), nextCursor: z.string().nullable() });
export type WebhookDeliveryPage = z.infer<typeof WebhookDeliveryPage>;
