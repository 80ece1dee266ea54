import { createContext, useContext, useEffect, useState, type ReactNode } from "react";
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

const ScanContext = createContext<{ scan: Scan | null; setScan: (scan: Scan) => void }>({ scan: null, setScan: () => {} });

/** The latest scan; the pickup screen looks it up. */
export function useLatestScan(): Scan | null {
  return useContext(ScanContext).scan;
}

export function ScanProvider({ children }: { children: ReactNode }) {
  const [scan, setScan] = useState<Scan | null>(null);
  return <ScanContext.Provider value={{ scan, setScan }}>{children}</ScanContext.Provider>;
}

/** Placeholder: the global listener arrives with the pickup screen. */
export function ScannerListener() {
  const { setScan } = useContext(ScanContext);
  useEffect(() => {
    void setScan;
    void navigate;
  }, [setScan]);
  return null;
}
