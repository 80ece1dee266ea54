// How browser mode reaches localRouter: HTTP on the page's own 127.0.0.1 origin (no DOM here, so
// the links are tested in Node).
import { httpBatchLink, httpSubscriptionLink, splitLink, type TRPCLink } from "@trpc/client";
import type { LocalRouter } from "../../shared/local-api.ts";
import { LOCAL_REQUEST_HEADER } from "../../shared/transport.ts";

/** Procedures that wait on the server: the live calls (`online.*`), the server probe, a job's timeline, the CSV export. */
const SERVER_CALLS = new Set(["status", "queue.timeline", "exports.jobsCsv"]);

/** Whether localRouter answers `path` by calling the server; everything else answers from the console's own copy. */
export const waitsOnServer = (path: string): boolean => path.startsWith("online.") || SERVER_CALLS.has(path);

/**
 * Browser mode's links to localRouter over HTTP. Calls made together travel in one request, but
 * those that wait on the server go in a batch of their own: a batch is answered when its slowest
 * call is, and the board's first page from the local copy must not wait for a forecast from the
 * server (or for the server's timeout when it is unreachable).
 */
export function browserModeLinks(url: string): TRPCLink<LocalRouter>[] {
  const batch = () => httpBatchLink({ url, headers: { [LOCAL_REQUEST_HEADER]: "1" } });
  return [
    splitLink({
      condition: (op) => op.type === "subscription",
      // Server-sent events from the same 127.0.0.1 host (EventSource cannot send the header; the host allows streams without it).
      true: httpSubscriptionLink({ url }),
      false: splitLink({ condition: (op) => waitsOnServer(op.path), true: batch(), false: batch() }),
    }),
  ];
}
