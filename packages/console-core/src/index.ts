export {
  createLocalRouter,
  ConsoleStatus,
  ServerStatus,
  DEFAULT_READINESS_TIMEOUT_MS,
  type LocalRouter,
  type LocalRouterOptions,
} from "./local-router.ts";
export { normaliseServerUrl } from "./areas/server-url.ts";
export * from "./api.ts";
export { createConsoleCore, type ConsoleCore, type ConsoleCoreOptions } from "./console.ts";
export { SECRETS_FILE, fileSecretStore, memorySecretStore, type Credentials, type SecretStore } from "./store/secrets.ts";
export { openDatabase, DATABASE_FILE, SCHEMA_VERSION } from "./store/database.ts";
export { syncStateReached, type SyncStateSource } from "./sync/wait.ts";
export { createServerClient, ServerCallError, type ServerClient } from "./sync/server-client.ts";
