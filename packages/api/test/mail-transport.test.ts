// The pooled SMTP transport against a real local SMTP server: a batch of concurrent sends all
// arrive, over a few reused connections rather than one each; a refused message fails only its
// own send; a server that drops the connections gets the next mails over new ones, each once; a
// mail built whole before it leaves keeps its Message-ID, envelope, parts and inline images;
// close() ends the connections; and a worker that stops closes its sender.
import { afterAll, afterEach, describe, expect, it } from "vitest";
import { createMailSender, describeMailFailure, type MailSender, type OutgoingMail } from "../src/mail/transport.ts";
import { eventually, mailSinkForFile, startTestWorker, testWorkerDeps } from "./background-helpers.ts";
import { apiHarnessForFile } from "./harness.ts";

const senders: MailSender[] = [];

const harness = await apiHarnessForFile();
const sink = await mailSinkForFile();

afterEach(() => sink.setFailing(false));

afterAll(async () => {
  for (const sender of senders) sender.close();
  await sink.stop();
});

function newSender(): MailSender {
  const sender = createMailSender({ host: sink.host, port: sink.port, secure: false });
  senders.push(sender);
  return sender;
}

function mail(n: number, batch: string): OutgoingMail {
  return {
    from: "Pool Werkstatt <orders@orderdeck.test>",
    to: `customer-${n}@example.com`,
    subject: `${batch} #${n}`,
    text: `Message ${n} of ${batch}.`,
    messageId: `<${batch}-${n}@orderdeck.test>`,
    attachments: n % 5 === 0 ? [{ filename: `receipt-${n}.pdf`, content: Buffer.from(`%PDF-1.4 ${n}`), contentType: "application/pdf" }] : [],
  };
}

describe("the pooled mail transport", () => {
  it("delivers every mail of a concurrent batch once, over at most three reused connections, and close() ends them", async () => {
    const sender = newSender();
    const before = sink.connections.opened;
    const batch = "batch-a";
    const answers = await Promise.all(Array.from({ length: 40 }, (_, n) => sender.send(mail(n, batch))));

    expect(answers.map((a) => a.messageId).sort()).toEqual(Array.from({ length: 40 }, (_, n) => `<${batch}-${n}@orderdeck.test>`).sort());
    const received = sink.messages.filter((m) => m.subject.startsWith(`${batch} #`));
    expect(received).toHaveLength(40);
    expect(new Set(received.map((m) => m.messageId)).size).toBe(40);
    for (const n of [0, 5, 39]) {
      const one = received.find((m) => m.subject === `${batch} #${n}`);
      expect(one?.envelopeTo).toEqual([`customer-${n}@example.com`]);
      expect(one?.text.trim()).toBe(`Message ${n} of ${batch}.`);
      expect(one?.attachments.map((a) => a.filename)).toEqual(n % 5 === 0 ? [`receipt-${n}.pdf`] : []);
    }
    // One connection per mail would have opened 40.
    const opened = sink.connections.opened - before;
    expect(opened).toBeGreaterThanOrEqual(1);
    expect(opened).toBeLessThanOrEqual(3);

    sender.close();
    await eventually("the pooled connections to close", async () => sink.connections.open === 0, 5_000);
  });

  it("reuses an idle connection for the next mail instead of opening another", async () => {
    const sender = newSender();
    await sender.send(mail(1, "batch-b"));
    const after = sink.connections.opened;
    for (let n = 2; n <= 6; n++) await sender.send(mail(n, "batch-b"));
    expect(sink.connections.opened).toBe(after);
    expect(sink.messages.filter((m) => m.subject.startsWith("batch-b #"))).toHaveLength(6);
    sender.close();
  });

  it("a refused message fails its own send with the server's answer; the next one goes through", async () => {
    const sender = newSender();
    sink.setFailing(1, 451);
    const refused = await sender.send(mail(1, "batch-c")).then(
      () => null,
      (error: unknown) => describeMailFailure(error),
    );
    expect(refused).toMatchObject({ permanent: false });
    expect(refused?.message).toMatch(/^SMTP 451: /);
    await sender.send(mail(2, "batch-c"));
    const received = sink.messages.filter((m) => m.subject.startsWith("batch-c #")).map((m) => m.subject);
    expect(received).toEqual(["batch-c #2"]);
    sender.close();
  });

  it("recovers when the server drops its connections: the next mails go over a new one, each once", async () => {
    const sender = newSender();
    await sender.send(mail(1, "batch-e"));
    const opened = sink.connections.opened;
    sink.dropConnections();
    await eventually("the dropped connections to close", async () => sink.connections.open === 0, 5_000);
    const answers = await Promise.all([2, 3, 4, 5, 6].map((n) => sender.send(mail(n, "batch-e"))));
    expect(answers.map((a) => a.messageId)).toEqual([2, 3, 4, 5, 6].map((n) => `<batch-e-${n}@orderdeck.test>`));
    const received = sink.messages.filter((m) => m.subject.startsWith("batch-e #")).map((m) => m.subject);
    expect(received.sort()).toEqual([1, 2, 3, 4, 5, 6].map((n) => `batch-e #${n}`));
    expect(sink.connections.opened).toBeGreaterThan(opened);
    sender.close();
  });

  it("sends each mail as built whole, with its own Message-ID, parts and inline images", async () => {
    const sender = newSender();
    const image = Buffer.from("89504e470d0a1a0a", "hex");
    const answer = await sender.send({
      ...mail(1, "batch-f"),
      html: '<p>Ready: <img src="cid:code@orderdeck"></p>',
      attachments: [{ filename: "code.png", content: image, contentType: "image/png", cid: "code@orderdeck" }],
    });
    expect(answer.messageId).toBe("<batch-f-1@orderdeck.test>");
    const received = await sink.waitFor((m) => m.subject === "batch-f #1");
    expect(received).toMatchObject({ messageId: "<batch-f-1@orderdeck.test>", envelopeFrom: "orders@orderdeck.test", envelopeTo: ["customer-1@example.com"] });
    expect(received.raw.toString("latin1")).toContain('src="cid:code@orderdeck"');
    expect(received.text.trim()).toBe("Message 1 of batch-f.");
    expect(received.attachments.map((a) => ({ cid: a.cid, type: a.contentType, content: a.content.toString("hex") }))).toEqual([
      { cid: "code@orderdeck", type: "image/png", content: image.toString("hex") },
    ]);
    sender.close();
  });

  it("a worker that stops closes its sender's connections", async () => {
    const deps = testWorkerDeps(harness, sink);
    const worker = await startTestWorker(harness, deps);
    const open = sink.connections.open;
    await deps.mail.sender.send(mail(1, "batch-d"));
    expect(sink.connections.open).toBe(open + 1);
    await worker.stop();
    await eventually("the worker's SMTP connection to close", async () => sink.connections.open === open, 5_000);
  });
});
