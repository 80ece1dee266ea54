import { ExceptionList, ExceptionsListInput } from "@orderdeck/contracts";
import { t } from "../local-trpc.ts";
import { serverQuery, type CoreOf } from "./passthrough.ts";

// What went wrong and needs a person (STAFF and up; the server checks the role).
export function exceptionsRouter(core: CoreOf) {
  return t.router({
    list: serverQuery(core, "exceptions.list", ExceptionsListInput, ExceptionList, "The exceptions list"),
  });
}
