// @ts-check
import js from "@eslint/js";
import globals from "globals";
import tseslint from "typescript-eslint";

export default tseslint.config(
  { ignores: ["**/node_modules/**", "**/dist/**", "**/out/**", "**/generated/**", ".data/**", "test-results/**"] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { globals: { ...globals.node } },
    rules: {
      "@typescript-eslint/no-explicit-any": "error",
      "@typescript-eslint/no-unused-vars": ["error", { argsIgnorePattern: "^_", varsIgnorePattern: "^_" }],
      "@typescript-eslint/consistent-type-imports": "error",
      "no-console": "off",
    },
  },
  {
    // The renderer runs in a sandboxed browser page: no Node, no Electron.
    files: ["apps/console/src/renderer/**"],
    languageOptions: { globals: { ...globals.browser } },
    rules: {
      // Types of console-core's localRouter are welcome (they are erased); its code is not.
      "@typescript-eslint/no-restricted-imports": [
        "error",
        {
          patterns: [
            { group: ["node:*", "electron", "better-sqlite3", "@orderdeck/db", "@orderdeck/api"], message: "The renderer is a sandboxed browser page." },
            { group: ["@orderdeck/console-core"], allowTypeImports: true, message: "The renderer reaches console-core only through localRouter." },
          ],
        },
      ],
    },
  },
  {
    // console-core runs in Electron's main process or the browser-mode host, never imports Electron.
    files: ["packages/console-core/**"],
    rules: { "no-restricted-imports": ["error", { paths: ["electron"] }] },
  },
  {
    // contracts is shared by every side, including the renderer: pure code only.
    files: ["packages/contracts/src/**"],
    rules: { "no-restricted-imports": ["error", { patterns: ["node:*", "@orderdeck/*"] }] },
  },
);
