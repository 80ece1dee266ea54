// The board reads the queue page by page: a small first page, so the first rows wait for as little
// as they can, then pages as large as localRouter gives.
import { createTRPCClient, unstable_localLink, type TRPCLink } from "@trpc/client";
import { initTRPC } from "@trpc/server";
import { describe, expect, it } from "vitest";
import { z } from "zod";
import { addPage, boardPages, EMPTY_BOARD, FIRST_PAGE_SIZE, PAGE_SIZE } from "../src/renderer/src/board/board-data.ts";
import type { LocalClient } from "../src/renderer/src/trpc.ts";

/** A stand-in for localRouter's queue.list over `total` jobs (ids "0", "1", …; the cursor is the next index); the limits asked are kept. */
function queueOf(total: number) {
  const t = initTRPC.create();
  const limits: number[] = [];
  const router = t.router({
    queue: t.router({
      list: t.procedure.input(z.object({ limit: z.number(), includeClosed: z.boolean(), cursor: z.string().optional() })).query(({ input }) => {
        limits.push(input.limit);
        const from = Number(input.cursor ?? 0);
        const to = Math.min(total, from + input.limit);
        const items = Array.from({ length: to - from }, (_, i) => ({ id: String(from + i) }));
        return { items, nextCursor: to < total ? String(to) : null, asOf: "2026-12-06T06:00:00.000Z" };
      }),
    }),
  });
  // Typed as localRouter's client: the stand-in answers the one procedure boardPages calls.
  const link = unstable_localLink({ router, createContext: async () => ({}) }) as unknown as TRPCLink<never>;
  return { client: createTRPCClient({ links: [link] }) as unknown as LocalClient, limits };
}

describe("the board's pages", () => {
  it("start with a small page and read the rest in full pages, every job once and in order", async () => {
    const total = FIRST_PAGE_SIZE + 2 * PAGE_SIZE + 7;
    const { client, limits } = queueOf(total);
    let board = EMPTY_BOARD;
    const sizes: number[] = [];
    for await (const page of boardPages(client, { statuses: null, search: "" })) {
      sizes.push(page.jobs.length);
      board = addPage(board, page);
    }
    expect(FIRST_PAGE_SIZE).toBeLessThan(PAGE_SIZE);
    expect(limits).toEqual([FIRST_PAGE_SIZE, PAGE_SIZE, PAGE_SIZE, PAGE_SIZE]);
    expect(sizes).toEqual([FIRST_PAGE_SIZE, PAGE_SIZE, PAGE_SIZE, 7]);
    expect(board.jobs.map((job) => job.id)).toEqual(Array.from({ length: total }, (_, i) => String(i)));
    expect(board.asOf).toBe("2026-12-06T06:00:00.000Z");
  });
});
