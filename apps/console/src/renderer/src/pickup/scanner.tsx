import { createContext, useCallback, useContext, useEffect, useMemo, useRef, useState, type ReactNode } from "react";
import { navigate } from "../navigation/hash-router.ts";
import { continuesBurst, endsScan, looksLikeTyping, SCAN_MAX_PAUSE_MS, type BurstPace } from "./scan-pace.ts";

export interface Scan {
  code: string;
  /** Distinguishes two scans of the same code. */
  seq: number;
}

interface ScanApi {
  scan: Scan | null;
  setScan: (code: string) => void;
  /** The latest scan if nobody has taken it yet (a screen opened later must not replay an old scan). */
  takeScan: () => Scan | null;
}

const ScanContext = createContext<ScanApi>({ scan: null, setScan: () => {}, takeScan: () => null });

/** The latest scan, and a way to take it exactly once; the pickup screen looks it up. */
export function useLatestScan(): { scan: Scan | null; takeScan: () => Scan | null } {
  const { scan, takeScan } = useContext(ScanContext);
  return { scan, takeScan };
}

export function ScanProvider({ children }: { children: ReactNode }) {
  const [scan, setScanState] = useState<Scan | null>(null);
  const taken = useRef(0);
  const setScan = useCallback((code: string) => setScanState((previous) => ({ code, seq: (previous?.seq ?? 0) + 1 })), []);
  const takeScan = useCallback((): Scan | null => {
    if (!scan || scan.seq <= taken.current) return null;
    taken.current = scan.seq;
    return scan;
  }, [scan]);
  const value = useMemo(() => ({ scan, setScan, takeScan }), [scan, setScan, takeScan]);
  return <ScanContext.Provider value={value}>{children}</ScanContext.Provider>;
}

type TextField = HTMLInputElement | HTMLTextAreaElement;

interface Burst extends BurstPace {
  keys: string[];
  /** Keys kept out of the focused field while the burst may still be a scan. */
  held: string[];
  /** The burst turned out to be typing: its keys land as typed. */
  typing: boolean;
  /** The field focus was in: its first key landed there. */
  target: TextField | null;
  valueBefore: string;
  /** Gives held-back keys to the field when no Enter ends the burst in time. */
  flushTimer: ReturnType<typeof setTimeout> | undefined;
}

/**
 * The global scanner listener: a burst of printable keys at a scanner's pace (median gap under
 * SCAN_KEY_GAP_MS, no pause of SCAN_MAX_PAUSE_MS; see scan-pace.ts), at least SCAN_MIN_LENGTH
 * long and ended by Enter, is a scan wherever focus is. It opens the pickup screen with the code.
 * Only a burst's first key reaches a focused text field; the keys that follow it are held back
 * (so a scan never lands in the field, and a re-rendering screen cannot slow the burst down) and
 * given to the field, in order, as soon as the burst turns out to be typing (TYPING_GAPS_IN_A_ROW
 * gaps at a person's pace) or no Enter ends it: typed at a person's pace, the keys are ordinary typing.
 */
export function ScannerListener() {
  const { setScan } = useContext(ScanContext);
  useEffect(() => {
    let burst: Burst | null = null;

    const release = (current: Burst) => {
      clearTimeout(current.flushTimer);
      const held = current.held.join("");
      current.held = [];
      if (held && current.target && current.target.isConnected) insertText(current.target, held);
    };
    const flush = () => {
      if (!burst) return;
      release(burst);
      burst = null;
    };

    const onKeyDown = (event: KeyboardEvent) => {
      if (event.ctrlKey || event.metaKey || event.altKey) {
        flush();
        return;
      }
      const now = event.timeStamp || performance.now();
      if (event.key === "Enter") {
        if (burst && !burst.typing && endsScan(burst, now)) {
          // The Enter of a scan must not submit whatever form had focus.
          event.preventDefault();
          event.stopPropagation();
          clearTimeout(burst.flushTimer);
          if (burst.target) restoreValue(burst.target, burst.valueBefore);
          const code = burst.keys.join("");
          burst = null;
          setScan(code);
          navigate("/pickup");
          return;
        }
        flush();
        return;
      }
      if (event.key.length !== 1) {
        flush();
        return;
      }
      if (burst && continuesBurst(burst, now)) {
        burst.gaps.push(now - burst.lastAt);
        burst.lastAt = now;
        burst.keys.push(event.key);
        if (burst.typing) return;
        if (looksLikeTyping(burst)) {
          // A person after all: what was held goes in first, then this key lands as typed.
          release(burst);
          burst.typing = true;
          return;
        }
        event.preventDefault();
        burst.held.push(event.key);
        clearTimeout(burst.flushTimer);
        const current = burst;
        current.flushTimer = setTimeout(() => {
          if (burst === current) flush();
        }, SCAN_MAX_PAUSE_MS);
        return;
      }
      flush();
      const target = event.target instanceof HTMLInputElement || event.target instanceof HTMLTextAreaElement ? event.target : null;
      burst = { keys: [event.key], held: [], gaps: [], lastAt: now, typing: false, target, valueBefore: target?.value ?? "", flushTimer: undefined };
    };
    // Capture phase: the listener sees the keys before any screen's own handlers.
    window.addEventListener("keydown", onKeyDown, true);
    return () => {
      window.removeEventListener("keydown", onKeyDown, true);
      if (burst) clearTimeout(burst.flushTimer);
    };
  }, [setScan]);
  return null;
}

/** Types `text` into a field at its cursor, as the keys would have (React sees an input event). */
function insertText(field: TextField, text: string): void {
  const start = field.selectionStart ?? field.value.length;
  const end = field.selectionEnd ?? field.value.length;
  setNativeValue(field, field.value.slice(0, start) + text + field.value.slice(end));
  const cursor = start + text.length;
  try {
    field.setSelectionRange(cursor, cursor);
  } catch {
    // Fields such as type="email" have no selection; the text is in, the cursor at its end.
  }
}

/** Puts a field's value back the way React expects (its value setter, then an input event). */
function restoreValue(field: TextField, value: string): void {
  setNativeValue(field, value);
}

function setNativeValue(field: TextField, value: string): void {
  const prototype = field instanceof HTMLInputElement ? HTMLInputElement.prototype : HTMLTextAreaElement.prototype;
  const setter = Object.getOwnPropertyDescriptor(prototype, "value")?.set;
  setter?.call(field, value);
  field.dispatchEvent(new Event("input", { bubbles: true }));
}
