import { laterCursor, parseCursorToken, positionOfRow, type FeedPage, type StorefrontFeed } from "./storefront-feed.ts";
import { parseRow, type ParsedRow } from "./take-parse.ts";

// A page of the feed as a run reads it: each row parsed, with the cursor just after it.

export interface BufferedRow {
  parsed: ParsedRow;
  /** The cursor just after the row (null when the row has no usable position). */
  after: string | null;
  instant: Date | null;
  /** The order id in `after`. */
  afterId: string | null;
}

/** The row of `rows` furthest along the feed's (updated_at, id) order, as laterCursor decides, the first of equals. */
export function furthest(rows: readonly BufferedRow[]): BufferedRow | null {
  let found: BufferedRow | null = null;
  for (const row of rows) {
    if (row.instant === null || row.afterId === null) continue;
    const t = row.instant.getTime();
    const best = found?.instant?.getTime();
    if (found === null || best === undefined || t > best || (t === best && row.afterId > (found.afterId ?? ""))) found = row;
  }
  return found;
}

export interface ReadPage {
  page: FeedPage;
  rows: BufferedRow[];
}

/** The page after `cursor`, its rows parsed and placed. */
export async function readPage(feed: StorefrontFeed, cursor: string | null): Promise<ReadPage> {
  const page = await feed.page(cursor);
  return {
    page,
    rows: page.rows.map((raw, i) => {
      // The page's own cursor covers its last row even when that row is unreadable.
      const after = i === page.rows.length - 1 ? laterCursor(positionOfRow(raw), page.nextCursor) : positionOfRow(raw);
      const position = after === null ? null : parseCursorToken(after);
      return { parsed: parseRow(raw), after, instant: position ? new Date(position.updatedAt) : null, afterId: position?.id ?? null };
    }),
  };
}
