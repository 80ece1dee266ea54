import { UserRole } from "@orderdeck/contracts";
import { z } from "zod";
import { NewEmail, NewPassword, PersonName, RecordId } from "../auth/inputs.ts";
import { authedProcedure, router } from "../trpc.ts";
import { changeRole, create, disable, enable, list, resetPassword } from "./service.ts";

// Users admin is ADMIN-only, procedure by procedure (checked by the one `authorized` middleware).
const admin = authedProcedure.meta({ role: "ADMIN" });

export const usersRouter = router({
  list: admin
    .input(
      z
        .object({
          /** The `nextCursor` of the page before. */
          cursor: z.string().max(254).regex(/^[^\p{Cc}]*$/u).optional(),
          limit: z.number().int().min(1).max(200).optional(),
        })
        .optional(),
    )
    .query(({ ctx, input }) => list(ctx, input ?? {})),

  create: admin
    .input(z.object({ email: NewEmail, name: PersonName, role: UserRole, password: NewPassword }))
    .mutation(({ ctx, input }) => create(ctx, input)),

  disable: admin.input(z.object({ userId: RecordId })).mutation(({ ctx, input }) => disable(ctx, input)),

  enable: admin.input(z.object({ userId: RecordId })).mutation(({ ctx, input }) => enable(ctx, input)),

  resetPassword: admin
    .input(z.object({ userId: RecordId, password: NewPassword }))
    .mutation(({ ctx, input }) => resetPassword(ctx, input)),

  changeRole: admin
    .input(z.object({ userId: RecordId, role: UserRole }))
    .mutation(({ ctx, input }) => changeRole(ctx, input)),
});
