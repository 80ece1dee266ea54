import { ExceptionKind, ExceptionList } from "@orderdeck/contracts";
import { z } from "zod";
import type { ConsoleCoreApi } from "../api.ts";
import { t } from "../local-trpc.ts";
import { boardRouters } from "./board.ts";
import { requireCore, serverQuery } from "./passthrough.ts";

/** Everything the console does only with the server, one sub-router per domain. */
export function onlineRouter(coreApi: ConsoleCoreApi | undefined) {
  const core = requireCore(coreApi);
  return t.router({
    ...boardRouters(core),
    exceptions: t.router({
      list: serverQuery(
        core,
        "exceptions.list",
        z.strictObject({ kinds: z.array(ExceptionKind).min(1).max(ExceptionKind.options.length).optional(), perKind: z.int().min(1).max(200).optional() }),
        ExceptionList,
        "The exceptions list",
      ),
    }),
  });
}
