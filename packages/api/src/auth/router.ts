import { PasswordAttempt, SignInEmail } from "@orderdeck/contracts";
import { z } from "zod";
import { publicProcedure, router, staffProcedure } from "../trpc.ts";
import { login, logout, me } from "./service.ts";

export const authRouter = router({
  /** Email and password → a session token. Send `X-Station-Token` to sign in at an enrolled console. */
  login: publicProcedure
    .input(z.object({ email: SignInEmail, password: PasswordAttempt }))
    .mutation(({ ctx, input }) => login(ctx, input)),

  logout: staffProcedure.mutation(({ ctx }) => logout(ctx)),

  me: staffProcedure.query(({ ctx }) => me(ctx)),
});
