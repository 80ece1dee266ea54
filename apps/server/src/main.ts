// orderdeck-server [--role=api|worker|all]: one server process.
import { ConfigError, loadConfig } from "./config.ts";
import { ROLES, type Role, startServer } from "./server.ts";

function parseRole(argv: string[]): Role {
  const arg = argv.find((a) => a.startsWith("--role="));
  const role = arg ? arg.slice("--role=".length) : "all";
  if (!(ROLES as readonly string[]).includes(role)) {
    console.error(`--role must be one of ${ROLES.join(", ")} (got "${role}")`);
    process.exit(2);
  }
  return role as Role;
}

try {
  const server = await startServer(loadConfig(), parseRole(process.argv.slice(2)));
  let stopping = false;
  const shutdown = (signal: string) => {
    if (stopping) return;
    stopping = true;
    server.logger.info("stopping", { signal });
    void server.stop().then(() => process.exit(0));
  };
  process.on("SIGINT", () => shutdown("SIGINT"));
  process.on("SIGTERM", () => shutdown("SIGTERM"));
} catch (error) {
  console.error(error instanceof ConfigError ? error.message : error);
  process.exit(1);
}
