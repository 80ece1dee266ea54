import { defineProject } from "vitest/config";

export default defineProject({
  test: { name: "@orderdeck/fake-storefront", include: ["test/**/*.test.ts", "src/**/*.test.ts"] },
});
