import { JobStatus, OPEN_STATUSES, type JobBulkAction, type JobBulkResult } from "@orderdeck/contracts";
import { experimental_streamedQuery, useQuery, useQueryClient } from "@tanstack/react-query";
import { useMemo, useState } from "react";
import type { LocalJob } from "../../../shared/local-api.ts";
import { hasRole } from "../navigation/roles.ts";
import type { ScreenProps } from "../navigation/screens.ts";
import { Button } from "../ui/Button.tsx";
import { Dialog } from "../ui/Dialog.tsx";
import { ErrorMessage } from "../ui/ErrorMessage.tsx";
import { useNotices } from "../ui/Notices.tsx";
import { hrefOf } from "../navigation/hash-router.ts";
import { useTRPC, useTRPCClient } from "../trpc.ts";
import { useAction } from "../ui/action.ts";
import { exportBoardCsv } from "./export-csv.ts";
import { useSiteTime, When } from "../ui/time.tsx";
import { EMPTY_BOARD, addPage, boardPages, type BoardFilter } from "./board-data.ts";
import { ForecastPanel } from "./ForecastPanel.tsx";
import { STATUS_LABEL } from "./job-words.ts";
import { QueueGrid } from "./QueueGrid.tsx";
import { SavedViews } from "./SavedViews.tsx";
import "./board.css";

/** The queue board: every open job from the local cache, live, filterable, reorderable by leads. */
export function BoardScreen({ setup, online }: ScreenProps) {
  const trpc = useTRPC();
  const client = useTRPCClient();
  const queryClient = useQueryClient();
  const { toast } = useNotices();
  const { timeZone } = useSiteTime();
  const [filter, setFilter] = useState<BoardFilter>({ statuses: null, search: "" });
  const [searchText, setSearchText] = useState("");
  const [selected, setSelected] = useState<Set<string>>(new Set());
  // Under the queue's key, so a new sync (own change answered, or another station's change pulled) reloads the board.
  // The first page shows at once; a reload keeps the board as it is until the new one is whole.
  const board = useQuery({
    queryKey: [...trpc.queue.list.pathKey(), { board: filter }],
    queryFn: experimental_streamedQuery({ streamFn: () => boardPages(client, filter), refetchMode: "replace", reducer: addPage, initialValue: EMPTY_BOARD }),
  });
  const jobs = useMemo(() => board.data?.jobs ?? [], [board.data]);
  const canReorder = hasRole(setup.user?.role, "LEAD");
  const reload = () => void queryClient.invalidateQueries(trpc.queue.list.pathFilter());
  const exporting = useAction({ mutationFn: () => exportBoardCsv(client, filter, timeZone) });

  const transition = useAction(trpc.jobs.transition.mutationOptions());
  const reorder = useAction({
    mutationFn: async (input: { id: string; before?: string; after?: string }) => {
      const moved = await client.online.jobs.reorder.mutate(input);
      // The new order is the server's; pull it before showing the board again.
      await client.sync.now.mutate().catch(() => undefined);
      return moved;
    },
  });

  const onStatus = async (job: LocalJob, to: JobStatus) => {
    const answer = await transition.run({ id: job.id, to });
    if (!answer) return;
    if (answer.status === "rejected" || answer.status === "conflict") toast("error", answer.message ?? `${job.displayNumber} was not changed.`);
    else toast("info", `${job.displayNumber} is now ${STATUS_LABEL[to]}${answer.status === "pending" ? " (pending sync)" : ""}.`);
    reload();
  };
  const onMove = async (job: LocalJob, direction: "up" | "down") => {
    const index = jobs.findIndex((j) => j.id === job.id);
    const neighbour = jobs[direction === "up" ? index - 1 : index + 1];
    if (!neighbour) return;
    const moved = await reorder.run(direction === "up" ? { id: job.id, before: neighbour.id } : { id: job.id, after: neighbour.id });
    if (moved) toast("info", `${job.displayNumber} moved ${direction}.`);
    reload();
  };
  const onDropBefore = async (id: string, target: LocalJob) => {
    const moved = await reorder.run({ id, before: target.id });
    if (moved) toast("info", `Moved before ${target.displayNumber}.`);
    reload();
  };

  return (
    <section className="screen board" aria-labelledby="board-heading">
      <div className="board-top">
        <h1 id="board-heading">Queue</h1>
        <a className="button button--primary" href={hrefOf("/new-job")}>
          New job
        </a>
        <Button busy={exporting.isPending} busyLabel="Exporting…" disabled={!online} onClick={() => void exporting.run()}>
          Export CSV
        </Button>
        <p className="muted board-count" role="status">
          {board.isFetching && !board.data ? "Loading…" : `${jobs.length} ${jobs.length === 1 ? "job" : "jobs"}`}
          {board.data?.asOf && (
            <>
              {" "}
              · as of <When iso={board.data.asOf} />
            </>
          )}
        </p>
      </div>
      <form
        className="board-filters"
        role="search"
        aria-label="Filter the queue"
        onSubmit={(event) => {
          event.preventDefault();
          setFilter((f) => ({ ...f, search: searchText }));
        }}
      >
        <label htmlFor="board-search">Search</label>
        <input id="board-search" type="search" placeholder="Number, title or customer" value={searchText} onChange={(event) => setSearchText(event.target.value)} />
        <Button type="submit">Search</Button>
        <label htmlFor="board-status">Status</label>
        <select
          id="board-status"
          value={filter.statuses?.length === 1 ? filter.statuses[0] : ""}
          onChange={(event) => setFilter((f) => ({ ...f, statuses: event.target.value ? [JobStatus.parse(event.target.value)] : null }))}
        >
          <option value="">All open</option>
          {OPEN_STATUSES.map((status) => (
            <option key={status} value={status}>
              {STATUS_LABEL[status]}
            </option>
          ))}
        </select>
        {(filter.statuses || filter.search) && (
          <Button
            onClick={() => {
              setFilter({ statuses: null, search: "" });
              setSearchText("");
            }}
          >
            Clear filters
          </Button>
        )}
      </form>
      <SavedViews
        online={online}
        filter={filter}
        onApply={(next) => {
          setFilter(next);
          setSearchText(next.search);
        }}
      />
      <ErrorMessage error={board.error} what="Loading the queue" />
      <ErrorMessage error={transition.error} what="Changing the status" />
      <ErrorMessage error={reorder.error} what="Reordering" />
      {canReorder && (
        <BulkBar
          selected={selected}
          numberOf={(id) => jobs.find((job) => job.id === id)?.displayNumber ?? id.slice(0, 8)}
          onDone={() => {
            setSelected(new Set());
            void client.sync.now.mutate().catch(() => undefined).finally(reload);
          }}
        />
      )}
      {canReorder && <p className="muted board-hint">Reorder: drag a row, use ↑ / ↓, or Alt+Arrow keys on a focused row (online only).</p>}
      <QueueGrid
        jobs={jobs}
        actions={{
          canReorder,
          onMove: (job, direction) => void onMove(job, direction),
          onDropBefore: (id, target) => void onDropBefore(id, target),
          onStatus: (job, to) => void onStatus(job, to),
          selected,
          onSelect: (id, on) =>
            setSelected((current) => {
              const next = new Set(current);
              if (on) next.add(id);
              else next.delete(id);
              return next;
            }),
          onSelectAll: (on) => setSelected(on ? new Set(jobs.map((job) => job.id)) : new Set()),
        }}
      />
      <ForecastPanel online={online} />
    </section>
  );
}

type BulkChoice = "" | `status:${JobStatus}` | `assignee:${string}` | "unassign" | "archive" | "sendInvoice";

function bulkAction(choice: Exclude<BulkChoice, "">): JobBulkAction {
  if (choice === "archive" || choice === "sendInvoice") return { type: choice };
  if (choice === "unassign") return { type: "assignee", assigneeId: null };
  if (choice.startsWith("assignee:")) return { type: "assignee", assigneeId: choice.slice("assignee:".length) };
  return { type: "status", to: JobStatus.parse(choice.slice("status:".length)) };
}

function BulkBar({ selected, numberOf, onDone }: { selected: ReadonlySet<string>; numberOf: (id: string) => string; onDone: () => void }) {
  const [choice, setChoice] = useState<BulkChoice>("");
  const [result, setResult] = useState<JobBulkResult | null>(null);
  const trpc = useTRPC();
  const bulk = useAction(trpc.online.jobs.bulk.mutationOptions());
  const people = useQuery(trpc.online.users.assignable.queryOptions());
  if (selected.size === 0 && !result) return null;
  const run = async () => {
    if (!choice) return;
    const answer = await bulk.run({ ids: [...selected], action: bulkAction(choice) });
    if (answer) {
      setResult(answer);
      onDone();
    }
  };
  return (
    <div className="bulk-bar" role="group" aria-label="Bulk actions">
      <span>{selected.size} selected</span>
      <label htmlFor="bulk-action">Action</label>
      <select id="bulk-action" value={choice} onChange={(event) => setChoice(event.target.value as BulkChoice)}>
        <option value="">Choose…</option>
        {JobStatus.options
          .filter((status) => status !== "PICKED_UP")
          .map((status) => (
            <option key={status} value={`status:${status}`}>
              Status → {STATUS_LABEL[status]}
            </option>
          ))}
        <optgroup label="Assign to">
          {(people.data ?? []).map((person) => (
            <option key={person.id} value={`assignee:${person.id}`}>
              Assign → {person.name}
            </option>
          ))}
          <option value="unassign">Unassign</option>
        </optgroup>
        <option value="sendInvoice">Send invoice</option>
        <option value="archive">Archive</option>
      </select>
      <Button variant="primary" disabled={!choice || selected.size === 0} busy={bulk.isPending} busyLabel="Applying…" onClick={() => void run()}>
        Apply to {selected.size}
      </Button>
      <ErrorMessage error={bulk.error} what="The bulk change" />
      <Dialog title="Bulk results" open={result !== null} onClose={() => setResult(null)}>
        {result && (
          <>
            <p role="status">
              {result.succeeded} done, {result.failed} refused.
            </p>
            <ul className="bulk-results">
              {result.results.map((row) => (
                <li key={row.id} className={row.ok ? "bulk-ok" : "bulk-failed"}>
                  <span aria-hidden="true">{row.ok ? "✓" : "✕"}</span> {numberOf(row.id)}: {row.ok ? "Done" : `Refused — ${row.message}`}
                </li>
              ))}
            </ul>
          </>
        )}
      </Dialog>
    </div>
  );
}
