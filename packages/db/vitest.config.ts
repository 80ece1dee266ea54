import { defineProject } from "vitest/config";

export default defineProject({
  test: { name: "@orderdeck/db", include: ["test/**/*.test.ts", "src/**/*.test.ts"] },
});
