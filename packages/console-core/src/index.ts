export {
  createLocalRouter,
  ConsoleStatus,
  ServerStatus,
  DEFAULT_READINESS_TIMEOUT_MS,
  type LocalRouter,
  type LocalRouterOptions,
} from "./local-router.ts";
