export { loadConfig, ConfigError, type ServerConfig } from "./config.ts";
export { startServer, ROLES, type Role, type RunningServer, type DemoSignIn, type ServerOptions } from "./server.ts";
export { buildApp } from "./app.ts";
export { inOwnProcessGroup, stopOnSignals } from "./stop-signals.ts";
