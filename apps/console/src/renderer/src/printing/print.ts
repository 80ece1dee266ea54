import type { PrintPageSize } from "../../../shared/transport.ts";
import "./print.css";

export type { PrintPageSize };

export const PAGE_SIZES: readonly { size: PrintPageSize; label: string }[] = [
  { size: "A4", label: "A4" },
  { size: "Letter", label: "Letter" },
  { size: "80mm", label: "80 mm receipt" },
];

const PAGE_RULES: Record<PrintPageSize, string> = {
  A4: "@page { size: A4; margin: 14mm; }",
  Letter: "@page { size: letter; margin: 0.5in; }",
  "80mm": "@page { size: 80mm 297mm; margin: 3mm; }",
};

let pageSheet: CSSStyleSheet | null = null;

/**
 * Sets the paper the next print (or PDF) uses. A constructed stylesheet, because the strict CSP
 * forbids inline <style>; `data-print-size` lets the print stylesheet narrow the layout for 80 mm.
 */
export function applyPageSize(size: PrintPageSize): void {
  if (!pageSheet) {
    pageSheet = new CSSStyleSheet();
    document.adoptedStyleSheets = [...document.adoptedStyleSheets, pageSheet];
  }
  pageSheet.replaceSync(PAGE_RULES[size]);
  document.documentElement.dataset["printSize"] = size;
}

/** Only the element with class `print-target` prints (a label out of a job page). Cleared after printing. */
function withTarget<T>(target: boolean, work: () => Promise<T>): Promise<T> {
  if (target) document.documentElement.dataset["printTarget"] = "1";
  return work().finally(() => {
    delete document.documentElement.dataset["printTarget"];
  });
}

export type PrintOutcome = "printed" | "cancelled" | "dialog";

/**
 * Prints the current page on `size` paper: through the Electron shell when there is one,
 * otherwise the browser's print dialog.
 */
export function printPage(size: PrintPageSize, options: { targetOnly?: boolean } = {}): Promise<PrintOutcome> {
  applyPageSize(size);
  return withTarget(options.targetOnly ?? false, async () => {
    const bridge = window.orderdeck;
    if (bridge) return (await bridge.print({ pageSize: size })).printed ? "printed" : "cancelled";
    window.print();
    return "dialog";
  });
}

/** In the Electron shell a real "save as PDF"; in the browser the print dialog, where the person picks "Save as PDF". */
export function savePdf(size: PrintPageSize, suggestedName: string): Promise<{ outcome: PrintOutcome; savedTo: string | null }> {
  applyPageSize(size);
  const bridge = window.orderdeck;
  if (bridge) {
    return bridge.saveAsPdf({ pageSize: size, suggestedName }).then(({ savedTo }) => ({ outcome: savedTo ? "printed" : "cancelled", savedTo }));
  }
  window.print();
  return Promise.resolve({ outcome: "dialog", savedTo: null });
}

/** Browser mode has no file dialog of its own: the UI says where "Save as PDF" is. */
export function canSavePdfDirectly(): boolean {
  return window.orderdeck !== undefined;
}
