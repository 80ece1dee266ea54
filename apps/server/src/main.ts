// orderdeck-server [--role=api|worker|all]: one server process.
import { ConfigError, loadConfig } from "./config.ts";
import { ROLES, type Role, startServer } from "./server.ts";
import { inOwnProcessGroup, stopOnSignals } from "./stop-signals.ts";

function parseRole(argv: string[]): Role {
  const arg = argv.find((a) => a.startsWith("--role="));
  const role = arg ? arg.slice("--role=".length) : "all";
  if (!(ROLES as readonly string[]).includes(role)) {
    console.error(`--role must be one of ${ROLES.join(", ")} (got "${role}")`);
    process.exit(2);
  }
  return role as Role;
}

// With no DATABASE_URL this process starts the embedded PostgreSQL, which must not see the
// terminal's Ctrl-C before the worker and the API have stopped.
if (!process.env.DATABASE_URL) await inOwnProcessGroup();

try {
  const server = await startServer(loadConfig(), parseRole(process.argv.slice(2)));
  stopOnSignals(async (signal) => {
    server.logger.info("stopping", { signal });
    await server.stop();
    server.logger.info("stopped");
  });
} catch (error) {
  console.error(error instanceof ConfigError ? error.message : error);
  process.exit(1);
}
