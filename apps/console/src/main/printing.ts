import { writeFile } from "node:fs/promises";
import path from "node:path";
import type { PrintToPDFOptions, SaveDialogOptions, WebContentsPrintOptions } from "electron";
import { PRINT_CHANNEL, SAVE_AS_PDF_CHANNEL, type OrderDeckBridge } from "../shared/transport.ts";
import { PrintRequestSchema, SaveAsPdfRequestSchema, pdfFileName, pdfOptions, printOptions } from "./print-options.ts";

// Electron-free like ipc.ts: Electron's ipcMain, WebContents and dialog satisfy these shapes.

/** The part of a WebContents that prints. */
export interface PrintableContents {
  print(options: WebContentsPrintOptions, callback: (success: boolean, failureReason: string) => void): void;
  printToPDF(options: PrintToPDFOptions): Promise<Uint8Array>;
}

export interface PrintEvent {
  readonly sender: PrintableContents;
  readonly senderFrame: { readonly url: string } | null;
}

export interface PrintingOptions {
  ipcMain: {
    handle(channel: string, listener: (event: PrintEvent, ...args: unknown[]) => unknown): void;
    removeHandler(channel: string): void;
  };
  isTrustedSender: (event: PrintEvent) => boolean;
  /** Electron's `dialog.showSaveDialog`, parented to the window that asked. */
  showSaveDialog: (contents: PrintableContents, options: SaveDialogOptions) => Promise<{ canceled: boolean; filePath?: string }>;
  /** Where the save dialog opens (the user's documents folder). */
  defaultFolder: () => string;
}

type PrintAnswer = Awaited<ReturnType<OrderDeckBridge["print"]>>;
type SaveAnswer = Awaited<ReturnType<OrderDeckBridge["saveAsPdf"]>>;

/** Serves `print` and `saveAsPdf` to the trusted renderer; returns a function that stops serving. */
export function servePrinting(options: PrintingOptions): () => void {
  const trusted = (event: PrintEvent): void => {
    if (!options.isTrustedSender(event)) throw new Error("Untrusted sender");
  };

  options.ipcMain.handle(PRINT_CHANNEL, async (event, raw: unknown): Promise<PrintAnswer> => {
    trusted(event);
    const request = PrintRequestSchema.safeParse(raw);
    if (!request.success) throw new Error("Print request must name a page size: A4, Letter or 80mm");
    return print(event.sender, printOptions(request.data.pageSize));
  });

  options.ipcMain.handle(SAVE_AS_PDF_CHANNEL, async (event, raw: unknown): Promise<SaveAnswer> => {
    trusted(event);
    const request = SaveAsPdfRequestSchema.safeParse(raw);
    if (!request.success) throw new Error("Save-as-PDF request must name a page size (A4, Letter or 80mm) and a file name");
    // Rendered first, so the PDF shows the page as it was when the person clicked.
    const pdf = await event.sender.printToPDF(pdfOptions(request.data.pageSize));
    const choice = await options.showSaveDialog(event.sender, {
      title: "Save as PDF",
      defaultPath: path.join(options.defaultFolder(), pdfFileName(request.data.suggestedName)),
      filters: [{ name: "PDF", extensions: ["pdf"] }],
      properties: ["createDirectory", "showOverwriteConfirmation"],
    });
    if (choice.canceled || !choice.filePath) return { savedTo: null };
    await writeFile(choice.filePath, pdf);
    return { savedTo: choice.filePath };
  });

  return () => {
    options.ipcMain.removeHandler(PRINT_CHANNEL);
    options.ipcMain.removeHandler(SAVE_AS_PDF_CHANNEL);
  };
}

function print(contents: PrintableContents, printOptions: WebContentsPrintOptions): Promise<PrintAnswer> {
  return new Promise((resolve, reject) => {
    contents.print(printOptions, (success, failureReason) => {
      if (success) resolve({ printed: true });
      // Closing the print dialog is a choice, not a failure.
      else if (/cancel/i.test(failureReason)) resolve({ printed: false });
      else reject(new Error(`Printing failed: ${failureReason}`));
    });
  });
}
