import { Readable } from "node:stream";
import { authorize, exportJobsCsv, type Context } from "@orderdeck/api";
import { DomainError, ERROR_CODES, JobExportInput } from "@orderdeck/contracts";
import { withLogContext } from "@orderdeck/logging";
import { TRPCError } from "@trpc/server";
import { getHTTPStatusCodeFromError } from "@trpc/server/http";
import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import { ZodError } from "zod";

// Files are plain HTTP routes, not tRPC procedures: a download streams, and tRPC answers in one
// JSON body. They authenticate exactly like the procedures (bearer session, station token,
// session budget, role) through the API's `authorize`.

function refuse(reply: FastifyReply, error: unknown): FastifyReply {
  if (error instanceof ZodError) {
    return reply.code(400).send({
      error: "The export request is not valid.",
      fieldErrors: error.issues.map((i) => ({ path: i.path.join("."), message: i.message })),
    });
  }
  const trpc =
    error instanceof TRPCError
      ? error
      : error instanceof DomainError
        ? new TRPCError({ code: ERROR_CODES[error.reason], message: error.message, cause: error })
        : null;
  if (!trpc) throw error;
  return reply.code(getHTTPStatusCodeFromError(trpc)).send({ error: trpc.message, reason: error instanceof DomainError ? error.reason : undefined });
}

export function registerExportRoutes(app: FastifyInstance, contextOf: (request: FastifyRequest) => Context): void {
  /** POST { filter?, sort? } (a jobs.list filter; default every unarchived job, oldest first) → text/csv. */
  app.post("/exports/jobs.csv", async (request, reply) =>
    withLogContext({ requestId: request.id, procedure: "exports.jobsCsv" }, async () => {
      const ctx = contextOf(request);
      let pieces: AsyncGenerator<string>;
      let first: IteratorResult<string>;
      try {
        const principal = await authorize(ctx, { role: "STAFF" });
        const input = JobExportInput.parse(request.body ?? {});
        pieces = exportJobsCsv(ctx.prisma, principal.siteId, input);
        // The first piece is read before answering, so a refusal (a bad filter) is still a 4xx.
        first = await pieces.next();
      } catch (error) {
        return refuse(reply, error);
      }
      const body = Readable.from(
        (async function* () {
          if (!first.done) yield first.value;
          yield* pieces;
        })(),
      );
      // A failure half-way breaks the download off (the client sees an incomplete transfer), never a short file that looks whole.
      body.on("error", (error) => ctx.logger.error("jobs export failed mid-stream", { requestId: request.id, error: error.message }));
      const day = new Date().toISOString().slice(0, 10);
      return reply
        .header("content-type", "text/csv; charset=utf-8")
        .header("content-disposition", `attachment; filename="orderdeck-jobs-${day}.csv"`)
        .header("cache-control", "no-store")
        .send(body);
    }),
  );
}
