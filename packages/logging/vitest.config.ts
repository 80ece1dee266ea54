import { defineProject } from "vitest/config";

export default defineProject({
  test: { name: "@orderdeck/logging", include: ["test/**/*.test.ts", "src/**/*.test.ts"] },
});
