// A newcomer finds a procedure from its path: `jobs.list` lives in src/jobs/router.ts, and so on
// for every path's first segment. root.ts mounts each router by that name.
import { existsSync, readFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { appRouter } from "../src/root.ts";

const SRC = path.resolve(import.meta.dirname, "../src");

describe("API folders", () => {
  it("has a folder named like each API path's first segment, holding that router", () => {
    const segments = [...new Set(Object.keys(appRouter._def.procedures).map((name) => name.split(".")[0] ?? name))];
    expect(segments.length).toBeGreaterThan(10);
    const missing = segments.filter((segment) => !existsSync(path.join(SRC, segment, "router.ts")));
    expect(missing).toEqual([]);
  });

  it("mounts every router by name in root.ts, without spreads", () => {
    const root = readFileSync(path.join(SRC, "root.ts"), "utf8");
    expect(root).not.toMatch(/\.\.\.\w+/);
  });
});
