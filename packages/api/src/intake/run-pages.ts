import { laterCursor, parseCursorToken, positionOfRow, type FeedPage, type StorefrontFeed } from "./storefront-feed.ts";
import { parseRow, rawRowHash, type ParsedRow } from "./take-parse.ts";

// A page of the feed as a run reads it: each row hashed as sent, with the cursor just after it.
// A row is checked and mapped only when its chunk needs it: most rows of a full reconciliation
// are known unchanged by their raw hash alone (take-preview.ts).

export class BufferedRow {
  private parsedRow: ParsedRow | null = null;

  constructor(
    readonly raw: unknown,
    /** rawRowHash of the row. */
    readonly rawHash: string,
    /** The cursor just after the row (null when the row has no usable position). */
    readonly after: string | null,
    readonly instant: Date | null,
    /** The order id in `after`. */
    readonly afterId: string | null,
  ) {}

  /** The row checked and mapped (parseRow), once. */
  get parsed(): ParsedRow {
    return (this.parsedRow ??= parseRow(this.raw, this.rawHash));
  }
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

/** The page after `cursor`, its rows hashed and placed. */
export async function readPage(feed: StorefrontFeed, cursor: string | null): Promise<ReadPage> {
  const page = await feed.page(cursor);
  return {
    page,
    rows: page.rows.map((raw, i) => {
      // The page's own cursor covers its last row even when that row is unreadable.
      const after = i === page.rows.length - 1 ? laterCursor(positionOfRow(raw), page.nextCursor) : positionOfRow(raw);
      const position = after === null ? null : parseCursorToken(after);
      return new BufferedRow(raw, rawRowHash(raw), after, position ? new Date(position.updatedAt) : null, position?.id ?? null);
    }),
  };
}
