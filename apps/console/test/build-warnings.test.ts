// The renderer's build (browser mode's on-demand build, electron-vite's renderer) says nothing
// about zod's misplaced `@__PURE__` comments, which are not ours to fix, and still passes on every
// other warning. Checked on zod's real source through Rollup, the bundler Vite builds with.
import { createRequire } from "node:module";
import path from "node:path";
import { rollup, type RollupLog } from "rollup";
import { describe, expect, it } from "vitest";
import { quietKnownWarnings } from "../vite.renderer.config.ts";

const zodCore = path.join(path.dirname(createRequire(import.meta.url).resolve("zod")), "v4", "core");

async function warningsOf(input: string, onwarn: (warning: RollupLog, warn: (warning: RollupLog) => void) => void): Promise<RollupLog[]> {
  const shown: RollupLog[] = [];
  const bundle = await rollup({ input, logLevel: "warn", onwarn: (warning) => onwarn(warning, (kept) => shown.push(kept)) });
  await bundle.close();
  return shown;
}

describe("the renderer build's warnings", () => {
  it("drops Rollup's INVALID_ANNOTATION for zod's sources, which an unfiltered build shows", async () => {
    const input = path.join(zodCore, "regexes.js");
    const unfiltered = await warningsOf(input, (warning, warn) => warn(warning));
    expect(unfiltered.map((w) => w.code)).toContain("INVALID_ANNOTATION");
    // (Rollup also notes zod's import circles, which Vite itself never shows.)
    expect((await warningsOf(input, quietKnownWarnings)).map((w) => w.code)).not.toContain("INVALID_ANNOTATION");
  });

  it("passes on the same warning from anywhere else, and every other warning", () => {
    const shown: RollupLog[] = [];
    quietKnownWarnings({ code: "INVALID_ANNOTATION", id: "/app/src/renderer/ours.ts", message: "A comment" }, (w) => shown.push(w));
    quietKnownWarnings({ code: "CIRCULAR_DEPENDENCY", id: "/app/node_modules/zod/v4/core/util.js", message: "circle" }, (w) => shown.push(w));
    expect(shown.map((w) => w.code)).toEqual(["INVALID_ANNOTATION", "CIRCULAR_DEPENDENCY"]);
  });
});
