import type { JobStatus } from "@orderdeck/contracts";
import type { LocalJob } from "../../../shared/local-api.ts";
import type { LocalClient } from "../local-client.ts";

export const PAGE_SIZE = 500;

export interface BoardFilter {
  statuses: JobStatus[] | null;
  search: string;
}

/** Every job of the board matching `filter`, page by page from the local cache (works offline). */
export async function loadBoard(client: LocalClient, filter: BoardFilter): Promise<{ jobs: LocalJob[]; asOf: string | null }> {
  const jobs: LocalJob[] = [];
  let cursor: string | undefined;
  for (;;) {
    const page = await client.queue.list.query({
      limit: PAGE_SIZE,
      includeClosed: false,
      ...(filter.statuses ? { statuses: filter.statuses } : {}),
      ...(filter.search.trim() ? { search: filter.search.trim() } : {}),
      ...(cursor ? { cursor } : {}),
    });
    jobs.push(...page.items);
    if (!page.nextCursor) return { jobs, asOf: page.asOf };
    cursor = page.nextCursor;
  }
}
