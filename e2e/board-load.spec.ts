// Done when: a console that starts signed in opens the queue board with one read of its first page
// (the sync stream's first report is no reason to read it again), and that read travels without
// the calls the server answers.
import { DEMO, expect, stationAt, test, watchErrors } from "./harness/fixtures.ts";

test("the board's first page is read once when the console opens, apart from calls to the server", async ({ browser, stack, newConsole }) => {
  const host = await newConsole();
  const page = await (await browser.newContext()).newPage();
  const errors = watchErrors(page);
  await stationAt(page, stack, host, { station: "E2E board load", email: DEMO.staff });

  // Opened again, as after a restart: the console is signed in from the start.
  const firstPageReads: string[] = [];
  page.on("request", (request) => {
    const url = decodeURIComponent(request.url());
    if (url.includes("/local/trpc/") && url.includes("queue.list") && !url.includes('"cursor"')) firstPageReads.push(url);
  });
  await page.reload();
  const grid = page.getByRole("grid", { name: "Queue" });
  await expect(grid.getByRole("row").first()).toBeVisible();
  await expect(page.getByTestId("connection")).toHaveText("Online");
  // Time for the sync stream's first report to arrive and be acted on.
  await page.waitForTimeout(2_000);
  expect(firstPageReads).toHaveLength(1);
  expect(firstPageReads[0]).not.toContain("online.");
  expect(errors).toEqual([]);
});
