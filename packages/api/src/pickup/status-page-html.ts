// The customer's status page as one self-contained HTML document (no script, no request beyond
// itself: the barcodes are inline images), laid out for a phone held up at the counter, and the
// headers it goes out with. The missing page is one fixed document, so a wrong token, a revoked
// one and any other missing page under /status answer byte for byte alike.
import { createHash } from "node:crypto";
import type { JobStatus } from "@orderdeck/contracts";
import { qrScreenWidth } from "../documents/barcodes.ts";

/** What the page says (status-page.ts reads it for a token). */
export interface StatusPageFacts {
  shop: string;
  pickupPlace: string | null;
  pickupHours: string | null;
  jobNumber: string;
  title: string;
  status: JobStatus;
  /** The site's wall-clock time with its zone, e.g. "Sat, 5 Dec 2026, 21:40 CET"; null unless ready. */
  readySince: string | null;
  /** "€42.50", or null when nothing is owed. */
  balanceDue: string | null;
  /** Null once the job is closed (picked up, shipped, cancelled): nothing is left to collect with it. */
  code: { text: string; grouped: string; qrPng: Buffer; code128Png: Buffer } | null;
}

const STATUS_WORDS: Record<JobStatus, string> = {
  QUEUED: "Received: waiting in the queue",
  IN_PROGRESS: "Being made",
  POST_PROCESSING: "Being finished",
  READY_FOR_PICKUP: "Ready for pickup",
  PICKED_UP: "Picked up",
  SHIPPED: "Shipped",
  ON_HOLD: "On hold: the shop will be in touch",
  FAILED: "Being made again",
  CANCELLED: "Cancelled",
};

const STYLE = `
*{box-sizing:border-box}
body{margin:0;font:16px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:#111;background:#f4f4f2}
main{max-width:30rem;margin:0 auto;padding:1rem}
h1{font-size:1.25rem;margin:0 0 .75rem}
h2{font-size:1rem;margin:0 0 .25rem;color:#444}
section{background:#fff;border-radius:.5rem;padding:1rem;margin:0 0 .75rem;overflow-wrap:anywhere}
.status{font-size:1.35rem;font-weight:700;margin:.25rem 0}
.muted{color:#555;margin:0}
p{margin:.25rem 0}
.pre{white-space:pre-line}
.code{text-align:center}
.code img{display:block;margin:.5rem auto;max-width:100%;height:auto;image-rendering:pixelated}
.bars{width:100%}
.grouped{font:700 1.6rem/1.2 ui-monospace,"DejaVu Sans Mono",monospace;letter-spacing:.08em;margin:.5rem 0 0}
`;

const STYLE_HASH = createHash("sha256").update(STYLE).digest("base64");

/** Security headers of every status page answer: no script, nothing framed, no token in a Referer, nothing cached. */
export const STATUS_PAGE_HEADERS: Readonly<Record<string, string>> = {
  "content-type": "text/html; charset=utf-8",
  // A revoked link must stop working everywhere at once: no proxy or browser keeps a copy.
  "cache-control": "no-store",
  "content-security-policy": `default-src 'none'; img-src data:; style-src 'sha256-${STYLE_HASH}'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'`,
  // The token is in the path: a link followed from the page must not carry it along.
  "referrer-policy": "no-referrer",
  "x-content-type-options": "nosniff",
  "x-frame-options": "DENY",
  "x-robots-tag": "noindex, nofollow",
  "cross-origin-opener-policy": "same-origin",
  "cross-origin-resource-policy": "same-origin",
  "permissions-policy": "camera=(), microphone=(), geolocation=(), payment=()",
};

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

function documentOf(title: string, body: string): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="robots" content="noindex, nofollow">
<title>${escapeHtml(title)}</title>
<style>${STYLE}</style>
</head>
<body>
<main>
${body}
</main>
</body>
</html>
`;
}

const png = (image: Buffer) => `data:image/png;base64,${image.toString("base64")}`;

export function renderStatusPage(facts: StatusPageFacts): string {
  const sections: string[] = [];
  sections.push(`<h1>${escapeHtml(facts.shop)}</h1>`);
  sections.push(`<section aria-labelledby="order-heading">
<h2 id="order-heading">Order ${escapeHtml(facts.jobNumber)}</h2>
<p>${escapeHtml(facts.title)}</p>
<p class="status" id="status">${escapeHtml(STATUS_WORDS[facts.status])}</p>
${facts.readySince ? `<p class="muted">Ready since ${escapeHtml(facts.readySince)}</p>` : ""}
</section>`);
  if (facts.code) {
    const qrSide = qrScreenWidth(facts.code.qrPng);
    sections.push(`<section class="code" aria-labelledby="code-heading">
<h2 id="code-heading">Pickup code</h2>
<p class="muted">Show this at the counter.</p>
<img src="${png(facts.code.qrPng)}" width="${qrSide}" height="${qrSide}" alt="QR code of pickup code ${escapeHtml(facts.code.grouped)}">
<img class="bars" src="${png(facts.code.code128Png)}" alt="Barcode of pickup code ${escapeHtml(facts.code.grouped)}">
<p class="grouped">${escapeHtml(facts.code.grouped)}</p>
</section>`);
    sections.push(`<section aria-labelledby="pay-heading">
<h2 id="pay-heading">To pay</h2>
<p>${facts.balanceDue ? `${escapeHtml(facts.balanceDue)}, at pickup` : "Nothing: it is paid."}</p>
</section>`);
  }
  if (facts.pickupPlace || facts.pickupHours) {
    sections.push(`<section aria-labelledby="where-heading">
<h2 id="where-heading">Where and when</h2>
${facts.pickupPlace ? `<p class="pre">${escapeHtml(facts.pickupPlace)}</p>` : ""}
${facts.pickupHours ? `<p class="pre">${escapeHtml(facts.pickupHours)}</p>` : ""}
</section>`);
  }
  return documentOf(`${facts.jobNumber} · ${facts.shop}`, sections.join("\n"));
}

/** The one answer for every missing page under /status (404). */
export const MISSING_STATUS_PAGE = documentOf(
  "Page not found",
  `<h1>Page not found</h1>
<section><p>There is no page at this address. If it came in a mail from the shop, ask the shop for a new link.</p></section>`,
);

/** Too many pages asked from one address (429); `seconds` until the next one is answered. */
export function rateLimitedStatusPage(seconds: number): string {
  return documentOf("Please wait", `<h1>Please wait</h1>\n<section><p>Too many pages were opened from this address. Try again in ${seconds} seconds.</p></section>`);
}

/** The page cannot be read right now (503). */
export const UNAVAILABLE_STATUS_PAGE = documentOf("Try again soon", `<h1>Try again soon</h1>\n<section><p>This page cannot be shown right now. Try again in a minute.</p></section>`);
