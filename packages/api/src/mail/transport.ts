import nodemailer from "nodemailer";
import MailComposer from "nodemailer/lib/mail-composer";

/** Where outgoing mail goes (SMTP_* in the server's configuration). */
export interface SmtpSettings {
  host: string;
  port: number;
  /** TLS from the first byte (port 465); otherwise STARTTLS is used when the server offers it. */
  secure: boolean;
  user?: string | undefined;
  password?: string | undefined;
}

export interface MailAttachment {
  filename: string;
  content: Buffer;
  contentType: string;
  /** Set: an inline part the HTML body shows as <img src="cid:…">. */
  cid?: string;
}

export interface OutgoingMail {
  from: string;
  to: string;
  subject: string;
  text: string;
  /** An HTML alternative of the text (mail clients that show HTML show it instead). */
  html?: string;
  /** The Message-ID header: fixed per mail log row, so a resend after a crash carries the same id. */
  messageId: string;
  attachments: MailAttachment[];
}

export interface MailSender {
  /** Hands the mail to the SMTP server; resolves with its Message-ID once the server accepted it. */
  send(mail: OutgoingMail): Promise<{ messageId: string }>;
  close(): void;
}

const SMTP_TIMEOUT_MS = 15_000;
// A few connections serve a worker's concurrent sends; each is renewed after a number of
// messages, so a long-lived connection never outstays what the server tolerates.
const SMTP_MAX_CONNECTIONS = 3;
const SMTP_MAX_MESSAGES = 100;

/**
 * A pooled SMTP transport: connections are opened on demand, reused by the sends that follow
 * (no handshake, and no STARTTLS or AUTH, per mail) and closed by close() when the worker stops.
 * A connection that fails is dropped; the mail it carried fails its attempt like any other.
 */
export function createMailSender(settings: SmtpSettings): MailSender {
  const transport = nodemailer.createTransport({
    pool: true,
    maxConnections: SMTP_MAX_CONNECTIONS,
    maxMessages: SMTP_MAX_MESSAGES,
    host: settings.host,
    port: settings.port,
    secure: settings.secure,
    auth: settings.user ? { user: settings.user, pass: settings.password ?? "" } : undefined,
    connectionTimeout: SMTP_TIMEOUT_MS,
    greetingTimeout: SMTP_TIMEOUT_MS,
    socketTimeout: SMTP_TIMEOUT_MS,
  });
  return {
    async send(mail) {
      // Built whole before it goes out, so the message leaves in one write; streamed, every MIME
      // part and base64 line of the images was a write (a system call) of its own.
      const message = new MailComposer({
        from: mail.from,
        to: mail.to,
        subject: mail.subject,
        text: mail.text,
        ...(mail.html === undefined ? {} : { html: mail.html }),
        messageId: mail.messageId,
        attachments: mail.attachments.map((a) => ({
          filename: a.filename,
          content: a.content,
          contentType: a.contentType,
          ...(a.cid === undefined ? {} : { cid: a.cid, contentDisposition: "inline" as const }),
        })),
      }).compile();
      const raw = await message.build();
      await transport.sendMail({ envelope: message.getEnvelope(), raw });
      // A raw message's Message-ID is its own header, the one given here.
      return { messageId: mail.messageId };
    },
    close() {
      transport.close();
    },
  };
}

export interface MailFailure {
  /** True when retrying cannot help: the server refused the message or recipient for good (5xx). */
  permanent: boolean;
  message: string;
}

/** What went wrong with a send, as the mail log records it. */
export function describeMailFailure(error: unknown): MailFailure {
  const details = error as { responseCode?: unknown; code?: unknown; message?: unknown };
  const responseCode = typeof details.responseCode === "number" ? details.responseCode : undefined;
  const code = typeof details.code === "string" ? details.code : undefined;
  const message = typeof details.message === "string" ? details.message : String(error);
  // EENVELOPE: nodemailer found no valid recipient; no server will ever take it.
  const permanent = (responseCode !== undefined && responseCode >= 500) || code === "EENVELOPE";
  const prefix = responseCode !== undefined ? `SMTP ${responseCode}: ` : code ? `${code}: ` : "";
  return { permanent, message: `${prefix}${message}`.slice(0, 1000) };
}
