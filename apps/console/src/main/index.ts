import path from "node:path";
import { app, BrowserWindow, dialog, protocol, session, type WebContents } from "electron";
import { createConsoleCore, createLocalRouter, type ConsoleCore } from "@orderdeck/console-core";
import { loadStaticFile } from "../renderer-files/static-files.ts";
import { CSP_DEV, CSP_HEADER, SECURITY_HEADERS } from "../shared/csp.ts";
import { serveRouterOverIpc } from "./ipc.ts";

/**
 * The built renderer is served from a privileged custom scheme rather than file://: it gives the
 * page a real origin for `'self'` in the CSP, lets us attach security headers to every response,
 * and keeps the rest of the file system out of the renderer's reach.
 */
const APP_SCHEME = "app";
const APP_ORIGIN = `${APP_SCHEME}://console`;
const DEFAULT_SERVER_URL = "http://127.0.0.1:4000";

// electron-vite sets this only for `electron-vite dev`; a packaged app never loads from a dev server.
const devServerUrl = !app.isPackaged ? process.env["ELECTRON_RENDERER_URL"] : undefined;
const devServerOrigin = devServerUrl ? new URL(devServerUrl).origin : undefined;
const rendererOrigin = devServerOrigin ?? APP_ORIGIN;
const contentSecurityPolicy = devServerOrigin ? CSP_DEV : CSP_HEADER;

const rendererDir = path.join(import.meta.dirname, "../renderer");
const preloadPath = path.join(import.meta.dirname, "../preload/index.cjs");

// Must happen before `ready`: only privileged schemes get a secure origin and fetch support.
protocol.registerSchemesAsPrivileged([
  { scheme: APP_SCHEME, privileges: { standard: true, secure: true, supportFetchAPI: true } },
]);

let mainWindow: BrowserWindow | null = null;
let core: ConsoleCore | null = null;

// A second console on the same machine would fight the first over the local cache and outbox
// (issue 7), so the second launch only brings the first window forward.
if (!app.requestSingleInstanceLock()) {
  app.quit();
} else {
  app.on("second-instance", () => {
    if (!mainWindow) return;
    if (mainWindow.isMinimized()) mainWindow.restore();
    mainWindow.focus();
  });
  app.on("web-contents-created", (_event, contents) => lockDownContents(contents));
  app.on("window-all-closed", () => app.quit());
  // Everything confirmed on screen is already on disk (each action commits before it answers);
  // closing only stops the sync loop and the database cleanly.
  app.on("will-quit", (event) => {
    if (!core) return;
    event.preventDefault();
    const closing = core;
    core = null;
    void closing.close().finally(() => app.quit());
  });
  app.whenReady().then(start).catch((error: unknown) => {
    dialog.showErrorBox("OrderDeck console could not start", errorMessage(error));
    app.exit(1);
  });
}

async function start(): Promise<void> {
  hardenSession();
  protocol.handle(APP_SCHEME, serveRenderer);

  const serverUrl = process.env["ORDERDECK_SERVER_URL"] ?? DEFAULT_SERVER_URL;
  // The cache, outbox and credentials live in the app's own data folder. Credentials use the
  // default 0600 file store; wrapping them with safeStorage is the shell's next step.
  core = createConsoleCore({ dataDir: path.join(app.getPath("userData"), "console"), defaultServerUrl: serverUrl });
  core.start();
  const router = createLocalRouter({ serverUrl: () => core?.serverUrl ?? serverUrl, core });
  serveRouterOverIpc(router, {
    isTrustedSender: (event) => {
      const frameUrl = event.senderFrame?.url;
      return !!frameUrl && originOf(frameUrl) === rendererOrigin;
    },
    onError: (error, procedurePath) => console.error(`localRouter ${procedurePath ?? "?"} failed`, error),
  });

  mainWindow = createWindow();
}

function createWindow(): BrowserWindow {
  const window = new BrowserWindow({
    width: 1280,
    height: 800,
    minWidth: 800,
    minHeight: 600,
    title: "OrderDeck console",
    show: false,
    backgroundColor: "#f6f7f9",
    webPreferences: {
      preload: preloadPath,
      contextIsolation: true,
      nodeIntegration: false,
      nodeIntegrationInWorker: false,
      nodeIntegrationInSubFrames: false,
      sandbox: true,
      webSecurity: true,
      allowRunningInsecureContent: false,
      webviewTag: false,
      navigateOnDragDrop: false,
      spellcheck: false,
    },
  });
  window.once("ready-to-show", () => window.show());
  window.on("closed", () => {
    if (mainWindow === window) mainWindow = null;
  });
  void window.loadURL(devServerUrl ?? `${APP_ORIGIN}/index.html`);
  return window;
}

/** No remote content, no permissions, and a CSP header on everything the session loads. */
function hardenSession(): void {
  const ses = session.defaultSession;
  ses.setPermissionRequestHandler((_contents, _permission, callback) => callback(false));
  ses.setPermissionCheckHandler(() => false);
  ses.webRequest.onBeforeRequest((details, callback) => {
    callback({ cancel: !isAllowedRequestUrl(details.url) });
  });
  ses.webRequest.onHeadersReceived((details, callback) => {
    callback({
      responseHeaders: {
        ...details.responseHeaders,
        "Content-Security-Policy": [contentSecurityPolicy],
      },
    });
  });
}

function isAllowedRequestUrl(url: string): boolean {
  if (url.startsWith("devtools://") || url.startsWith("data:")) return true;
  const origin = originOf(url);
  return origin === APP_ORIGIN || (devServerOrigin !== undefined && origin === devServerOrigin);
}

function lockDownContents(contents: WebContents): void {
  contents.setWindowOpenHandler(() => ({ action: "deny" }));
  // The console is a single page; any navigation away from it is either a bug or an attack.
  contents.on("will-frame-navigate", (event) => {
    if (originOf(event.url) !== rendererOrigin) event.preventDefault();
  });
  contents.on("will-redirect", (event) => {
    if (originOf(event.url) !== rendererOrigin) event.preventDefault();
  });
  contents.on("will-attach-webview", (event) => event.preventDefault());
}

async function serveRenderer(request: Request): Promise<Response> {
  const url = new URL(request.url);
  if (originOf(request.url) !== APP_ORIGIN || request.method !== "GET") {
    return new Response("Not found", { status: 404 });
  }
  const file = await loadStaticFile(rendererDir, url.pathname);
  if (!file) return new Response("Not found", { status: 404 });
  return new Response(new Uint8Array(file.body), {
    status: 200,
    headers: { ...SECURITY_HEADERS, "Content-Type": file.contentType },
  });
}

/** `URL.origin` is "null" for custom schemes such as app://, so the origin is spelled out by hand. */
function originOf(url: string): string | null {
  try {
    const parsed = new URL(url);
    return `${parsed.protocol}//${parsed.host}`;
  } catch {
    return null;
  }
}

function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
