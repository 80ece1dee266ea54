import { defineProject } from "vitest/config";

export default defineProject({
  test: { name: "@orderdeck/console", include: ["test/**/*.test.ts"] },
});
