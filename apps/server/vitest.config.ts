import { defineProject } from "vitest/config";

export default defineProject({
  test: { name: "@orderdeck/server", include: ["test/**/*.test.ts"] },
});
