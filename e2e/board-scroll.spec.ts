// Done when: a fling through the queue board draws the rows passing by without their controls
// (each is on screen for one frame), and every row on screen is whole again once the scroll stops.
import { DEMO, expect, stationAt, test, watchErrors } from "./harness/fixtures.ts";

test("a fling draws the rows it passes without their controls, and whole once it stops", async ({ browser, stack, newConsole }) => {
  const host = await newConsole();
  const page = await (await browser.newContext()).newPage();
  const errors = watchErrors(page);
  await stationAt(page, stack, host, { station: "E2E board scroll", email: DEMO.lead });
  const grid = page.getByRole("grid", { name: "Queue" });
  await expect(grid.getByRole("row").first()).toBeVisible();
  await expect(grid.getByRole("row").first().getByRole("combobox")).toBeVisible();

  // One jump of more than a screenful, as one frame of a fling; read in the next frame, after the
  // scroll event has drawn the rows.
  const during = await grid.evaluate(async (element) => {
    const box = element as HTMLElement;
    const screenfuls = box.scrollHeight / box.clientHeight;
    box.scrollTop = box.scrollHeight;
    await new Promise((resolve) => requestAnimationFrame(resolve));
    return { screenfuls, rows: box.querySelectorAll('[role="row"]').length, menus: box.querySelectorAll('[role="row"] select').length, checkboxes: box.querySelectorAll('[role="row"] input').length };
  });
  expect(during.screenfuls).toBeGreaterThan(2);
  expect(during.rows).toBeGreaterThan(0);
  expect(during.menus).toBe(0);
  expect(during.checkboxes).toBe(0);
  // The last job's words are there while it passes.
  const last = grid.getByRole("row").last();
  await expect(last).toHaveAccessibleName(/^\S+ \S/);

  // Once the scroll has stopped, every row on screen has its status menu and checkbox again.
  await expect.poll(() => grid.evaluate((element) => element.querySelectorAll('[role="row"] select').length)).toBe(during.rows);
  await expect(grid.locator('[role="row"] input[type="checkbox"]')).toHaveCount(during.rows);
  await expect(last.getByRole("combobox")).toBeEnabled();
  expect(errors).toEqual([]);
});
