import { answerStatusPage, missingStatusPage, type StatusPageAnswer, type StatusPageDependencies } from "@orderdeck/api";
import type { FastifyInstance, FastifyReply } from "fastify";

// The customer's status page: GET /status/<token>, no sign-in. Under /status every missing page
// (a wrong or revoked token included) is the same fixed 404 page, with the same headers.

function send(reply: FastifyReply, answer: StatusPageAnswer): FastifyReply {
  return reply.code(answer.status).headers(answer.headers).send(answer.body);
}

export async function registerStatusPage(app: FastifyInstance, deps: StatusPageDependencies): Promise<void> {
  await app.register(
    async (scope) => {
      scope.setNotFoundHandler((_request, reply) => send(reply, missingStatusPage()));
      scope.get<{ Params: { token: string } }>("/:token", async (request, reply) => send(reply, await answerStatusPage(deps, request.ip, request.params.token)));
    },
    { prefix: "/status" },
  );
}
