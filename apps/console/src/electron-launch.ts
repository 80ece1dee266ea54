// Starting the Electron shell from a checkout (`npm start`, the Electron smoke test): is there an
// Electron that can run here, and is out/ built from the current sources? Node-side, dev-time only.
import { execFile } from "node:child_process";
import { existsSync } from "node:fs";
import { readdir, stat } from "node:fs/promises";
import { createRequire } from "node:module";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";

/** apps/console: the folder Electron is started with (its package.json names out/main/index.js). */
export const CONSOLE_APP_DIR = fileURLToPath(new URL("../", import.meta.url));

const OUTPUTS = ["out/main/index.js", "out/preload/index.cjs", "out/renderer/index.html"].map((file) => path.join(CONSOLE_APP_DIR, file));
/** Everything electron-vite bundles into out/: the shell, the renderer and the workspace packages inlined into main. */
const SOURCES = [
  path.join(CONSOLE_APP_DIR, "src"),
  path.join(CONSOLE_APP_DIR, "electron.vite.config.ts"),
  path.join(CONSOLE_APP_DIR, "vite.renderer.config.ts"),
  path.join(CONSOLE_APP_DIR, "package.json"),
  path.join(CONSOLE_APP_DIR, "../../packages/console-core/src"),
  path.join(CONSOLE_APP_DIR, "../../packages/contracts/src"),
];

const appRequire = () => createRequire(path.join(CONSOLE_APP_DIR, "package.json"));

export type ElectronAvailability = { executable: string; unavailable?: never } | { executable?: never; unavailable: string };

/**
 * The Electron binary, when it was downloaded and has a display to show a window on. npm 11 runs
 * no install scripts it was not told to, so `electron`'s postinstall (the download) often never ran.
 */
export function findElectron(env: NodeJS.ProcessEnv = process.env): ElectronAvailability {
  let executable: unknown;
  try {
    executable = appRequire()("electron");
  } catch {
    return { unavailable: "Electron binary not installed" };
  }
  if (typeof executable !== "string" || !existsSync(executable)) return { unavailable: "Electron binary not installed" };
  if (process.platform === "linux" && !env["DISPLAY"] && !env["WAYLAND_DISPLAY"]) {
    return { unavailable: "no display (DISPLAY and WAYLAND_DISPLAY unset; try xvfb-run)" };
  }
  return { executable };
}

export interface BuildLogger {
  info(message: string, meta?: Record<string, unknown>): void;
}

let building: Promise<void> | null = null;

/** Runs `electron-vite build` when out/ is missing or older than any source it is built from. */
export function ensureElectronBuilt(log: BuildLogger = { info() {} }): Promise<void> {
  building ??= (async () => {
    const reason = await whyRebuild();
    if (!reason) return;
    log.info("Building the Electron console (electron-vite build)", { reason });
    const started = Date.now();
    // A child process in apps/console: electron-vite reads the app's package.json from the working
    // directory (to keep its dependencies external) and caches it for the life of the process.
    const cli = path.join(path.dirname(appRequire().resolve("electron-vite/package.json")), "bin", "electron-vite.js");
    await promisify(execFile)(process.execPath, [cli, "build", "--logLevel", "warn"], { cwd: CONSOLE_APP_DIR, maxBuffer: 16 * 1024 * 1024 });
    log.info("Electron console built", { ms: Date.now() - started });
  })().finally(() => {
    building = null;
  });
  return building;
}

async function whyRebuild(): Promise<string | null> {
  let oldestOutput = Infinity;
  for (const output of OUTPUTS) {
    const info = await stat(output).catch(() => null);
    if (!info) return `${path.relative(CONSOLE_APP_DIR, output)} is missing`;
    oldestOutput = Math.min(oldestOutput, info.mtimeMs);
  }
  const newestSource = await newestMtime(SOURCES);
  return newestSource !== null && newestSource > oldestOutput ? "sources changed since the last build" : null;
}

async function newestMtime(entries: readonly string[]): Promise<number | null> {
  let newest: number | null = null;
  for (const entry of entries) {
    const info = await stat(entry).catch(() => null);
    if (!info) continue;
    const files = info.isDirectory() ? (await readdir(entry, { recursive: true })).map((name) => path.join(entry, name)) : [entry];
    for (const file of files) {
      const mtime = (await stat(file).catch(() => null))?.mtimeMs ?? null;
      if (mtime !== null && (newest === null || mtime > newest)) newest = mtime;
    }
  }
  return newest;
}
