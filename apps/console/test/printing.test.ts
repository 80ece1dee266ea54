// Printing: the page-size mapping onto Electron's two option sets (microns for print(), inches for
// printToPDF) and the save-as-PDF flow, with a stand-in webContents and a real file on disk.
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import type { PrintToPDFOptions, SaveDialogOptions, WebContentsPrintOptions } from "electron";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { pdfFileName, pdfOptions, printOptions } from "../src/main/print-options.ts";
import { servePrinting, type PrintableContents, type PrintEvent } from "../src/main/printing.ts";
import { PRINT_CHANNEL, SAVE_AS_PDF_CHANNEL } from "../src/shared/transport.ts";

describe("page size → Electron options", () => {
  it("prints office sheets by name, always through the system dialog, with backgrounds", () => {
    expect(printOptions("A4")).toEqual({ silent: false, printBackground: true, pageSize: "A4" });
    expect(printOptions("Letter")).toEqual({ silent: false, printBackground: true, pageSize: "Letter" });
  });

  it("prints the 80 mm roll as a custom size in microns", () => {
    expect(printOptions("80mm")).toEqual({
      silent: false,
      printBackground: true,
      pageSize: { width: 80_000, height: 297_000 },
      margins: { marginType: "printableArea" },
    });
  });

  it("renders PDFs by name for sheets and in inches for the roll", () => {
    expect(pdfOptions("A4")).toEqual({ printBackground: true, pageSize: "A4" });
    expect(pdfOptions("Letter")).toEqual({ printBackground: true, pageSize: "Letter" });
    const roll = pdfOptions("80mm");
    expect(roll.pageSize).toEqual({ width: 3.1496, height: 11.6929 });
    expect(roll.margins).toEqual({ top: 0.1575, bottom: 0.1575, left: 0.1575, right: 0.1575 });
  });

  it("offers a bare, safe .pdf file name whatever the page suggests", () => {
    expect(pdfFileName("handoff-2026-11-23.pdf")).toBe("handoff-2026-11-23.pdf");
    expect(pdfFileName("handoff-2026-11-23")).toBe("handoff-2026-11-23.pdf");
    expect(pdfFileName("../../.bashrc")).toBe("bashrc.pdf");
    expect(pdfFileName("C:\\Windows\\system32\\evil.PDF")).toBe("evil.pdf");
    expect(pdfFileName('a<b>c:"d|e?f*g\u0007.pdf')).toBe("a-b-c--d-e-f-g-.pdf");
    expect(pdfFileName("")).toBe("orderdeck.pdf");
    expect(pdfFileName("...")).toBe("orderdeck.pdf");
    expect(pdfFileName("x".repeat(300)).length).toBeLessThanOrEqual(124);
  });
});

describe("print and save-as-PDF handlers", () => {
  type Handler = (event: PrintEvent, ...args: unknown[]) => unknown;
  let dir: string;
  let handlers: Map<string, Handler>;
  let dialogAnswer: { canceled: boolean; filePath?: string };
  let dialogOptions: SaveDialogOptions[];
  let stop: () => void;

  const contents = (printResult: [boolean, string] = [true, ""]) => {
    const calls: { print: WebContentsPrintOptions[]; pdf: PrintToPDFOptions[] } = { print: [], pdf: [] };
    const printable: PrintableContents = {
      print: (options, callback) => {
        calls.print.push(options);
        setImmediate(() => callback(...printResult));
      },
      printToPDF: async (options) => {
        calls.pdf.push(options);
        return new TextEncoder().encode("%PDF-1.7 handoff");
      },
    };
    return { printable, calls };
  };
  const call = (channel: string, sender: PrintableContents, request: unknown, url = "app://console/index.html") =>
    Promise.resolve(handlers.get(channel)?.({ sender, senderFrame: { url } }, request));

  beforeEach(async () => {
    dir = await mkdtemp(path.join(tmpdir(), "orderdeck-print-"));
    handlers = new Map();
    dialogAnswer = { canceled: true };
    dialogOptions = [];
    stop = servePrinting({
      ipcMain: { handle: (channel, listener) => handlers.set(channel, listener), removeHandler: (channel) => handlers.delete(channel) },
      isTrustedSender: (event) => event.senderFrame?.url.startsWith("app://console/") ?? false,
      showSaveDialog: async (_contents, options) => {
        dialogOptions.push(options);
        return dialogAnswer;
      },
      defaultFolder: () => dir,
    });
  });
  afterEach(async () => {
    stop();
    expect(handlers.size).toBe(0);
    await rm(dir, { recursive: true, force: true });
  });

  it("saves the rendered PDF where the person chose", async () => {
    const { printable, calls } = contents();
    const target = path.join(dir, "chosen.pdf");
    dialogAnswer = { canceled: false, filePath: target };

    const answer = await call(SAVE_AS_PDF_CHANNEL, printable, { pageSize: "80mm", suggestedName: "../handoff" });

    expect(answer).toEqual({ savedTo: target });
    expect(await readFile(target, "utf8")).toBe("%PDF-1.7 handoff");
    expect(calls.pdf).toEqual([pdfOptions("80mm")]);
    expect(dialogOptions[0]?.defaultPath).toBe(path.join(dir, "handoff.pdf"));
  });

  it("answers null and writes nothing when the dialog is cancelled", async () => {
    const { printable } = contents();
    const answer = await call(SAVE_AS_PDF_CHANNEL, printable, { pageSize: "A4", suggestedName: "handoff.pdf" });
    expect(answer).toEqual({ savedTo: null });
  });

  it("prints with the mapped options; a cancelled dialog is not a failure, a failed job is", async () => {
    const ok = contents();
    expect(await call(PRINT_CHANNEL, ok.printable, { pageSize: "Letter" })).toEqual({ printed: true });
    expect(ok.calls.print).toEqual([printOptions("Letter")]);

    expect(await call(PRINT_CHANNEL, contents([false, "Print job canceled"]).printable, { pageSize: "A4" })).toEqual({ printed: false });
    await expect(call(PRINT_CHANNEL, contents([false, "Print job failed"]).printable, { pageSize: "A4" })).rejects.toThrow(
      "Printing failed: Print job failed",
    );
  });

  it("refuses other senders and malformed requests before printing anything", async () => {
    const { printable, calls } = contents();
    await expect(call(PRINT_CHANNEL, printable, { pageSize: "A4" }, "https://evil.example/")).rejects.toThrow("Untrusted sender");
    await expect(call(SAVE_AS_PDF_CHANNEL, printable, { pageSize: "A4", suggestedName: "x" }, "https://evil.example/")).rejects.toThrow(
      "Untrusted sender",
    );
    await expect(call(PRINT_CHANNEL, printable, { pageSize: "A3" })).rejects.toThrow(/A4, Letter or 80mm/);
    await expect(call(SAVE_AS_PDF_CHANNEL, printable, { pageSize: "A4" })).rejects.toThrow(/file name/);
    expect(calls).toEqual({ print: [], pdf: [] });
    expect(dialogOptions).toEqual([]);
  });
});
