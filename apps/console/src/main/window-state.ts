import { mkdirSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import path from "node:path";
import { z } from "zod";

// The console window reopens where it was: size, position, maximized. Electron-free: the pure
// placement rules and the JSON file; main/index.ts wires them to the BrowserWindow and `screen`.

export interface Rectangle {
  x: number;
  y: number;
  width: number;
  height: number;
}

/** What `screen.getAllDisplays()` tells us of each display. */
export interface DisplayArea {
  workArea: Rectangle;
}

const Int = z.number().int().min(-100_000).max(100_000);
const Size = z.number().int().min(1).max(100_000);
export const SavedWindowState = z.object({
  x: Int,
  y: Int,
  width: Size,
  height: Size,
  maximized: z.boolean(),
});
export type SavedWindowState = z.infer<typeof SavedWindowState>;

/** Where the window opens: no x / y means "let the OS centre it". */
export interface WindowPlacement {
  x?: number;
  y?: number;
  width: number;
  height: number;
  maximized: boolean;
}

export interface PlacementLimits {
  defaultWidth: number;
  defaultHeight: number;
  minWidth: number;
  minHeight: number;
}

export const WINDOW_STATE_FILE = "window-state.json";

/**
 * Puts a saved window back on a display that exists now. A window whose display was unplugged, or
 * that was dragged almost off screen, must not reopen where nobody can see or grab it: it goes to
 * the display it overlaps most (the first display if none), shrunk to fit and moved fully inside.
 */
export function placeWindow(saved: unknown, displays: readonly DisplayArea[], limits: PlacementLimits): WindowPlacement {
  const state = SavedWindowState.safeParse(saved);
  const fallback: WindowPlacement = { width: limits.defaultWidth, height: limits.defaultHeight, maximized: false };
  if (!state.success) return fallback;
  const first = displays[0];
  if (!first) return { ...fallback, maximized: state.data.maximized };

  const bounds: Rectangle = state.data;
  const target = displays.reduce(
    (best, display) => {
      const overlap = intersectionArea(bounds, display.workArea);
      return overlap > best.overlap ? { display, overlap } : best;
    },
    { display: first, overlap: 0 },
  );
  const area = target.display.workArea;
  const width = clamp(bounds.width, Math.min(limits.minWidth, area.width), area.width);
  const height = clamp(bounds.height, Math.min(limits.minHeight, area.height), area.height);
  if (target.overlap === 0) {
    // Nothing of it is visible: centre it on the first display rather than guess an edge.
    return {
      x: area.x + Math.round((area.width - width) / 2),
      y: area.y + Math.round((area.height - height) / 2),
      width,
      height,
      maximized: state.data.maximized,
    };
  }
  return {
    x: clamp(bounds.x, area.x, area.x + area.width - width),
    y: clamp(bounds.y, area.y, area.y + area.height - height),
    width,
    height,
    maximized: state.data.maximized,
  };
}

export function intersectionArea(a: Rectangle, b: Rectangle): number {
  const width = Math.min(a.x + a.width, b.x + b.width) - Math.max(a.x, b.x);
  const height = Math.min(a.y + a.height, b.y + b.height) - Math.max(a.y, b.y);
  return width > 0 && height > 0 ? width * height : 0;
}

function clamp(value: number, min: number, max: number): number {
  return Math.min(Math.max(value, min), max);
}

/** The saved state, or null when there is none or it is unreadable (the window then opens at its defaults). */
export function readWindowState(dir: string): unknown {
  try {
    return JSON.parse(readFileSync(path.join(dir, WINDOW_STATE_FILE), "utf8")) as unknown;
  } catch {
    return null;
  }
}

/** Replaced atomically: a crash mid-write leaves the previous state, never half a file. */
export function writeWindowState(dir: string, state: SavedWindowState): void {
  const valid = SavedWindowState.parse(state);
  mkdirSync(dir, { recursive: true });
  const file = path.join(dir, WINDOW_STATE_FILE);
  const temp = `${file}.tmp`;
  writeFileSync(temp, JSON.stringify(valid));
  renameSync(temp, file);
}

/** The part of a BrowserWindow whose state is kept. */
export interface TrackedWindow {
  getNormalBounds(): Rectangle;
  isMaximized(): boolean;
  on(event: "resize" | "move" | "maximize" | "unmaximize" | "close" | "closed", listener: () => void): unknown;
}

export const WINDOW_STATE_DEBOUNCE_MS = 500;

/**
 * Saves the window's state after it stops moving or resizing (debounced: a drag fires dozens of
 * events) and at once when it closes. `getNormalBounds` is the size to restore to, even while
 * maximized. Returns a function that writes any pending state now.
 */
export function trackWindowState(
  window: TrackedWindow,
  save: (state: SavedWindowState) => void,
  debounceMs = WINDOW_STATE_DEBOUNCE_MS,
): () => void {
  let timer: ReturnType<typeof setTimeout> | null = null;
  let closed = false;
  const snapshot = (): SavedWindowState => {
    const { x, y, width, height } = window.getNormalBounds();
    return { x: Math.round(x), y: Math.round(y), width: Math.round(width), height: Math.round(height), maximized: window.isMaximized() };
  };
  const flush = (): void => {
    if (timer) clearTimeout(timer);
    timer = null;
    if (!closed) save(snapshot());
  };
  const schedule = (): void => {
    if (closed) return;
    if (timer) clearTimeout(timer);
    timer = setTimeout(flush, debounceMs);
  };
  for (const event of ["resize", "move", "maximize", "unmaximize"] as const) window.on(event, schedule);
  // "close" still has the window's bounds; by "closed" they are gone.
  window.on("close", () => {
    flush();
    closed = true;
  });
  window.on("closed", () => {
    closed = true;
    if (timer) clearTimeout(timer);
  });
  return flush;
}
