import { fileURLToPath } from "node:url";
import react from "@vitejs/plugin-react";
import { defineConfig, type Plugin, type Rollup, type UserConfig } from "vite";
import { CSP_DEV, CSP_META } from "./src/shared/csp.ts";

/**
 * The one renderer build. Used as is by browser mode (`vite build -c vite.renderer.config.ts`, or
 * the host's on-demand build) and by electron-vite (electron.vite.config.ts spreads it into its
 * `renderer` section), so both shells load the same files from out/renderer.
 */
export const rendererRoot = fileURLToPath(new URL("./src/renderer", import.meta.url));
export const rendererOutDir = fileURLToPath(new URL("./out/renderer", import.meta.url));

const CSP_META_PATTERN = /(<meta\s+http-equiv="Content-Security-Policy"\s+content=")([^"]*)(")/;

/**
 * Keeps index.html's CSP honest: a build fails if its meta differs from src/shared/csp.ts, and the
 * dev server (Fast Refresh needs inline scripts and a websocket) gets the relaxed dev policy.
 */
function cspMeta(): Plugin {
  return {
    name: "orderdeck:csp-meta",
    transformIndexHtml: {
      order: "pre",
      handler(html, ctx) {
        const match = CSP_META_PATTERN.exec(html);
        if (!match) throw new Error("index.html must declare a Content-Security-Policy meta tag");
        if (ctx.server) return html.replace(CSP_META_PATTERN, `$1${CSP_DEV}$3`);
        const declared = (match[2] ?? "").replace(/\s+/g, " ").trim();
        if (declared !== CSP_META) {
          throw new Error(`index.html CSP differs from src/shared/csp.ts:\n  html: ${declared}\n  code: ${CSP_META}`);
        }
        return html;
      },
    },
  };
}

/**
 * zod's own sources carry `@__PURE__` comments where Rollup cannot use them and says so for each,
 * on every build (so on an `npm start` after a change): nothing of ours to act on. Only that
 * warning, and only for zod; any other is shown.
 */
export function quietKnownWarnings(warning: Rollup.RollupLog, warn: (warning: Rollup.RollupLog) => void): void {
  if (warning.code === "INVALID_ANNOTATION" && /[\\/]node_modules[\\/]zod[\\/]/.test(warning.id ?? "")) return;
  warn(warning);
}

export function rendererConfig(): UserConfig {
  return {
    root: rendererRoot,
    // Relative asset URLs work both from app://console/ (Electron) and from http://127.0.0.1:port/.
    base: "./",
    plugins: [react(), cspMeta()],
    build: {
      outDir: rendererOutDir,
      emptyOutDir: true,
      // Chromium in both shells; es2022 keeps the two builds byte-identical.
      target: "es2022",
      // Set explicitly: electron-vite would otherwise leave its renderer build unminified.
      minify: "esbuild",
      // Both shells are Chromium, which has native modulepreload; electron-vite drops the polyfill too.
      modulePreload: { polyfill: false },
      sourcemap: false,
      reportCompressedSize: false,
      // The bundle is read from the disk (Electron) or loopback (browser mode), never over a
      // network, so one chunk of ~600 kB costs nothing; the limit still flags a bundle that doubles.
      chunkSizeWarningLimit: 1_000,
      rollupOptions: { onwarn: quietKnownWarnings },
    },
  };
}

export default defineConfig(rendererConfig());
