import { defineProject } from "vitest/config";

export default defineProject({
  test: { name: "@orderdeck/mail-sink", include: ["test/**/*.test.ts", "src/**/*.test.ts"] },
});
