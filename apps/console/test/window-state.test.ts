// The window reopens where it was, but always somewhere a person can see and grab it.
import { EventEmitter } from "node:events";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterEach, describe, expect, it, vi } from "vitest";
import {
  WINDOW_STATE_FILE,
  placeWindow,
  readWindowState,
  trackWindowState,
  writeWindowState,
  type DisplayArea,
  type Rectangle,
  type SavedWindowState,
} from "../src/main/window-state.ts";

const LIMITS = { defaultWidth: 1280, defaultHeight: 800, minWidth: 800, minHeight: 600 };
// A laptop (primary, with a 40 px task bar) and a bigger monitor to its right.
const LAPTOP: DisplayArea = { workArea: { x: 0, y: 0, width: 1920, height: 1040 } };
const MONITOR: DisplayArea = { workArea: { x: 1920, y: -200, width: 2560, height: 1440 } };
const TWO_DISPLAYS = [LAPTOP, MONITOR];

describe("placeWindow", () => {
  it("opens at the defaults, centred by the OS, without a usable saved state", () => {
    for (const saved of [null, undefined, "garbage", {}, { x: 1, y: 2, width: 0, height: 10, maximized: false }, { x: 1.5, y: 2, width: 900, height: 700, maximized: false }]) {
      expect(placeWindow(saved, TWO_DISPLAYS, LIMITS)).toEqual({ width: 1280, height: 800, maximized: false });
    }
  });

  it("restores a window that is fully on a display exactly", () => {
    const saved = { x: 2100, y: 0, width: 1400, height: 900, maximized: false };
    expect(placeWindow(saved, TWO_DISPLAYS, LIMITS)).toEqual(saved);
  });

  it("keeps the maximized flag and the size to restore to", () => {
    expect(placeWindow({ x: 100, y: 50, width: 1000, height: 700, maximized: true }, TWO_DISPLAYS, LIMITS)).toEqual({
      x: 100,
      y: 50,
      width: 1000,
      height: 700,
      maximized: true,
    });
  });

  it("pulls a window hanging off an edge fully onto the display it overlaps most", () => {
    // Mostly on the monitor, partly below its bottom edge.
    expect(placeWindow({ x: 3000, y: 1000, width: 1200, height: 800, maximized: false }, TWO_DISPLAYS, LIMITS)).toEqual({
      x: 3000,
      y: 440,
      width: 1200,
      height: 800,
      maximized: false,
    });
    // Dragged left past the laptop's edge.
    expect(placeWindow({ x: -700, y: 100, width: 1000, height: 700, maximized: false }, TWO_DISPLAYS, LIMITS)).toMatchObject({ x: 0, y: 100 });
  });

  it("moves a window whose display was unplugged to the primary display, shrunk to fit", () => {
    const onMonitor = { x: 2200, y: -100, width: 2400, height: 1300, maximized: false };
    expect(placeWindow(onMonitor, [LAPTOP], LIMITS)).toEqual({ x: 0, y: 0, width: 1920, height: 1040, maximized: false });
    const small = { x: 2200, y: 100, width: 1000, height: 700, maximized: true };
    expect(placeWindow(small, [LAPTOP], LIMITS)).toEqual({ x: 460, y: 170, width: 1000, height: 700, maximized: true });
  });

  it("never makes a window smaller than the minimum unless the display itself is smaller", () => {
    const tiny = { x: 10, y: 10, width: 200, height: 100, maximized: false };
    expect(placeWindow(tiny, [LAPTOP], LIMITS)).toMatchObject({ width: 800, height: 600 });
    const netbook: DisplayArea = { workArea: { x: 0, y: 0, width: 1024, height: 560 } };
    expect(placeWindow(tiny, [netbook], LIMITS)).toEqual({ x: 10, y: 0, width: 800, height: 560, maximized: false });
  });

  it("opens at the defaults when no display is known", () => {
    expect(placeWindow({ x: 0, y: 0, width: 900, height: 700, maximized: true }, [], LIMITS)).toEqual({ width: 1280, height: 800, maximized: true });
  });
});

describe("the window state file", () => {
  let dir: string | undefined;
  afterEach(async () => {
    vi.useRealTimers();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it("round-trips, and a corrupt or missing file reads as nothing", async () => {
    dir = await mkdtemp(path.join(tmpdir(), "orderdeck-window-"));
    expect(readWindowState(dir)).toBeNull();
    const state: SavedWindowState = { x: -50, y: 20, width: 1300, height: 820, maximized: true };
    writeWindowState(dir, state);
    expect(readWindowState(dir)).toEqual(state);
    await writeFile(path.join(dir, WINDOW_STATE_FILE), "{ half a fi");
    expect(readWindowState(dir)).toBeNull();
    expect(placeWindow(readWindowState(dir), TWO_DISPLAYS, LIMITS)).toEqual({ width: 1280, height: 800, maximized: false });
  });

  it("saves once after moving and resizing settle, and at once on close", async () => {
    dir = await mkdtemp(path.join(tmpdir(), "orderdeck-window-"));
    const stateDir = dir;
    vi.useFakeTimers();
    const window = new (class extends EventEmitter {
      bounds: Rectangle = { x: 10, y: 20, width: 1000, height: 700 };
      maximized = false;
      getNormalBounds = () => ({ ...this.bounds });
      isMaximized = () => this.maximized;
    })();
    const saves: SavedWindowState[] = [];
    trackWindowState(window, (state) => {
      saves.push(state);
      writeWindowState(stateDir, state);
    }, 500);

    for (let i = 1; i <= 20; i++) {
      window.bounds = { x: 10 + i, y: 20 + i, width: 1000 + i, height: 700 };
      window.emit(i % 2 ? "move" : "resize");
      vi.advanceTimersByTime(50);
    }
    expect(saves).toEqual([]);
    vi.advanceTimersByTime(500);
    expect(saves).toEqual([{ x: 30, y: 40, width: 1020, height: 700, maximized: false }]);

    window.maximized = true;
    window.emit("maximize");
    window.emit("close");
    expect(saves.at(-1)).toEqual({ x: 30, y: 40, width: 1020, height: 700, maximized: true });
    window.emit("closed");
    vi.advanceTimersByTime(1_000);
    expect(saves).toHaveLength(2);
    expect(JSON.parse(await readFile(path.join(stateDir, WINDOW_STATE_FILE), "utf8"))).toEqual(saves[1]);
  });
});
