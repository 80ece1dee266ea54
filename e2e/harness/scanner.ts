import type { Page } from "@playwright/test";

/**
 * What a barcode scanner does: the code's keys 5 ms apart, then Enter. Playwright waits for the
 * page to take each key before sending the next (a real scanner does not), so a page busy
 * rendering would stretch the burst; the scan starts once the page is idle.
 */
export async function scan(page: Page, code: string): Promise<void> {
  await page.evaluate(() => new Promise<void>((resolve) => requestIdleCallback(() => resolve(), { timeout: 2_000 })));
  await page.keyboard.type(code, { delay: 5 });
  await page.keyboard.press("Enter");
}
