// The renderer: the queue board with 10 000 open jobs in Chromium. A site of its own holds the
// 10 000 jobs; a console (browser mode: the same renderer and console-core as the Electron
// shell, localRouter over HTTP on 127.0.0.1) is enrolled there and has pulled them; Chromium
// (Debian's, as in the e2e suite) opens the board. Measured: time from navigation to the first
// rows of the grid, how many rows the DOM holds (the board is virtualized: a screenful, not
// 10 000), and the time between animation frames while the grid scrolls from top to bottom.
//
// The board's contract: a `role="grid"` named "Queue" that is its own scroll container, rows
// `role="row"`.
import { mkdir } from "node:fs/promises";
import path from "node:path";
import { chromium, type Locator } from "@playwright/test";
import { startBrowserConsole } from "@orderdeck/console";
import { createConsoleCore } from "@orderdeck/console-core";
import { CHROMIUM, CHROMIUM_ARGS } from "../../e2e/harness/chromium.ts";
import { settleDatabase, type BenchEnvironment } from "../environment.ts";
import type { LoadShape } from "../load.ts";
import type { BenchResult } from "../report.ts";
import { consoleSite, type ConsoleSite } from "./site.ts";

const JOBS = 10_000;
const GRID = '[role="grid"][aria-label="Queue"]';

// Run in the page before its own scripts: notes the animation frame that first draws a row of the
// board (its callback's timestamp, on the page's clock, which starts at the navigation). The
// harness's own wait sees the row later, once the page's main thread is free of the board's
// further pages.
const FIRST_ROW_FRAME = `(() => {
  const observer = new MutationObserver(() => {
    if (!document.querySelector(${JSON.stringify(`${GRID} [role="row"]`)})) return;
    observer.disconnect();
    requestAnimationFrame((frame) => { globalThis.__firstRowFrame = frame; });
  });
  observer.observe(document, { childList: true, subtree: true });
})();`;

// What the scroll measurement uses of the page (it runs in Chromium; this project has no DOM types).
interface ScrollBox {
  scrollTop: number;
  readonly scrollHeight: number;
  readonly clientHeight: number;
}
declare const requestAnimationFrame: (callback: (now: number) => void) => number;

/** The grid's row count once it has stopped growing: the same for 500 ms (the board streams its pages in). */
async function wholeBoardRowCount(grid: Locator): Promise<string | null> {
  const deadline = performance.now() + 60_000;
  let count = await grid.getAttribute("aria-rowcount");
  let steadySince = performance.now();
  while (performance.now() - steadySince < 500) {
    if (performance.now() > deadline) throw new Error("the board's row count was still changing after 60 s");
    await new Promise((resolve) => setTimeout(resolve, 50));
    const now = await grid.getAttribute("aria-rowcount");
    if (now !== count) [count, steadySince] = [now, performance.now()];
  }
  return count;
}

/** Enrolls and signs in a console on `dataDir` and lets it pull the site; the browser console then opens the same folder. */
async function preparedConsole(env: BenchEnvironment, dataDir: string, site: ConsoleSite): Promise<void> {
  const core = createConsoleCore({ dataDir, defaultServerUrl: env.api.url, pullLimit: 1_000 });
  try {
    await core.setup.enroll(site.code);
    await core.setup.signIn(site.email, site.password);
    core.start();
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error("the board's console did not finish its first pull in 120 s")), 120_000);
      const check = () => {
        const state = core.sync.state();
        if (state.connection === "online" && state.lastSyncAt !== null && state.outboxSize === 0) {
          clearTimeout(timer);
          stop();
          resolve();
        }
      };
      const stop = core.sync.subscribe(check);
      check();
    });
  } finally {
    await core.close();
  }
}

export async function benchRenderer(env: BenchEnvironment, shape: LoadShape, log: (line: string) => void): Promise<BenchResult> {
  const site = await consoleSite(env, { name: "Board", jobs: JOBS, ready: 0 });
  const dataDir = path.join(env.dataDir, "board-console");
  await mkdir(dataDir, { recursive: true });
  log(`renderer: a console pulls the board's ${JOBS} jobs`);
  await preparedConsole(env, dataDir, site);
  log("renderer: settling the database after the seeds before it (VACUUM ANALYZE, CHECKPOINT)");
  const settledIn = await settleDatabase(env);
  log("renderer: browser console (builds the renderer when it is stale)");
  const host = await startBrowserConsole({ port: 0, serverUrl: env.api.url, dataDir });
  const browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
  try {
    const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
    // tsx compiles this file keeping function names, through a helper (__name) that the page does
    // not have: the measuring function below would fail in Chromium without it.
    await page.addInitScript({ content: "globalThis.__name = (fn) => fn;" });
    await page.addInitScript({ content: FIRST_ROW_FRAME });
    const grid = page.locator(GRID);
    const firstRow = grid.locator('[role="row"]').first();

    const started = performance.now();
    await page.goto(host.url);
    // The board may not be the landing screen: follow the navigation to it.
    if (!(await grid.isVisible().catch(() => false))) {
      await firstRow.waitFor({ state: "visible", timeout: 5_000 }).catch(async () => {
        await page.getByRole("link", { name: /queue/i }).first().click();
      });
    }
    await firstRow.waitFor({ state: "visible", timeout: 60_000 });
    const firstRowSeenMs = performance.now() - started;
    const firstRowFrame = await page.waitForFunction(() => (globalThis as { __firstRowFrame?: number }).__firstRowFrame ?? false);
    const firstRowsMs = Number(await firstRowFrame.jsonValue());
    // The board streams the rest of its pages after the first rows (about a second for 10 000
    // jobs); the scroll is measured on the whole board, once its row count has stopped growing.
    const totalRows = await wholeBoardRowCount(grid);
    const wholeBoardMs = performance.now() - started;
    const domRows = await grid.locator('[role="row"]').count();

    // Chromium's own counters of main-thread work, read around the scroll: what each frame costs,
    // apart from how the machine schedules it.
    const devtools = await page.context().newCDPSession(page);
    await devtools.send("Performance.enable");
    const mainThreadBefore = (await devtools.send("Performance.getMetrics")).metrics;

    const frames = await grid.evaluate(async (element, durationMs) => {
      const el = element as unknown as ScrollBox;
      const deltas: number[] = [];
      const distance = el.scrollHeight - el.clientHeight;
      let last = performance.now();
      const start = last;
      await new Promise<void>((resolve) => {
        const step = (now: number) => {
          deltas.push(now - last);
          last = now;
          const t = Math.min(1, (now - start) / durationMs);
          el.scrollTop = distance * t;
          if (t < 1) requestAnimationFrame(step);
          else resolve();
        };
        requestAnimationFrame(step);
      });
      return { deltas: deltas.slice(1), distance, reachedBottom: el.scrollTop >= distance - 2 };
    }, shape.quick ? 2_000 : 5_000);
    const mainThreadAfter = (await devtools.send("Performance.getMetrics")).metrics;
    const perFrameMs = (metric: string) => {
      const at = (metrics: typeof mainThreadBefore) => metrics.find((m) => m.name === metric)?.value ?? 0;
      return ((at(mainThreadAfter) - at(mainThreadBefore)) * 1000) / Math.max(1, frames.deltas.length);
    };
    const sorted = [...frames.deltas].sort((a, b) => a - b);
    const pick = (p: number) => sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] ?? Number.NaN;
    const bottomRowVisible = await grid.getByText(`Board part ${JOBS}`, { exact: false }).first().isVisible().catch(() => false);
    const longFrames = frames.deltas.filter((d) => d > 50).length;

    return {
      id: "renderer",
      title: "Renderer — the queue board with 10 000 jobs",
      about:
        `A site with ${JOBS.toLocaleString("en")} queued jobs; a console in browser mode (the renderer and console-core of the Electron shell, localRouter over HTTP on 127.0.0.1) has pulled them; ` +
        `Debian's Chromium (headless, the e2e suite's flags, without its own omnibox pages, 1280×800) opens the queue board (\`role="grid"\` "Queue"). Time to first rows runs from the navigation to the animation frame that first draws a row of the grid (noted inside the page; the harness's own sighting of the row, later by however long the page's main thread stays busy taking in the board's further pages, is shown beside it). ` +
        `Scrolling starts once the whole board is in (its row count steady for 500 ms): the grid's scrollTop is moved from top to bottom over ${shape.quick ? 2 : 5} s, one step per animation frame; the figures are the times between frames (16.7 ms is 60 frames a second).`,
      runs: [],
      facts: [
        ["the database before the browser started", `vacuumed, analysed and checkpointed in ${settledIn.toFixed(1)} s`],
        ["time to first rows (the animation frame that first draws a row, on the page's clock from its navigation)", `${firstRowsMs.toFixed(0)} ms`],
        ["the first row seen by the harness (Playwright's wait for a visible row, from before the navigation)", `${firstRowSeenMs.toFixed(0)} ms`],
        ["time to the whole board (its row count steady for 500 ms, counted from navigation)", `${wholeBoardMs.toFixed(0)} ms`],
        ["rows in the DOM", `${domRows} (of ${JOBS.toLocaleString("en")} jobs${totalRows ? `; aria-rowcount ${totalRows}` : ""})`],
        [
          "frame time while scrolling",
          `p50 ${pick(50).toFixed(1)} ms, p95 ${pick(95).toFixed(1)} ms, max ${pick(100).toFixed(1)} ms over ${frames.deltas.length} frames; ${longFrames} frames over 50 ms`,
        ],
        [
          "main-thread work per frame while scrolling (Chromium's counters)",
          `${perFrameMs("TaskDuration").toFixed(1)} ms: script ${perFrameMs("ScriptDuration").toFixed(1)}, style ${perFrameMs("RecalcStyleDuration").toFixed(1)}, layout ${perFrameMs("LayoutDuration").toFixed(1)}`,
        ],
        ["scrolled", `${frames.distance} px, bottom reached: ${frames.reachedBottom ? "yes" : "no"}, last job shown: ${bottomRowVisible ? "yes" : "no"}`],
      ],
      ratios: [],
      targets: [
        { what: "first rows under 1.5 s after navigation", value: firstRowsMs / 1000, limit: 1.5, unit: "s" },
        { what: "frame time while scrolling, p95 at most 33 ms", value: pick(95), limit: 33, unit: "ms" },
      ],
    };
  } finally {
    await browser.close();
    await host.close();
  }
}
