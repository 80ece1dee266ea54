import type { ConsoleCoreApi } from "../api.ts";
import { t } from "../local-trpc.ts";
import { adminRouter } from "./admin.ts";
import { boardRouters } from "./board.ts";
import { exceptionsRouter } from "./exceptions.ts";
import { operationsRouter } from "./operations.ts";
import { requireCore } from "./passthrough.ts";

/** Everything the console does only with the server, one sub-router per domain. */
export function onlineRouter(coreApi: ConsoleCoreApi | undefined) {
  const core = requireCore(coreApi);
  return t.router({
    ...boardRouters(core),
    exceptions: exceptionsRouter(core),
    operations: operationsRouter(core),
    admin: adminRouter(core),
  });
}
