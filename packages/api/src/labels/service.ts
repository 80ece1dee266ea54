import { DomainError, formatJobNumber, formatPickupCode, type JobLabel, type LabelFormat } from "@orderdeck/contracts";
import { inSite, type PrismaClient } from "@orderdeck/db";
import { formatLocal } from "../documents/zoned-time.ts";
import { printableText } from "../documents/font.ts";
import { LABEL_HEIGHT_MM, LABEL_WIDTH_MM, renderLabelHtml, renderLabelPdf, renderLabelPng, type LabelContent } from "./render.ts";

export type { JobLabel, LabelFormat };

/** What the label says, formatted for the site (due date in its timezone) and for the label font. */
export async function loadLabelContent(prisma: PrismaClient, siteId: string, jobId: string): Promise<LabelContent> {
  const job = await inSite(prisma, siteId, (tx) =>
    tx.job.findFirst({
      where: { id: jobId, siteId },
      select: {
        number: true,
        title: true,
        dueAt: true,
        quantity: true,
        pickupCode: true,
        customer: { select: { name: true } },
        site: { select: { name: true, timezone: true } },
      },
    }),
  );
  if (!job) throw new DomainError("NOT_FOUND", "That job does not exist (or not at this site).");
  return {
    shopName: printableText(job.site.name, 60),
    jobNumber: formatJobNumber(job.number),
    customer: job.customer ? printableText(job.customer.name, 120) : null,
    title: printableText(job.title, 200),
    due: job.dueAt ? formatLocal(job.dueAt, job.site.timezone, false) : null,
    quantity: job.quantity,
    pickupCode: job.pickupCode,
    groupedCode: formatPickupCode(job.pickupCode),
  };
}

export async function renderJobLabel(prisma: PrismaClient, siteId: string, input: { jobId: string; format: LabelFormat }): Promise<JobLabel> {
  const content = await loadLabelContent(prisma, siteId, input.jobId);
  const file = {
    jobId: input.jobId,
    filename: `label-${content.jobNumber}.${input.format}`,
    stock: { widthMm: LABEL_WIDTH_MM, heightMm: LABEL_HEIGHT_MM },
  };
  switch (input.format) {
    case "png": {
      const png = await renderLabelPng(content);
      return { ...file, format: "png", mimeType: "image/png", base64: png.png.toString("base64"), widthPx: png.widthPx, heightPx: png.heightPx, dpi: png.dpi };
    }
    case "html":
      return { ...file, format: "html", mimeType: "text/html", html: await renderLabelHtml(content) };
    case "pdf":
      return { ...file, format: "pdf", mimeType: "application/pdf", base64: (await renderLabelPdf(content)).toString("base64") };
  }
}
