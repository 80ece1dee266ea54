import { WebhookCreateInput, WebhookDeliveriesInput, WebhookRef, WebhookUpdateInput } from "@orderdeck/contracts";
import { adminProcedure, router } from "../trpc.ts";
import { createEndpoint, deleteEndpoint, listDeliveries, listEndpoints, rotateSecret, updateEndpoint } from "./service.ts";

// Webhooks send the shop's data to other systems: ADMIN only, like the feed and stations.
export const webhooksRouter = router({
  list: adminProcedure.query(({ ctx }) => listEndpoints(ctx)),

  /** Answers the new endpoint and its signing secret (shown this once). */
  create: adminProcedure.input(WebhookCreateInput).mutation(({ ctx, input }) => createEndpoint(ctx, input)),

  update: adminProcedure.input(WebhookUpdateInput).mutation(({ ctx, input }) => updateEndpoint(ctx, input)),

  delete: adminProcedure.input(WebhookRef).mutation(({ ctx, input }) => deleteEndpoint(ctx, input)),

  rotateSecret: adminProcedure.input(WebhookRef).mutation(({ ctx, input }) => rotateSecret(ctx, input)),

  deliveries: adminProcedure.input(WebhookDeliveriesInput).query(({ ctx, input }) => listDeliveries(ctx, input)),
});
