// `npm start`: the whole of OrderDeck on one machine — database (embedded unless DATABASE_URL
// is set), API and worker, a local mail sink (unless SMTP_HOST is set), and the console: the
// Electron shell where it can run, browser mode otherwise.
import { spawn, type ChildProcess } from "node:child_process";
import path from "node:path";
import { CONSOLE_APP_DIR, ensureElectronBuilt, findElectron, startBrowserConsole } from "@orderdeck/console";
import { startMailSink, type MailSink } from "@orderdeck/mail-sink";
import { ConfigError, inOwnProcessGroup, loadConfig, startServer, stopOnSignals } from "@orderdeck/server";
import { z } from "zod";
import { startDemoFeed, type DemoFeed } from "./demo-feed.ts";

// The embedded PostgreSQL (no DATABASE_URL) must not get the terminal's Ctrl-C before the worker
// and the API have stopped: the product runs in a process group of its own.
if (!process.env.DATABASE_URL) await inOwnProcessGroup();

const consolePort = z.coerce.number().int().min(0).max(65535).default(4100).safeParse(process.env.CONSOLE_PORT);
if (!consolePort.success) {
  console.error(`CONSOLE_PORT: ${consolePort.error.issues[0]?.message ?? "invalid"}`);
  process.exit(2);
}

/** A folder as a person would type it from here: relative inside the checkout, absolute outside it. */
function shortPath(folder: string): string {
  const relative = path.relative(process.cwd(), folder);
  return relative && !relative.startsWith("..") && !path.isAbsolute(relative) ? relative : folder;
}

/** The Electron binary, when it was downloaded and a display exists to show it on. */
function electronBinary(): string | undefined {
  if (process.env.ORDERDECK_CONSOLE === "browser") return undefined;
  return findElectron().executable;
}

const smtpPort = z.coerce.number().int().min(0).max(65535).default(2525).safeParse(process.env.ORDERDECK_SMTP_PORT);
if (!smtpPort.success) {
  console.error(`ORDERDECK_SMTP_PORT: ${smtpPort.error.issues[0]?.message ?? "invalid"}`);
  process.exit(2);
}

// Without a mail server of its own, development mail goes to a local SMTP sink that keeps every
// message as an .eml file. Never in production: there, a missing SMTP_HOST stops the start.
let mailSink: MailSink | undefined;
const env = { ...process.env };
const mailDir = path.resolve(env.ORDERDECK_DATA_DIR ?? ".data", "mail");
if (!env.SMTP_HOST && env.NODE_ENV !== "production") {
  mailSink = await startMailSink({ port: smtpPort.data, dir: mailDir });
  Object.assign(env, { SMTP_HOST: mailSink.host, SMTP_PORT: String(mailSink.port), SMTP_SECURE: "false" });
}

// The demo storefront feed runs on 127.0.0.1, which the feed refuses unless the shop's own network
// is opened to it; outside production this machine's start opens it unless told otherwise.
if (env.INTAKE_ALLOW_PRIVATE_NETWORKS === undefined && env.NODE_ENV !== "production") env.INTAKE_ALLOW_PRIVATE_NETWORKS = "true";

let server: Awaited<ReturnType<typeof startServer>>;
let config: ReturnType<typeof loadConfig>;
try {
  config = loadConfig(env);
  server = await startServer(config, "all");
} catch (error) {
  await mailSink?.stop();
  console.error(error instanceof ConfigError ? error.message : error);
  process.exit(1);
}
const apiUrl = server.url ?? "";

let demoFeed: DemoFeed | null = null;
if (server.demo?.siteId) {
  try {
    demoFeed = await startDemoFeed(server.intake, server.demo.siteId);
  } catch (error) {
    // The product runs without its demo feed; say why and go on.
    server.logger.error("the demo storefront feed could not start", { error: error instanceof Error ? error.message : String(error) });
  }
}

let electron: ChildProcess | undefined;
let browserConsole: { url: string; close(): Promise<void> } | undefined;
const binary = electronBinary();
// The console's cache and outbox sit beside the server's data (a temporary folder in the e2e run).
const consoleDataDir = path.join(config.dataDir, "console");
let electronBuilt = false;
if (binary) {
  try {
    await ensureElectronBuilt({ info: (message, meta) => server.logger.info(message, meta) });
    electronBuilt = true;
  } catch (error) {
    // A shell that cannot be built is no reason to go without a console: browser mode serves the same one.
    server.logger.error("the Electron console could not be built; using browser mode", { error: error instanceof Error ? error.message : String(error) });
  }
}
if (binary && electronBuilt) {
  const electronEnv: NodeJS.ProcessEnv = {
    ...process.env,
    ORDERDECK_SERVER_URL: apiUrl,
    ORDERDECK_USER_DATA_DIR: path.join(config.dataDir, "console-electron"),
  };
  // Inherited from a parent that is itself Electron, it would make this one a plain Node process.
  delete electronEnv.ELECTRON_RUN_AS_NODE;
  electron = spawn(binary, [CONSOLE_APP_DIR], { stdio: "inherit", env: electronEnv });
  electron.on("exit", (code, signal) => void shutdown(`console closed (${signal ?? `exit ${code}`})`).then(() => process.exit(0)));
} else {
  browserConsole = await startBrowserConsole({ port: consolePort.data, serverUrl: apiUrl, dataDir: consoleDataDir });
}

const lines = [
  "",
  "OrderDeck is running",
  `  API      ${apiUrl}   (health: ${apiUrl}/readyz; the worker runs in the same process)`,
  mailSink
    ? `  Mail     smtp://${mailSink.host}:${mailSink.port}, kept as .eml files in ${shortPath(mailDir)}`
    : `  Mail     ${env.SMTP_HOST ?? ""}`,
  browserConsole
    ? `  Console  ${browserConsole.url}   (browser mode: Electron cannot start here)`
    : "  Console  Electron window",
  ...(server.demo
    ? [
        `  Sign in  ${server.demo.emails.join(", ")}`,
        `           password: ${server.demo.password}${env.ORDERDECK_DEMO_PASSWORD ? "" : `   (kept in ${shortPath(path.join(config.dataDir, "demo-password"))})`}`,
      ]
    : []),
  ...(demoFeed ? [`  Feed     ${demoFeed.url}   (demo storefront: ${demoFeed.summary})`] : []),
  "  Ctrl-C stops everything.",
  "",
];
console.log(lines.join("\n"));

// Everything stops in order: the console and the demo feed (which call the API), then the server
// (its worker, its API, then the embedded PostgreSQL), then the mail sink the worker sent to.
let stopping: Promise<void> | undefined;
function shutdown(reason: string): Promise<void> {
  stopping ??= (async () => {
    server.logger.info("stopping", { reason });
    electron?.kill();
    await browserConsole?.close();
    await demoFeed?.stop();
    await server.stop();
    await mailSink?.stop();
    console.log("OrderDeck stopped.");
  })();
  return stopping;
}
stopOnSignals((signal) => shutdown(signal));
