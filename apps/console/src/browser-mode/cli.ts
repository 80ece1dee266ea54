import { parseArgs } from "node:util";
import { startBrowserConsole, type BrowserConsoleLogger } from "./host.ts";

// Runs the console alone in browser mode, against an API started elsewhere:
//   npx tsx apps/console/src/browser-mode/cli.ts --port 4100 --server-url http://127.0.0.1:4000

const USAGE = "Usage: cli.ts [--port <n>] [--server-url <url>] [--data-dir <dir>]  (env: CONSOLE_PORT, ORDERDECK_SERVER_URL, ORDERDECK_CONSOLE_DATA_DIR)";

const { values } = parseArgs({
  options: {
    port: { type: "string" },
    "server-url": { type: "string" },
    "data-dir": { type: "string" },
    help: { type: "boolean", short: "h" },
  },
});

if (values.help) {
  console.log(USAGE);
  process.exit(0);
}

const portText = values.port ?? process.env["CONSOLE_PORT"] ?? "4100";
const port = Number(portText);
if (!Number.isInteger(port) || port < 0 || port > 65_535) {
  console.error(`Invalid console port ${JSON.stringify(portText)} (--port / CONSOLE_PORT must be 0-65535)`);
  process.exit(2);
}
const serverUrl = values["server-url"] ?? process.env["ORDERDECK_SERVER_URL"] ?? "http://127.0.0.1:4000";
const dataDir = values["data-dir"] ?? process.env["ORDERDECK_CONSOLE_DATA_DIR"] ?? ".data/console";

const log: BrowserConsoleLogger = {
  info: (message, meta) => console.log(message, meta ?? ""),
  warn: (message, meta) => console.warn(message, meta ?? ""),
  error: (message, meta) => console.error(message, meta ?? ""),
};

try {
  const consoleHost = await startBrowserConsole({ port, serverUrl, dataDir, log });
  console.log(`OrderDeck console: ${consoleHost.url}  (server ${serverUrl})`);
  const stop = () => {
    consoleHost.close().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  process.once("SIGINT", stop);
  process.once("SIGTERM", stop);
} catch (error) {
  console.error(`Console failed to start: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
}
