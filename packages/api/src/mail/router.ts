import { DeliveryStatus, MailKind, RecordId } from "@orderdeck/contracts";
import { z } from "zod";
import { leadProcedure, router } from "../trpc.ts";
import { mailLog } from "./log.ts";

const MailLogInput = z.strictObject({
  status: DeliveryStatus.optional(),
  kind: MailKind.optional(),
  jobId: RecordId.optional(),
  cursor: RecordId.optional(),
  limit: z.int().min(1).max(200).default(50),
});

export const mailRouter = router({
  log: leadProcedure
    .input(MailLogInput)
    .query(({ ctx, input }) => mailLog(ctx, input)),
});
