import { createContext, useCallback, useContext, useEffect, useMemo, useState, type ReactNode } from "react";
import { navigate } from "../navigation/hash-router.ts";

/** Keys closer together than this are a scanner, not a person (people type 80+ ms apart). */
export const SCAN_KEY_GAP_MS = 35;
/** Shorter bursts are too likely a fast typist's word; every pickup code is longer. */
export const SCAN_MIN_LENGTH = 6;

export interface Scan {
  code: string;
  /** Distinguishes two scans of the same code. */
  seq: number;
}

const ScanContext = createContext<{ scan: Scan | null; setScan: (code: string) => void }>({ scan: null, setScan: () => {} });

/** The latest scan; the pickup screen looks it up. */
export function useLatestScan(): Scan | null {
  return useContext(ScanContext).scan;
}

export function ScanProvider({ children }: { children: ReactNode }) {
  const [scan, setScanState] = useState<Scan | null>(null);
  const setScan = useCallback((code: string) => setScanState((previous) => ({ code, seq: (previous?.seq ?? 0) + 1 })), []);
  const value = useMemo(() => ({ scan, setScan }), [scan, setScan]);
  return <ScanContext.Provider value={value}>{children}</ScanContext.Provider>;
}

interface Burst {
  keys: string[];
  lastAt: number;
  /** Where the burst's characters were typed, to take them back out. */
  target: HTMLInputElement | HTMLTextAreaElement | null;
  valueBefore: string;
}

/**
 * Decides, key by key, whether the keyboard is a person or a scanner. Pure, so it can be tested
 * without a DOM: `key` returns what to do with each keydown.
 */
export function createScanDetector(options: { gapMs?: number; minLength?: number } = {}) {
  const gapMs = options.gapMs ?? SCAN_KEY_GAP_MS;
  const minLength = options.minLength ?? SCAN_MIN_LENGTH;
  let burst: { keys: string[]; lastAt: number } | null = null;
  return {
    /** `at` in ms. Returns the scanned code when Enter ends a fast-enough, long-enough burst. */
    key(key: string, at: number): { scanned: string | null; inBurst: boolean } {
      const continues = burst !== null && at - burst.lastAt < gapMs;
      if (key === "Enter") {
        const done = continues && burst !== null && burst.keys.length >= minLength ? burst.keys.join("") : null;
        burst = null;
        return { scanned: done, inBurst: done !== null };
      }
      if (key.length !== 1) {
        burst = null;
        return { scanned: null, inBurst: false };
      }
      if (continues && burst) {
        burst.keys.push(key);
        burst.lastAt = at;
      } else {
        burst = { keys: [key], lastAt: at };
      }
      return { scanned: null, inBurst: burst.keys.length > 1 };
    },
  };
}

/**
 * The global scanner listener: a burst of printable keys, each under SCAN_KEY_GAP_MS apart, ended
 * by Enter and at least SCAN_MIN_LENGTH long, is a scan wherever focus is. It opens the pickup
 * screen with the code; if focus was in a text field, the burst's characters are taken back out
 * of it. Typed slowly, the same keys are ordinary typing.
 */
export function ScannerListener() {
  const { setScan } = useContext(ScanContext);
  useEffect(() => {
    const detector = createScanDetector();
    let burst: Burst | null = null;
    const onKeyDown = (event: KeyboardEvent) => {
      if (event.ctrlKey || event.metaKey || event.altKey) return;
      const target = event.target instanceof HTMLInputElement || event.target instanceof HTMLTextAreaElement ? event.target : null;
      const now = event.timeStamp || performance.now();
      const wasFresh = burst === null || now - burst.lastAt >= SCAN_KEY_GAP_MS;
      const verdict = detector.key(event.key, now);
      if (event.key.length === 1) {
        if (wasFresh || !burst) burst = { keys: [], lastAt: now, target, valueBefore: target?.value ?? "" };
        burst.keys.push(event.key);
        burst.lastAt = now;
      }
      if (verdict.scanned !== null) {
        // The Enter of a scan must not submit whatever form had focus.
        event.preventDefault();
        event.stopPropagation();
        const typedInto = burst?.target ?? null;
        if (typedInto && burst) restoreValue(typedInto, burst.valueBefore);
        burst = null;
        setScan(verdict.scanned);
        navigate("/pickup");
        return;
      }
      if (event.key === "Enter" || event.key.length !== 1) burst = null;
    };
    // Capture phase: the listener sees the keys before any screen's own handlers.
    window.addEventListener("keydown", onKeyDown, true);
    return () => window.removeEventListener("keydown", onKeyDown, true);
  }, [setScan]);
  return null;
}

/** Puts a field's value back the way React expects (its value setter, then an input event). */
function restoreValue(field: HTMLInputElement | HTMLTextAreaElement, value: string): void {
  const prototype = field instanceof HTMLInputElement ? HTMLInputElement.prototype : HTMLTextAreaElement.prototype;
  const setter = Object.getOwnPropertyDescriptor(prototype, "value")?.set;
  setter?.call(field, value);
  field.dispatchEvent(new Event("input", { bubbles: true }));
}
