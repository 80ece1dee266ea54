import { defineProject } from "vitest/config";

export default defineProject({
  test: { name: "@orderdeck/console-core", include: ["test/**/*.test.ts", "src/**/*.test.ts"] },
});
