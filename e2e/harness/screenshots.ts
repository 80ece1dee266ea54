import { fileURLToPath } from "node:url";
import type { Page } from "@playwright/test";

/** Saves a screenshot of the page as docs/screenshots/<name>.png (the README shows them). */
export async function screenshot(page: Page, name: string): Promise<void> {
  await page.screenshot({ path: fileURLToPath(new URL(`../../docs/screenshots/${name}.png`, import.meta.url)) });
}
