import { createContext, useCallback, useContext, useEffect, useMemo, useRef, useState, type ReactNode } from "react";
import { navigate } from "../navigation/hash-router.ts";
import { atScannerPace, SCAN_MAX_PAUSE_MS, SCAN_MIN_LENGTH, type BurstPace } from "./scan-pace.ts";

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
  /** The field focus was in: its first key landed there, the rest were held back. */
  target: TextField | null;
  valueBefore: string;
  /** Gives held-back keys to the field when the burst turns out to be typing after all. */
  flushTimer: ReturnType<typeof setTimeout> | undefined;
}

/**
 * The global scanner listener: a burst of printable keys, on average under SCAN_KEY_GAP_MS apart
 * (none more than SCAN_MAX_PAUSE_MS; see scan-pace.ts), ended by Enter and at least SCAN_MIN_LENGTH long, is a scan
 * wherever focus is. It opens the pickup screen with the code. Only a burst's first key reaches a
 * focused text field; the keys that follow it fast are held back (so a scan never lands in the
 * field, and a re-rendering screen cannot slow the burst down), and given to the field, in order,
 * as soon as the burst turns out to be typing (it slows down, or no Enter ends it): typed at a
 * person's pace, the same keys are ordinary typing.
 */
export function ScannerListener() {
  const { setScan } = useContext(ScanContext);
  useEffect(() => {
    let burst: Burst | null = null;

    const flush = () => {
      if (!burst) return;
      clearTimeout(burst.flushTimer);
      const held = burst.keys.slice(1).join("");
      const target = burst.target;
      burst = null;
      if (held && target && target.isConnected) insertText(target, held);
    };

    const onKeyDown = (event: KeyboardEvent) => {
      if (event.ctrlKey || event.metaKey || event.altKey) {
        flush();
        return;
      }
      const now = event.timeStamp || performance.now();
      const continues = burst !== null && atScannerPace(burst, now);
      if (event.key === "Enter") {
        if (continues && burst && burst.keys.length >= SCAN_MIN_LENGTH) {
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
      if (continues && burst) {
        event.preventDefault();
        burst.keys.push(event.key);
        burst.count = burst.keys.length;
        burst.secondAt ??= now;
        burst.lastAt = now;
        clearTimeout(burst.flushTimer);
        burst.flushTimer = setTimeout(flush, SCAN_MAX_PAUSE_MS);
        return;
      }
      flush();
      const target = event.target instanceof HTMLInputElement || event.target instanceof HTMLTextAreaElement ? event.target : null;
      burst = { keys: [event.key], count: 1, secondAt: null, lastAt: now, target, valueBefore: target?.value ?? "", flushTimer: undefined };
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
