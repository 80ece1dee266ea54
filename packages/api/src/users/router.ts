import { UserChangeRoleInput, UserCreateInput, UserRef, UserResetPasswordInput, UsersListInput } from "@orderdeck/contracts";
import { authedProcedure, router } from "../trpc.ts";
import { assignable, changeRole, create, disable, enable, list, resetPassword } from "./service.ts";

// Users admin is ADMIN-only, procedure by procedure (checked by the one `authorized` middleware);
// the names jobs can be assigned to are anyone's to read.
const admin = authedProcedure.meta({ role: "ADMIN" });
const staff = authedProcedure.meta({ role: "STAFF" });

export const usersRouter = router({
  assignable: staff.query(({ ctx }) => assignable(ctx)),

  list: admin.input(UsersListInput).query(({ ctx, input }) => list(ctx, input ?? {})),

  create: admin.input(UserCreateInput).mutation(({ ctx, input }) => create(ctx, input)),

  disable: admin.input(UserRef).mutation(({ ctx, input }) => disable(ctx, input)),

  enable: admin.input(UserRef).mutation(({ ctx, input }) => enable(ctx, input)),

  resetPassword: admin.input(UserResetPasswordInput).mutation(({ ctx, input }) => resetPassword(ctx, input)),

  changeRole: admin.input(UserChangeRoleInput).mutation(({ ctx, input }) => changeRole(ctx, input)),
});
