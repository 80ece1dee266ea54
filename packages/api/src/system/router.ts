import { router, publicProcedure } from "../trpc.ts";

export const systemRouter = router({
  /** The server's version and clock, so a console can show what it talks to and spot clock drift. */
  info: publicProcedure.query(({ ctx }) => ({ version: ctx.version, serverTime: new Date().toISOString() })),
});
