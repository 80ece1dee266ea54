import { readFile, stat } from "node:fs/promises";
import path from "node:path";

// Shared by the Electron `app://` protocol and the browser-mode host: both serve the same built
// renderer, and both must refuse to serve anything outside it.

const CONTENT_TYPES: Readonly<Record<string, string>> = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".mjs": "text/javascript; charset=utf-8",
  ".css": "text/css; charset=utf-8",
  ".json": "application/json; charset=utf-8",
  ".map": "application/json; charset=utf-8",
  ".svg": "image/svg+xml",
  ".png": "image/png",
  ".ico": "image/x-icon",
  ".woff2": "font/woff2",
  ".txt": "text/plain; charset=utf-8",
};

export interface StaticFile {
  body: Buffer;
  contentType: string;
  /** Vite content-hashes everything under assets/, so those may be cached for good. */
  immutable: boolean;
}

/**
 * Maps a URL pathname to a file inside `rootDir`, or null. Rejects traversal (`..`, encoded or
 * not), absolute tricks and NUL bytes. Unknown paths without an extension fall back to index.html
 * so a client-side route survives a reload.
 */
export async function loadStaticFile(rootDir: string, urlPathname: string): Promise<StaticFile | null> {
  let decoded: string;
  try {
    decoded = decodeURIComponent(urlPathname);
  } catch {
    return null;
  }
  if (decoded.includes("\0")) return null;
  const root = path.resolve(rootDir);
  const relative = decoded.replace(/^\/+/, "") || "index.html";
  const candidate = path.resolve(root, relative);
  if (candidate !== root && !candidate.startsWith(root + path.sep)) return null;

  const file = (await isFile(candidate))
    ? candidate
    : path.extname(candidate) === ""
      ? path.join(root, "index.html")
      : null;
  if (!file || !(await isFile(file))) return null;

  const ext = path.extname(file).toLowerCase();
  return {
    body: await readFile(file),
    contentType: CONTENT_TYPES[ext] ?? "application/octet-stream",
    immutable: path.relative(root, file).startsWith(`assets${path.sep}`),
  };
}

async function isFile(file: string): Promise<boolean> {
  try {
    return (await stat(file)).isFile();
  } catch {
    return false;
  }
}
