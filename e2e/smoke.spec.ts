import { fileURLToPath } from "node:url";
import { expect, test } from "@playwright/test";

const SCREENSHOT = fileURLToPath(new URL("../docs/screenshots/console-health.png", import.meta.url));

test("the browser-mode console loads and shows the server as reachable and ready", async ({ page }) => {
  const pageErrors: string[] = [];
  page.on("pageerror", (error) => pageErrors.push(error.message));
  // A CSP violation is logged as a console error; the strict policy must not break our own page.
  page.on("console", (message) => {
    if (message.type() === "error") pageErrors.push(message.text());
  });

  await page.goto("/");

  await expect(page.getByRole("heading", { level: 1, name: "OrderDeck console" })).toBeVisible();
  const server = page.getByRole("region", { name: "Server" });
  // The summary is a live status region: text, not colour, tells the state.
  await expect(server.getByRole("status")).toHaveText(/Server reachable and ready/);
  await expect(server.getByText("Reachable", { exact: true })).toBeVisible();
  await expect(server.getByText("Ready", { exact: true })).toBeVisible();
  await expect(server.getByText("http://127.0.0.1:4310", { exact: true })).toBeVisible();

  const checks = page.getByRole("region", { name: "Readiness checks" }).getByRole("listitem");
  await expect(checks.first()).toBeVisible();
  await expect(checks.filter({ hasText: "Failing" })).toHaveCount(0);

  await page.screenshot({ path: SCREENSHOT, fullPage: true });
  expect(pageErrors).toEqual([]);
});
