// Saved views: personal ones for their owner, site-wide ones for everyone at the site and
// managed by a LEAD; filter and sort validated like jobs.list's own.
import { describe, expect, it } from "vitest";

import { apiHarnessForFile, refusalOf } from "./harness.ts";

const harness = await apiHarnessForFile();
const site = await harness.createSite("Views");

describe("views", () => {
  it("a personal view is its owner's alone", async () => {
    const mine = await site.as.STAFF.views.create({
      name: "My rush jobs",
      filter: { statuses: ["QUEUED", "IN_PROGRESS"], assigneeId: site.users.STAFF.id, search: "bracket" },
      sort: { field: "due", direction: "asc" },
    });
    expect(mine).toMatchObject({ scope: "PERSONAL", ownerId: site.users.STAFF.id, mine: true, editable: true });
    expect(mine.filter).toMatchObject({ statuses: ["QUEUED", "IN_PROGRESS"], archived: "exclude", search: "bracket" });

    expect((await site.as.STAFF.views.list()).map((v) => v.id)).toContain(mine.id);
    expect((await site.as.LEAD.views.list()).map((v) => v.id)).not.toContain(mine.id);
    expect((await refusalOf(site.as.LEAD.views.update({ id: mine.id, name: "Taken" }))).code).toBe("NOT_FOUND");
    expect((await refusalOf(site.as.ADMIN.views.delete({ id: mine.id }))).code).toBe("NOT_FOUND");

    const renamed = await site.as.STAFF.views.update({ id: mine.id, name: "Rush", sort: { field: "created", direction: "desc" } });
    expect(renamed).toMatchObject({ name: "Rush", sort: { field: "created", direction: "desc" } });
    expect(renamed.filter.search).toBe("bracket");
    await site.as.STAFF.views.delete({ id: mine.id });
    expect((await site.as.STAFF.views.list()).map((v) => v.id)).not.toContain(mine.id);
  });

  it("site-wide views are seen by all and made or changed by a LEAD", async () => {
    expect((await refusalOf(site.as.STAFF.views.create({ name: "Board", scope: "SITE" }))).code).toBe("FORBIDDEN");
    const board = await site.as.LEAD.views.create({ name: "Board", scope: "SITE", filter: { overdue: true } });
    expect(board).toMatchObject({ scope: "SITE", ownerId: null });

    const seenByStaff = (await site.as.STAFF.views.list()).find((v) => v.id === board.id);
    expect(seenByStaff).toMatchObject({ mine: false, editable: false });
    expect((await refusalOf(site.as.STAFF.views.update({ id: board.id, name: "Mine" }))).code).toBe("FORBIDDEN");
    expect((await refusalOf(site.as.STAFF.views.delete({ id: board.id }))).code).toBe("FORBIDDEN");

    const staffView = await site.as.STAFF.views.create({ name: "Mine to share" });
    expect((await refusalOf(site.as.STAFF.views.update({ id: staffView.id, scope: "SITE" }))).code).toBe("FORBIDDEN");

    await site.as.ADMIN.views.update({ id: board.id, name: "Overdue board" });
    // A lead taking a site view private makes it theirs.
    const taken = await site.as.LEAD.views.update({ id: board.id, scope: "PERSONAL" });
    expect(taken).toMatchObject({ scope: "PERSONAL", ownerId: site.users.LEAD.id, name: "Overdue board" });
    expect((await site.as.STAFF.views.list()).map((v) => v.id)).not.toContain(board.id);
  });

  it("refuses a filter or sort that jobs.list would refuse, and stores nothing", async () => {
    const before = await harness.db.prisma.savedView.count();
    for (const bad of [
      { name: "x", filter: { statuses: ["NOPE"] } },
      { name: "x", filter: { unknownField: 1 } },
      { name: "x", filter: { search: "a".repeat(101) } },
      { name: "x", sort: { field: "price", direction: "asc" } },
      { name: "", filter: {} },
      { name: "x\u0000y" },
    ]) {
      expect((await refusalOf(site.as.STAFF.views.create(bad as never))).code, JSON.stringify(bad)).toBe("BAD_REQUEST");
    }
    expect(await harness.db.prisma.savedView.count()).toBe(before);
  });

  it("a saved view's filter and sort drive jobs.list as they are", async () => {
    await site.as.STAFF.jobs.create({ title: "Viewable bracket", dueAt: "2001-01-01T00:00:00Z" });
    await site.as.STAFF.jobs.create({ title: "Other thing" });
    const view = await site.as.STAFF.views.create({ name: "Brackets", filter: { search: "bracket" }, sort: { field: "due", direction: "asc" } });
    const page = await site.as.STAFF.jobs.list({ filter: view.filter, sort: view.sort });
    expect(page.items.map((j) => j.title)).toEqual(["Viewable bracket"]);
  });
});
