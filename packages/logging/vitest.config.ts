import { defineProject } from "vitest/config";
import { PROJECT_TEST_OPTIONS } from "../../vitest.shared.ts";

export default defineProject({
  test: { ...PROJECT_TEST_OPTIONS, name: "@orderdeck/logging", include: ["test/**/*.test.ts", "src/**/*.test.ts"] },
});
