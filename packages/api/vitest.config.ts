import { defineProject } from "vitest/config";

export default defineProject({
  test: { name: "@orderdeck/api", include: ["test/**/*.test.ts", "src/**/*.test.ts"] },
});
