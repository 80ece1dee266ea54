import {
  WebhookCreateInput,
  WebhookDeleted,
  WebhookDeliveriesInput,
  WebhookDeliveryPage,
  WebhookEndpointList,
  WebhookEndpointView,
  WebhookEndpointWithSecret,
  WebhookRef,
  WebhookUpdateInput,
} from "@orderdeck/contracts";
import { adminProcedure, router } from "../trpc.ts";
import { createEndpoint, deleteEndpoint, listDeliveries, listEndpoints, rotateSecret, updateEndpoint } from "./service.ts";

// Webhooks send the shop's data to other systems: ADMIN only, like the feed and stations.
export const webhooksRouter = router({
  list: adminProcedure.output(WebhookEndpointList).query(({ ctx }) => listEndpoints(ctx)),

  /** Answers the new endpoint and its signing secret (shown this once). */
  create: adminProcedure.input(WebhookCreateInput).output(WebhookEndpointWithSecret).mutation(({ ctx, input }) => createEndpoint(ctx, input)),

  update: adminProcedure.input(WebhookUpdateInput).output(WebhookEndpointView).mutation(({ ctx, input }) => updateEndpoint(ctx, input)),

  delete: adminProcedure.input(WebhookRef).output(WebhookDeleted).mutation(({ ctx, input }) => deleteEndpoint(ctx, input)),

  rotateSecret: adminProcedure.input(WebhookRef).output(WebhookEndpointWithSecret).mutation(({ ctx, input }) => rotateSecret(ctx, input)),

  deliveries: adminProcedure.input(WebhookDeliveriesInput).output(WebhookDeliveryPage).query(({ ctx, input }) => listDeliveries(ctx, input)),
});
