// A local SMTP server that keeps what it receives: development (`npm start` points the product's
// mail at it when no SMTP server is configured) and the tests, so that mail really travels over
// SMTP from nodemailer to a server. It can also refuse mail on demand, to play a server that is down.
import { mkdir, writeFile } from "node:fs/promises";
import type { AddressInfo, Socket } from "node:net";
import path from "node:path";
import { simpleParser, type AddressObject } from "mailparser";
import { SMTPServer } from "smtp-server";

export interface SinkAttachment {
  filename: string | undefined;
  contentType: string;
  size: number;
  content: Buffer;
  /** The Content-ID of an inline part (what an HTML body's <img src="cid:…"> names), without angle brackets. */
  cid: string | undefined;
}

export interface SinkMessage {
  /** Envelope sender (MAIL FROM). */
  envelopeFrom: string | null;
  /** Envelope recipients (RCPT TO). */
  envelopeTo: string[];
  from: string;
  to: string[];
  subject: string;
  text: string;
  /** The HTML alternative, when the mail has one. */
  html: string | undefined;
  messageId: string | undefined;
  headers: Map<string, unknown>;
  attachments: SinkAttachment[];
  raw: Buffer;
  receivedAt: Date;
  /** The .eml file it was written to, when the sink keeps a folder. */
  file: string | undefined;
}

export interface MailSinkOptions {
  /** 0 (the default) picks a free port. */
  port?: number;
  host?: string;
  /** Write every message as an .eml file into this folder (created if missing). */
  dir?: string;
  onMessage?: (message: SinkMessage) => void;
}

export interface MailSink {
  host: string;
  port: number;
  /** Every message accepted so far, oldest first. */
  readonly messages: readonly SinkMessage[];
  /** How many messages were refused while failing. */
  readonly refused: number;
  /** SMTP connections accepted so far, and how many of them are open now (a pooled sender's reuse shows here). */
  readonly connections: { readonly opened: number; readonly open: number };
  /** The first message (already received or still to come) that matches, or a rejection after `timeoutMs`. */
  waitFor(predicate: (message: SinkMessage) => boolean, timeoutMs?: number): Promise<SinkMessage>;
  /**
   * Refuse mail like a server in trouble: `true` refuses everything until `false`; a number
   * refuses that many messages and then accepts again. `code` 4xx is a temporary refusal (the
   * sender should retry), 5xx a permanent one.
   */
  setFailing(failing: boolean | number, code?: number): void;
  /** Ends every open connection from the server's side, as a server that restarts or times out idle clients does. */
  dropConnections(): void;
  stop(): Promise<void>;
}

function addresses(value: AddressObject | AddressObject[] | undefined): string[] {
  const list = Array.isArray(value) ? value : value ? [value] : [];
  return list.flatMap((group) => group.value.map((a) => a.address ?? "")).filter(Boolean);
}

class RefusedError extends Error {
  constructor(
    message: string,
    readonly responseCode: number,
  ) {
    super(message);
  }
}

export async function startMailSink(options: MailSinkOptions = {}): Promise<MailSink> {
  const host = options.host ?? "127.0.0.1";
  const messages: SinkMessage[] = [];
  const waiters = new Set<{ predicate: (m: SinkMessage) => boolean; resolve: (m: SinkMessage) => void }>();
  let failing: boolean | number = false;
  let failCode = 451;
  let refused = 0;
  let counter = 0;
  const connections = { opened: 0, open: 0 };
  if (options.dir) await mkdir(options.dir, { recursive: true });

  const shouldRefuse = (): boolean => {
    if (failing === true) return true;
    if (typeof failing === "number" && failing > 0) {
      failing -= 1;
      return true;
    }
    return false;
  };

  const server = new SMTPServer({
    // A local sink: no TLS to negotiate and no accounts to check.
    disabledCommands: ["STARTTLS", "AUTH"],
    authOptional: true,
    logger: false,
    banner: "OrderDeck mail sink",
    size: 25 * 1024 * 1024,
    onConnect(_session, callback) {
      connections.opened += 1;
      connections.open += 1;
      callback();
    },
    onClose() {
      connections.open -= 1;
    },
    onData(stream, session, callback) {
      const chunks: Buffer[] = [];
      stream.on("data", (chunk: Buffer) => chunks.push(chunk));
      stream.on("end", () => {
        if (shouldRefuse()) {
          refused += 1;
          const temporary = failCode < 500;
          callback(new RefusedError(temporary ? "Mail sink is failing on purpose, try again later" : "Mail sink refuses this message", failCode));
          return;
        }
        const raw = Buffer.concat(chunks);
        void (async () => {
          const parsed = await simpleParser(raw);
          let file: string | undefined;
          if (options.dir) {
            file = path.join(options.dir, `${new Date().toISOString().replaceAll(":", "-")}-${String(++counter).padStart(4, "0")}.eml`);
            await writeFile(file, raw);
          }
          const message: SinkMessage = {
            envelopeFrom: session.envelope.mailFrom ? session.envelope.mailFrom.address : null,
            envelopeTo: session.envelope.rcptTo.map((r) => r.address),
            from: addresses(parsed.from)[0] ?? "",
            to: addresses(parsed.to),
            subject: parsed.subject ?? "",
            text: parsed.text ?? "",
            html: typeof parsed.html === "string" ? parsed.html : undefined,
            messageId: parsed.messageId,
            headers: parsed.headers,
            attachments: parsed.attachments.map((a) => ({ filename: a.filename, contentType: a.contentType, size: a.size, content: a.content, cid: a.cid })),
            raw,
            receivedAt: new Date(),
            file,
          };
          messages.push(message);
          options.onMessage?.(message);
          for (const waiter of waiters) {
            if (waiter.predicate(message)) {
              waiters.delete(waiter);
              waiter.resolve(message);
            }
          }
          callback();
        })().catch((error: unknown) => callback(error instanceof Error ? error : new Error(String(error))));
      });
    },
  });

  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port ?? 0, host, () => {
      server.off("error", reject);
      resolve();
    });
  });
  // Connection-level errors (a client hanging up mid-message) are the client's problem, not a crash.
  server.on("error", () => undefined);
  const sockets = new Set<Socket>();
  server.server.on("connection", (socket: Socket) => {
    sockets.add(socket);
    socket.once("close", () => sockets.delete(socket));
  });
  const port = (server.server.address() as AddressInfo).port;

  return {
    host,
    port,
    messages,
    get refused() {
      return refused;
    },
    get connections() {
      return { ...connections };
    },
    waitFor(predicate, timeoutMs = 10_000) {
      const found = messages.find(predicate);
      if (found) return Promise.resolve(found);
      return new Promise((resolve, reject) => {
        const waiter = {
          predicate,
          resolve: (m: SinkMessage) => {
            clearTimeout(timer);
            resolve(m);
          },
        };
        const timer = setTimeout(() => {
          waiters.delete(waiter);
          reject(new Error(`no matching mail arrived within ${timeoutMs} ms (${messages.length} received)`));
        }, timeoutMs);
        waiters.add(waiter);
      });
    },
    dropConnections() {
      for (const socket of sockets) socket.destroy();
    },
    setFailing(next, code = 451) {
      failing = next;
      failCode = code;
    },
    stop() {
      return new Promise((resolve) => server.close(() => resolve()));
    },
  };
}
