import { WebhookCreateInput, WebhookDeliveriesInput, WebhookRef, WebhookUpdateInput } from "@orderdeck/contracts";
import { authedProcedure, router } from "../trpc.ts";
import { createEndpoint, deleteEndpoint, listDeliveries, listEndpoints, rotateSecret, updateEndpoint } from "./service.ts";

// Webhooks send the shop's data to other systems: ADMIN only, like the feed and stations.
const admin = authedProcedure.meta({ role: "ADMIN" });

export const webhooksRouter = router({
  list: admin.query(({ ctx }) => listEndpoints(ctx)),

  /** Answers the new endpoint and its signing secret (shown this once). */
  create: admin.input(WebhookCreateInput).mutation(({ ctx, input }) => createEndpoint(ctx, input)),

  update: admin.input(WebhookUpdateInput).mutation(({ ctx, input }) => updateEndpoint(ctx, input)),

  delete: admin.input(WebhookRef).mutation(({ ctx, input }) => deleteEndpoint(ctx, input)),

  rotateSecret: admin.input(WebhookRef).mutation(({ ctx, input }) => rotateSecret(ctx, input)),

  deliveries: admin.input(WebhookDeliveriesInput).query(({ ctx, input }) => listDeliveries(ctx, input)),
});
