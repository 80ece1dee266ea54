import type { JobStatus } from "@orderdeck/contracts";
import type { LocalJob } from "../../../shared/local-api.ts";
import type { LocalClient } from "../local-client.ts";

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
 * first rows show while the rest are read: a queue of 10 000 jobs is twenty pages.
 */
export async function* boardPages(client: LocalClient, filter: BoardFilter): AsyncGenerator<BoardJobs> {
  let cursor: string | undefined;
  for (;;) {
    const page = await client.queue.list.query({
      limit: PAGE_SIZE,
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
