import { fileURLToPath } from "node:url";
import type { Page } from "@playwright/test";

/** Saves a screenshot of the page as docs/screenshots/<name>.png (the README shows them); `fullPage` for a page taller than the window. */
export async function screenshot(page: Page, name: string, options: { fullPage?: boolean } = {}): Promise<void> {
  await page.screenshot({ path: fileURLToPath(new URL(`../../docs/screenshots/${name}.png`, import.meta.url)), fullPage: options.fullPage ?? false });
}
