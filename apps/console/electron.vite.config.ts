import { defineConfig } from "electron-vite";
import { rendererConfig } from "./vite.renderer.config.ts";

// Workspace packages export TypeScript source, which Electron cannot load from node_modules, so
// they are bundled into main; real npm dependencies stay external.
const BUNDLED_WORKSPACE_PACKAGES = ["@orderdeck/console-core", "@orderdeck/contracts"];

export default defineConfig({
  main: {
    build: {
      externalizeDeps: {
        exclude: BUNDLED_WORKSPACE_PACKAGES,
        // Native module pulled in by console-core (issue 7); it can never be bundled.
        include: ["better-sqlite3"],
      },
    },
  },
  preload: {
    build: {
      // A sandboxed preload runs without a module loader: one self-contained CommonJS file whose
      // only import is `electron`.
      externalizeDeps: false,
      rollupOptions: {
        output: { format: "cjs", entryFileNames: "[name].cjs" },
      },
    },
  },
  renderer: rendererConfig(),
});
