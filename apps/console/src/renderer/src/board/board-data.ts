import type { JobStatus } from "@orderdeck/contracts";
import type { LocalJob } from "../../../shared/local-api.ts";
import type { LocalClient } from "../trpc.ts";

/**
 * The first page is a few screenfuls: it is what the board waits for before it shows anything, and
 * reading, checking and sending 500 jobs took console-core several times as long as 100. The rest
 * follow in pages as large as localRouter gives, in as few round trips as it takes.
 */
export const FIRST_PAGE_SIZE = 100;
export const PAGE_SIZE = 500;

export interface BoardFilter {
  statuses: JobStatus[] | null;
  search: string;
}

export interface BoardJobs {
  jobs: LocalJob[];
  asOf: string | null;
}

/**
 * The board's jobs matching `filter`, page by page from the local cache (works offline), so the
 * first rows show while the rest are read: a queue of 10 000 jobs is 21 pages.
 */
export async function* boardPages(client: LocalClient, filter: BoardFilter): AsyncGenerator<BoardJobs> {
  let cursor: string | undefined;
  for (;;) {
    const page = await client.queue.list.query({
      limit: cursor ? PAGE_SIZE : FIRST_PAGE_SIZE,
      includeClosed: false,
      ...(filter.statuses ? { statuses: filter.statuses } : {}),
      ...(filter.search.trim() ? { search: filter.search.trim() } : {}),
      ...(cursor ? { cursor } : {}),
    });
    yield { jobs: page.items, asOf: page.asOf };
    if (!page.nextCursor) return;
    cursor = page.nextCursor;
  }
}

/** The pages so far as one board. */
export function addPage(board: BoardJobs, page: BoardJobs): BoardJobs {
  return { jobs: board.jobs.concat(page.jobs), asOf: page.asOf };
}

export const EMPTY_BOARD: BoardJobs = { jobs: [], asOf: null };
