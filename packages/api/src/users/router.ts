import {
  Assignee,
  UserChangeRoleInput,
  UserCreateInput,
  UserPage,
  UserRef,
  UserResetPasswordInput,
  UsersListInput,
  UserView,
} from "@orderdeck/contracts";
import { z } from "zod";
import { adminProcedure, router, staffProcedure } from "../trpc.ts";
import { assignable, changeRole, create, disable, enable, list, resetPassword } from "./service.ts";

// Users admin is ADMIN-only, procedure by procedure (checked by the one `authorized` middleware);
// the names jobs can be assigned to are anyone's to read.
export const usersRouter = router({
  assignable: staffProcedure.output(z.array(Assignee)).query(({ ctx }) => assignable(ctx)),

  list: adminProcedure.input(UsersListInput).output(UserPage).query(({ ctx, input }) => list(ctx, input ?? {})),

  create: adminProcedure.input(UserCreateInput).output(UserView).mutation(({ ctx, input }) => create(ctx, input)),

  disable: adminProcedure.input(UserRef).output(UserView).mutation(({ ctx, input }) => disable(ctx, input)),

  enable: adminProcedure.input(UserRef).output(UserView).mutation(({ ctx, input }) => enable(ctx, input)),

  resetPassword: adminProcedure.input(UserResetPasswordInput).output(UserView).mutation(({ ctx, input }) => resetPassword(ctx, input)),

  changeRole: adminProcedure.input(UserChangeRoleInput).output(UserView).mutation(({ ctx, input }) => changeRole(ctx, input)),
});
