import { siteDateStamp } from "@orderdeck/contracts";
import type { LocalClient } from "../trpc.ts";
import type { BoardFilter } from "./board-data.ts";

/** The board's current filter as the server's CSV, saved as a file (the browser's download, or Electron's). */
export async function exportBoardCsv(client: LocalClient, filter: BoardFilter, timeZone: string): Promise<void> {
  const csv = await client.exports.jobsCsv.mutate({
    filter: {
      archived: "exclude",
      ...(filter.statuses ? { statuses: filter.statuses } : {}),
      ...(filter.search.trim() ? { search: filter.search.trim() } : {}),
    },
  });
  const url = URL.createObjectURL(new Blob([csv], { type: "text/csv;charset=utf-8" }));
  try {
    const link = document.createElement("a");
    link.href = url;
    // Named for the shop's day, not the device's or UTC's.
    link.download = `orderdeck-jobs-${siteDateStamp(new Date(), timeZone)}.csv`;
    link.click();
  } finally {
    // After the click has handed the data to the download.
    setTimeout(() => URL.revokeObjectURL(url), 10_000);
  }
}
