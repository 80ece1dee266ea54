import { UserChangeRoleInput, UserCreateInput, UserRef, UserResetPasswordInput, UsersListInput } from "@orderdeck/contracts";
import { adminProcedure, router, staffProcedure } from "../trpc.ts";
import { assignable, changeRole, create, disable, enable, list, resetPassword } from "./service.ts";

// Users admin is ADMIN-only, procedure by procedure (checked by the one `authorized` middleware);
// the names jobs can be assigned to are anyone's to read.
export const usersRouter = router({
  assignable: staffProcedure.query(({ ctx }) => assignable(ctx)),

  list: adminProcedure.input(UsersListInput).query(({ ctx, input }) => list(ctx, input ?? {})),

  create: adminProcedure.input(UserCreateInput).mutation(({ ctx, input }) => create(ctx, input)),

  disable: adminProcedure.input(UserRef).mutation(({ ctx, input }) => disable(ctx, input)),

  enable: adminProcedure.input(UserRef).mutation(({ ctx, input }) => enable(ctx, input)),

  resetPassword: adminProcedure.input(UserResetPasswordInput).mutation(({ ctx, input }) => resetPassword(ctx, input)),

  changeRole: adminProcedure.input(UserChangeRoleInput).mutation(({ ctx, input }) => changeRole(ctx, input)),
});
