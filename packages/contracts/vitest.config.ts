import { defineProject } from "vitest/config";

export default defineProject({
  test: { name: "@orderdeck/contracts", include: ["test/**/*.test.ts", "src/**/*.test.ts"] },
});
