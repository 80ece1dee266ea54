import path from "node:path";
import { app, BrowserWindow, dialog, ipcMain, protocol, safeStorage, screen, session, type WebContents } from "electron";
import { createConsoleCore, createLocalRouter, type ConsoleCore } from "@orderdeck/console-core";
import { loadStaticFile } from "../renderer-files/static-files.ts";
import { CSP_DEV, CSP_HEADER, SECURITY_HEADERS } from "../shared/csp.ts";
import { serveRouterOverIpc, type IpcService } from "./ipc.ts";
import { servePrinting } from "./printing.ts";
import { chooseSecretStore, type OsEncryption } from "./secret-store.ts";
import { isAllowedRequestUrl, isRendererNavigation, originOf, secureWebPreferences } from "./security.ts";
import { placeWindow, readWindowState, trackWindowState, writeWindowState } from "./window-state.ts";

/**
 * The built renderer is served from a privileged custom scheme rather than file://: it gives the
 * page a real origin for `'self'` in the CSP, lets us attach security headers to every response,
 * and keeps the rest of the file system out of the renderer's reach.
 */
const APP_SCHEME = "app";
const APP_ORIGIN = `${APP_SCHEME}://console`;
const DEFAULT_SERVER_URL = "http://127.0.0.1:4000";
const WINDOW_LIMITS = { defaultWidth: 1280, defaultHeight: 800, minWidth: 800, minHeight: 600 };

// electron-vite sets this only for `electron-vite dev`; a packaged app never loads from a dev server.
const devServerUrl = !app.isPackaged ? process.env["ELECTRON_RENDERER_URL"] : undefined;
const devServerOrigin = devServerUrl ? (originOf(devServerUrl) ?? undefined) : undefined;
const rendererOrigin = devServerOrigin ?? APP_ORIGIN;
const contentSecurityPolicy = devServerOrigin ? CSP_DEV : CSP_HEADER;

const rendererDir = path.join(import.meta.dirname, "../renderer");
const preloadPath = path.join(import.meta.dirname, "../preload/index.cjs");

// A separate profile (tests, `npm start` keeping its data beside the server's): must be set before
// anything reads userData, including the single-instance lock below.
const userDataOverride = process.env["ORDERDECK_USER_DATA_DIR"];
if (userDataOverride) app.setPath("userData", path.resolve(userDataOverride));

// Must happen before `ready`: only privileged schemes get a secure origin and fetch support.
protocol.registerSchemesAsPrivileged([
  { scheme: APP_SCHEME, privileges: { standard: true, secure: true, supportFetchAPI: true } },
]);

let mainWindow: BrowserWindow | null = null;
let core: ConsoleCore | null = null;
let ipc: IpcService | null = null;

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
  // closing only stops the streams, the sync loop and the database cleanly.
  app.on("will-quit", (event) => {
    ipc?.close();
    ipc = null;
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
  const userData = app.getPath("userData");
  // The cache, outbox and credentials live in the app's own data folder; the credentials are
  // encrypted by the OS where it can (safeStorage is usable only once the app is ready).
  const dataDir = path.join(userData, "console");
  const secrets = chooseSecretStore(dataDir, osEncryption(), { warn: (message) => console.warn(message) });
  core = createConsoleCore({ dataDir, defaultServerUrl: serverUrl, secrets });
  core.start();
  const router = createLocalRouter({ serverUrl: () => core?.serverUrl ?? serverUrl, core });
  const isTrustedSender = (event: { senderFrame: { url: string } | null }): boolean => {
    const frameUrl = event.senderFrame?.url;
    return !!frameUrl && isRendererNavigation(frameUrl, rendererOrigin);
  };
  ipc = serveRouterOverIpc(router, {
    ipcMain,
    isTrustedSender,
    onError: (error, procedurePath) => console.error(`localRouter ${procedurePath ?? "?"} failed`, error),
  });
  servePrinting({
    ipcMain,
    isTrustedSender,
    showSaveDialog: (contents, options) => {
      const owner = BrowserWindow.fromWebContents(contents as WebContents);
      return owner ? dialog.showSaveDialog(owner, options) : dialog.showSaveDialog(options);
    },
    defaultFolder: () => app.getPath("documents"),
  });

  mainWindow = createWindow(userData);
}

function osEncryption(): OsEncryption {
  return {
    isEncryptionAvailable: () => safeStorage.isEncryptionAvailable(),
    encryptString: (text) => safeStorage.encryptString(text),
    decryptString: (encrypted) => safeStorage.decryptString(encrypted),
    ...(process.platform === "linux" ? { getSelectedStorageBackend: () => safeStorage.getSelectedStorageBackend() } : {}),
  };
}

function createWindow(stateDir: string): BrowserWindow {
  const displays = screen.getAllDisplays();
  const primary = screen.getPrimaryDisplay();
  // The primary display first: a window that fits nowhere goes there.
  const ordered = [primary, ...displays.filter((display) => display.id !== primary.id)];
  const placement = placeWindow(readWindowState(stateDir), ordered, WINDOW_LIMITS);
  const window = new BrowserWindow({
    ...(placement.x !== undefined && placement.y !== undefined ? { x: placement.x, y: placement.y } : {}),
    width: placement.width,
    height: placement.height,
    minWidth: WINDOW_LIMITS.minWidth,
    minHeight: WINDOW_LIMITS.minHeight,
    title: "OrderDeck console",
    show: false,
    backgroundColor: "#f6f7f9",
    webPreferences: secureWebPreferences(preloadPath),
  });
  trackWindowState(window, (state) => {
    try {
      writeWindowState(stateDir, state);
    } catch (error) {
      // Losing the window's position is no reason to interrupt the shop.
      console.warn("window state could not be saved", errorMessage(error));
    }
  });
  window.once("ready-to-show", () => {
    // maximize() would show the window before its first paint.
    if (placement.maximized) window.maximize();
    window.show();
  });
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
    callback({ cancel: !isAllowedRequestUrl(details.url, { app: APP_ORIGIN, devServer: devServerOrigin }) });
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

function lockDownContents(contents: WebContents): void {
  contents.setWindowOpenHandler(() => ({ action: "deny" }));
  contents.on("will-frame-navigate", (event) => {
    if (!isRendererNavigation(event.url, rendererOrigin)) event.preventDefault();
  });
  contents.on("will-redirect", (event) => {
    if (!isRendererNavigation(event.url, rendererOrigin)) event.preventDefault();
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

function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
