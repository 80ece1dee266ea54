import type { WebPreferences } from "electron";

// The shell's security rules as pure functions, so they are tested without Electron; index.ts
// applies them to the window, the session and every webContents.

/** Where the renderer may come from: the packaged `app://console`, or electron-vite's dev server. */
export interface RendererOrigins {
  app: string;
  devServer?: string;
}

/** `URL.origin` is "null" for custom schemes such as app://, so the origin is spelled out by hand. */
export function originOf(url: string): string | null {
  try {
    const parsed = new URL(url);
    return `${parsed.protocol}//${parsed.host}`;
  } catch {
    return null;
  }
}

/**
 * The session's request filter: the renderer reaches nothing but its own files. Data reaches it
 * through localRouter over IPC, never from the network — not even from the OrderDeck server.
 */
export function isAllowedRequestUrl(url: string, origins: RendererOrigins): boolean {
  if (url.startsWith("devtools://") || url.startsWith("data:")) return true;
  const origin = originOf(url);
  return origin !== null && (origin === origins.app || (origins.devServer !== undefined && origin === origins.devServer));
}

/** The console is a single page: navigating away from its origin is either a bug or an attack. */
export function isRendererNavigation(url: string, rendererOrigin: string): boolean {
  return originOf(url) === rendererOrigin;
}

/** Electron's security checklist, applied to the one window. */
export function secureWebPreferences(preloadPath: string): WebPreferences {
  return {
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
  };
}
