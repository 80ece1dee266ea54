import { mkdtemp, readFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import nodemailer from "nodemailer";
import { afterEach, describe, expect, it } from "vitest";
import { startMailSink, type MailSink } from "../src/index.ts";

let sink: MailSink | undefined;
afterEach(async () => {
  await sink?.stop();
  sink = undefined;
});

function transportTo(port: number) {
  return nodemailer.createTransport({ host: "127.0.0.1", port, secure: false });
}

describe("mail sink", () => {
  it("receives mail over SMTP, parsed, and keeps an .eml file of it", async () => {
    const dir = await mkdtemp(path.join(tmpdir(), "orderdeck-sink-"));
    sink = await startMailSink({ dir });
    await transportTo(sink.port).sendMail({
      from: "OrderDeck <shop@orderdeck.test>",
      to: "ada@example.com",
      subject: "Your order is ready",
      text: "Come and collect it.",
      attachments: [{ filename: "INV-2026-0001.pdf", content: Buffer.from("%PDF-1.4 fake"), contentType: "application/pdf" }],
    });
    const message = await sink.waitFor((m) => m.subject === "Your order is ready");
    expect(message.from).toBe("shop@orderdeck.test");
    expect(message.to).toEqual(["ada@example.com"]);
    expect(message.envelopeTo).toEqual(["ada@example.com"]);
    expect(message.text.trim()).toBe("Come and collect it.");
    expect(message.attachments.map((a) => a.filename)).toEqual(["INV-2026-0001.pdf"]);
    expect(message.file).toBeDefined();
    expect((await readFile(message.file ?? "")).toString()).toContain("Subject: Your order is ready");
  });

  it("refuses the next n messages with a temporary error, then accepts again", async () => {
    sink = await startMailSink();
    sink.setFailing(2);
    const transport = transportTo(sink.port);
    const send = () => transport.sendMail({ from: "a@orderdeck.test", to: "b@example.com", subject: "try", text: "x" });
    await expect(send()).rejects.toMatchObject({ responseCode: 451 });
    await expect(send()).rejects.toMatchObject({ responseCode: 451 });
    await send();
    expect(sink.refused).toBe(2);
    expect(sink.messages).toHaveLength(1);
  });

  it("refuses permanently with a 5xx code until told otherwise", async () => {
    sink = await startMailSink();
    sink.setFailing(true, 550);
    const transport = transportTo(sink.port);
    const send = () => transport.sendMail({ from: "a@orderdeck.test", to: "b@example.com", subject: "try", text: "x" });
    await expect(send()).rejects.toMatchObject({ responseCode: 550 });
    sink.setFailing(false);
    await send();
    expect(sink.messages).toHaveLength(1);
  });

  it("gives up waiting with a clear error", async () => {
    sink = await startMailSink();
    await expect(sink.waitFor(() => true, 50)).rejects.toThrow(/no matching mail arrived within 50 ms/);
  });
});
