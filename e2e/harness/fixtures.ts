// The suite's fixtures: one stack per worker (the suite runs one worker, so one per run), a fresh
// console (station) per test where a test needs one, and helpers that act as the person would.
import { test as base, expect, type Page } from "@playwright/test";
import type { BrowserConsole } from "@orderdeck/console";
import { DEMO, startStack, type Stack } from "./stack.ts";

export { expect };

export interface ConsoleFixtures {
  /** Starts a new station's console; closed after the test. */
  newConsole(): Promise<BrowserConsole>;
}

export const test = base.extend<ConsoleFixtures, { stack: Stack }>({
  stack: [
    // eslint-disable-next-line no-empty-pattern -- Playwright reads the fixture's dependencies from this pattern
    async ({}, use) => {
      const stack = await startStack();
      await use(stack);
      await stack.close();
    },
    { scope: "worker", timeout: 180_000 },
  ],
  newConsole: async ({ stack }, use) => {
    const opened: BrowserConsole[] = [];
    await use(async () => {
      const host = await stack.newConsole();
      opened.push(host);
      return host;
    });
    // A test that stopped the API leaves it running for the next one.
    await stack.startApi();
    for (const host of opened) await host.close().catch(() => undefined);
  },
});

/** An admin creates a one-time code for a new station, through the API. */
export async function enrollmentCode(stack: Stack, name: string): Promise<string> {
  const created = await stack.admin.mutate<{ code: string }>("stations.createEnrollment", { name });
  return created.code;
}

/** Goes through first-run setup in the UI: server, enrollment code, sign-in. */
export async function setUpStation(page: Page, stack: Stack, host: BrowserConsole, options: { station: string; email: string }): Promise<void> {
  await page.goto(host.url);
  await expect(page.getByRole("heading", { name: "Which OrderDeck server?" })).toBeVisible();
  await expect(page.getByLabel("Server address")).toHaveValue(stack.apiUrl);
  await page.getByRole("button", { name: "Continue" }).click();
  await page.getByLabel("Enrollment code").fill(await enrollmentCode(stack, options.station));
  await page.getByRole("button", { name: "Enroll" }).click();
  await expect(page.getByRole("heading", { name: "Sign in" })).toBeVisible();
  await page.getByLabel("E-mail").fill(options.email);
  await page.getByLabel("Password").fill(DEMO.password);
  await page.getByRole("button", { name: "Sign in" }).click();
  await expect(page.getByRole("navigation", { name: "Main" })).toBeVisible();
  // The first pull has landed: the status bar shows a last sync.
  await expect(page.getByTestId("connection")).toHaveText("Online");
  await expect(page.getByRole("contentinfo", { name: "Status bar" })).not.toContainText("Last sync: never");
}

/** A new station, set up and signed in, on the queue board. */
export async function stationAt(page: Page, stack: Stack, host: BrowserConsole, options: { station: string; email: string }): Promise<void> {
  await setUpStation(page, stack, host, options);
  await expect(page.getByRole("grid", { name: "Queue" })).toBeVisible();
}

/** Collects page errors and console errors (a CSP violation is one): a test ends with none. */
export function watchErrors(page: Page): string[] {
  const errors: string[] = [];
  page.on("pageerror", (error) => errors.push(error.message));
  page.on("console", (message) => {
    // A refused call is logged by the browser as a failed resource; the UI shows it, not an error of the page.
    if (message.type() === "error" && !/Failed to load resource/.test(message.text())) errors.push(message.text());
  });
  return errors;
}

export { DEMO };
