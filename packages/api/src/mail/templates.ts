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

export function readyForPickupText(shop: string, job: JobFacts): string {
  const due =
    job.paymentStatus === "PAID" || job.paymentStatus === "WAIVED" || job.priceCents === 0
      ? "It is paid: just bring the code."
      : `Please pay ${formatMoney(job.priceCents, job.currency)} when you collect it (unless you already have).`;
  return [
    greeting(job.customerName),
    "",
    `your order ${formatJobNumber(job.number)} "${job.title}" is ready for pickup at ${shop}.`,
    "",
    `Pickup code: ${formatPickupCode(job.pickupCode)}`,
    "Show this code (or this mail) at the counter. " + due,
    "",
    `— ${shop}`,
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
