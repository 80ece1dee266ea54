// What each mail says. Subjects are fixed when the mail is queued (the mail log shows them);
// bodies are written when it is sent, from the rows as they are then, so a retry a day later
// does not send yesterday's payment state. Plain text: every mail client shows it, none blocks it.
import { formatJobNumber, formatPickupCode } from "@orderdeck/contracts";
import { formatMoney } from "../money/format.ts";

export interface JobFacts {
  number: number;
  title: string;
  pickupCode: string;
  priceCents: number;
  currency: string;
  paymentStatus: string;
  customerName: string | null;
}

const greeting = (name: string | null) => (name ? `Hello ${name},` : "Hello,");

export const subjects = {
  readyForPickup: (shop: string, job: { number: number; title: string }) =>
    `${shop}: your order ${formatJobNumber(job.number)} (${job.title}) is ready for pickup`,
  invoice: (shop: string, invoiceNumber: string, job: { number: number }) =>
    `${shop}: invoice ${invoiceNumber} for order ${formatJobNumber(job.number)}`,
  receipt: (shop: string, receiptNumber: string, job: { number: number }) =>
    `${shop}: receipt ${receiptNumber} for order ${formatJobNumber(job.number)}`,
  /** `shift` says which, e.g. "early shift that began Tue, 10 Mar 2026, 06:00 CET". */
  handoffReminder: (shop: string, shift: string) => `${shop}: no handoff was written for the ${shift}`,
};

function dueSentence(job: JobFacts): string {
  return job.paymentStatus === "PAID" || job.paymentStatus === "WAIVED" || job.priceCents === 0
    ? "It is paid: just bring the code."
    : `Please pay ${formatMoney(job.priceCents, job.currency)} when you collect it (unless you already have).`;
}

/** `statusUrl`: the job's status page, when the mail carries one. */
export function readyForPickupText(shop: string, job: JobFacts, statusUrl: string | null = null): string {
  return [
    greeting(job.customerName),
    "",
    `your order ${formatJobNumber(job.number)} "${job.title}" is ready for pickup at ${shop}.`,
    "",
    `Pickup code: ${formatPickupCode(job.pickupCode)}`,
    "Show this code (or this mail) at the counter. " + dueSentence(job),
    ...(statusUrl ? ["", `Your order's page, with the code and where and when to collect it: ${statusUrl}`] : []),
    "",
    `— ${shop}`,
  ].join("\n");
}

/** The content ids of the ready mail's inline barcode images. */
export const READY_MAIL_IMAGES = { qr: "pickup-qr@orderdeck", code128: "pickup-code128@orderdeck" } as const;

const escapeHtml = (text: string) => text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

/** The same mail as HTML, showing the code as QR and Code 128 (inline images) to hold under the counter's scanner. */
export function readyForPickupHtml(shop: string, job: JobFacts, qrWidth: number, statusUrl: string | null = null): string {
  const code = escapeHtml(formatPickupCode(job.pickupCode));
  const paragraphs = [
    escapeHtml(greeting(job.customerName)),
    `your order ${escapeHtml(formatJobNumber(job.number))} “${escapeHtml(job.title)}” is ready for pickup at ${escapeHtml(shop)}.`,
    `Show this code at the counter. ${escapeHtml(dueSentence(job))}`,
  ];
  return [
    "<!doctype html><html><body style=\"font-family:sans-serif;color:#111\">",
    ...paragraphs.map((p) => `<p>${p}</p>`),
    `<p><img src="cid:${READY_MAIL_IMAGES.qr}" alt="QR code of pickup code ${code}" width="${qrWidth}" height="${qrWidth}" style="display:block"></p>`,
    `<p><img src="cid:${READY_MAIL_IMAGES.code128}" alt="Barcode of pickup code ${code}" style="display:block;max-width:100%;height:auto"></p>`,
    `<p style="font:700 24px monospace;letter-spacing:2px">${code}</p>`,
    ...(statusUrl ? [`<p><a href="${escapeHtml(statusUrl)}">Your order's page</a>: the code, and where and when to collect it.</p>`] : []),
    `<p>— ${escapeHtml(shop)}</p>`,
    "</body></html>",
  ].join("\n");
}

export function invoiceText(shop: string, job: JobFacts, invoiceNumber: string, amount: string): string {
  return [
    greeting(job.customerName),
    "",
    `attached is invoice ${invoiceNumber} for your order ${formatJobNumber(job.number)} "${job.title}": ${amount}.`,
    `Please quote ${invoiceNumber} with your payment.`,
    "",
    `— ${shop}`,
  ].join("\n");
}

export function receiptText(shop: string, job: JobFacts, receiptNumber: string, amount: string): string {
  return [
    greeting(job.customerName),
    "",
    `thank you for collecting your order ${formatJobNumber(job.number)} "${job.title}".`,
    `Attached is your receipt ${receiptNumber} (${amount}).`,
    "",
    `— ${shop}`,
  ].join("\n");
}

export function handoffReminderText(shop: string, subject: string): string {
  const what = subject.startsWith(`${shop}: `) ? subject.slice(shop.length + 2) : subject;
  return [
    `${what.charAt(0).toUpperCase()}${what.slice(1)}.`,
    "",
    "The shift ended without a handoff summary, so the next shift starts without the outgoing lead's notes.",
    "Open Handoff in the OrderDeck console to write it now: the summary covers the period since the last acknowledged handoff.",
    "",
    `— OrderDeck at ${shop}`,
  ].join("\n");
}
