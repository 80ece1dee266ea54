import { readdir, stat } from "node:fs/promises";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { isIP } from "node:net";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { createHTTPHandler } from "@trpc/server/adapters/standalone";
import { createConsoleCore, createLocalRouter, normaliseServerUrl, type ConsoleCoreOptions } from "@orderdeck/console-core";
import { loadStaticFile } from "../renderer-files/static-files.ts";
import { SECURITY_HEADERS } from "../shared/csp.ts";
import { LOCAL_REQUEST_HEADER, LOCAL_TRPC_HTTP_PATH } from "../shared/transport.ts";

export interface BrowserConsoleLogger {
  info(message: string, meta?: Record<string, unknown>): void;
  warn(message: string, meta?: Record<string, unknown>): void;
  error(message: string, meta?: Record<string, unknown>): void;
}

export interface StartBrowserConsoleOptions {
  /** 0 picks a free port; the chosen one is in the returned `url`. */
  port: number;
  /** Loopback only (127.0.0.0/8, ::1, localhost): localRouter will hold station credentials. */
  host?: string;
  /** The OrderDeck API the console's localRouter talks to (until the console is enrolled elsewhere). */
  serverUrl: string;
  /** The console's data folder: its SQLite cache, outbox and credentials. */
  dataDir: string;
  log?: BrowserConsoleLogger;
  /**
   * Serve this directory instead of apps/console/out/renderer, as is, without building it
   * (tests, or a packaged renderer elsewhere).
   */
  rendererDir?: string;
  /** How the console retries an unreachable server (tests shorten the wait after the server returns). */
  backoff?: ConsoleCoreOptions["backoff"];
}

export interface BrowserConsole {
  url: string;
  close(): Promise<void>;
}

const APP_ROOT = fileURLToPath(new URL("../../", import.meta.url));
const DEFAULT_RENDERER_DIR = path.join(APP_ROOT, "out", "renderer");
const RENDERER_CONFIG = path.join(APP_ROOT, "vite.renderer.config.ts");
/** What the renderer bundle is built from; a newer file here means out/renderer is stale. */
const RENDERER_SOURCES = [
  path.join(APP_ROOT, "src", "renderer"),
  path.join(APP_ROOT, "src", "shared"),
  RENDERER_CONFIG,
];
const MAX_BODY_BYTES = 1024 * 1024;

const silentLogger: BrowserConsoleLogger = { info() {}, warn() {}, error() {} };

/**
 * Browser mode: the same renderer and the same console-core as the Electron shell, with
 * localRouter served over HTTP on 127.0.0.1 instead of IPC. Used by `npm start` where Electron
 * cannot run, and by the Playwright suites.
 */
export async function startBrowserConsole(options: StartBrowserConsoleOptions): Promise<BrowserConsole> {
  const host = options.host ?? "127.0.0.1";
  const log = options.log ?? silentLogger;
  assertLoopback(host);
  // Fails fast on a malformed server URL, before anything is built, opened or bound.
  normaliseServerUrl(options.serverUrl);
  const core = createConsoleCore({ dataDir: options.dataDir, defaultServerUrl: options.serverUrl, ...(options.backoff ? { backoff: options.backoff } : {}) });
  const router = createLocalRouter({ serverUrl: () => core.serverUrl, core });
  core.start();

  const rendererDir = options.rendererDir ?? DEFAULT_RENDERER_DIR;
  if (!options.rendererDir) await ensureRendererBuilt(log).catch(async (error: unknown) => {
    await core.close();
    throw error;
  });

  const trpcHandler = createHTTPHandler({
    router,
    basePath: `${LOCAL_TRPC_HTTP_PATH}/`,
    maxBodySize: MAX_BODY_BYTES,
    onError: ({ error, path: procedure }) => {
      if (error.code === "INTERNAL_SERVER_ERROR") {
        log.error("localRouter procedure failed", { procedure, error: error.message, stack: error.stack });
      }
    },
  });

  let allowedHosts = new Set<string>();
  const server = createServer((req, res) => {
    handle(req, res).catch((error: unknown) => {
      log.error("browser console request failed", { url: req.url, error: String(error) });
      if (!res.headersSent) send(res, 500, "Internal error");
      else res.destroy();
    });
  });

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    for (const [name, value] of Object.entries(SECURITY_HEADERS)) res.setHeader(name, value);

    // DNS rebinding: a hostile site resolving its own name to 127.0.0.1 would arrive with its own
    // Host header. Only our literal loopback names are served.
    if (!allowedHosts.has((req.headers.host ?? "").toLowerCase())) {
      return send(res, 421, "Misdirected request");
    }
    const pathname = new URL(req.url ?? "/", "http://placeholder").pathname;

    if (pathname === LOCAL_TRPC_HTTP_PATH || pathname.startsWith(`${LOCAL_TRPC_HTTP_PATH}/`)) {
      const origin = req.headers.origin;
      const sameOrigin = origin === undefined || allowedHosts.has(originHost(origin) ?? "");
      // EventSource (subscriptions) cannot send a custom header; a stream only reads, and the
      // Origin and Host checks still keep other pages from reading it.
      const stream = req.method === "GET" && (req.headers.accept ?? "").includes("text/event-stream");
      if (!sameOrigin || (req.headers[LOCAL_REQUEST_HEADER] !== "1" && !stream)) {
        return send(res, 403, "Forbidden");
      }
      res.setHeader("Cache-Control", "no-store");
      trpcHandler(req, res);
      return;
    }

    if (req.method !== "GET" && req.method !== "HEAD") {
      res.setHeader("Allow", "GET, HEAD");
      return send(res, 405, "Method not allowed");
    }
    const file = await loadStaticFile(rendererDir, pathname);
    if (!file) return send(res, 404, "Not found");
    res.writeHead(200, {
      "Content-Type": file.contentType,
      "Content-Length": file.body.length,
      // index.html must be re-read so a rebuilt renderer is picked up on reload.
      "Cache-Control": file.immutable ? "public, max-age=31536000, immutable" : "no-store",
    });
    res.end(req.method === "HEAD" ? undefined : file.body);
  }

  try {
    await new Promise<void>((resolve, reject) => {
      server.once("error", reject);
      server.listen(options.port, host, () => {
        server.off("error", reject);
        resolve();
      });
    });
  } catch (error) {
    await core.close();
    throw error;
  }
  const { port } = server.address() as AddressInfo;
  allowedHosts = new Set([`127.0.0.1:${port}`, `localhost:${port}`, `[::1]:${port}`, `${formatHost(host)}:${port}`]);
  const url = `http://${formatHost(host)}:${port}`;
  log.info("OrderDeck console (browser mode) listening", { url, serverUrl: options.serverUrl });

  return {
    url,
    close: async () => {
      await new Promise<void>((resolve, reject) => {
        server.close((error) => (error ? reject(error) : resolve()));
        // Keep-alive sockets (and event streams) from the page would otherwise hold close() open.
        server.closeAllConnections();
      });
      await core.close();
    },
  };
}

function send(res: ServerResponse, status: number, message: string): void {
  res.writeHead(status, { "Content-Type": "text/plain; charset=utf-8", "Cache-Control": "no-store" });
  res.end(message);
}

function assertLoopback(host: string): void {
  const loopback =
    host === "localhost" ||
    host === "::1" ||
    (isIP(host) === 4 && host.startsWith("127."));
  if (!loopback) {
    throw new Error(`Browser console must bind a loopback address (127.0.0.1, ::1, localhost), not ${host}`);
  }
}

function formatHost(host: string): string {
  return isIP(host) === 6 ? `[${host}]` : host;
}

function originHost(origin: string): string | null {
  try {
    const url = new URL(origin);
    return url.protocol === "http:" ? url.host.toLowerCase() : null;
  } catch {
    return null;
  }
}

// One build per process even if several consoles start at once (tests).
let building: Promise<void> | null = null;

async function ensureRendererBuilt(log: BrowserConsoleLogger): Promise<void> {
  building ??= (async () => {
    const reason = await whyRebuild();
    if (!reason) return;
    log.info("Building the console renderer", { reason, outDir: DEFAULT_RENDERER_DIR });
    const started = Date.now();
    // Loaded on demand: vite is a build tool, needed only when no fresh build exists.
    const { build } = await import("vite");
    await build({ configFile: RENDERER_CONFIG, logLevel: "warn", mode: "production" });
    log.info("Console renderer built", { ms: Date.now() - started });
  })().finally(() => {
    building = null;
  });
  return building;
}

async function whyRebuild(): Promise<string | null> {
  const builtAt = await mtimeOf(path.join(DEFAULT_RENDERER_DIR, "index.html"));
  if (builtAt === null) return "no build in out/renderer";
  // Without sources (a packaged app) the existing build is all there is.
  const newestSource = await newestMtime(RENDERER_SOURCES);
  return newestSource !== null && newestSource > builtAt ? "sources changed since the last build" : null;
}

async function mtimeOf(file: string): Promise<number | null> {
  try {
    return (await stat(file)).mtimeMs;
  } catch {
    return null;
  }
}

async function newestMtime(entries: readonly string[]): Promise<number | null> {
  let newest: number | null = null;
  for (const entry of entries) {
    const info = await stat(entry).catch(() => null);
    if (!info) continue;
    const files = info.isDirectory()
      ? (await readdir(entry, { recursive: true })).map((name) => path.join(entry, name))
      : [entry];
    for (const file of files) {
      const mtime = await mtimeOf(file);
      if (mtime !== null && (newest === null || mtime > newest)) newest = mtime;
    }
  }
  return newest;
}
