import { parseBoundary, TASK_STATES, type TaskActionResult, type TaskState, type TaskView } from "@orderdeck/contracts";
import { useQuery, useQueryClient } from "@tanstack/react-query";
import { useState } from "react";
import type { ScreenProps } from "../navigation/screens.ts";
import { useTRPC } from "../trpc.ts";
import { useAction } from "../ui/action.ts";
import { ActionTable } from "../ui/ActionTable.tsx";
import { Button } from "../ui/Button.tsx";
import { ConfirmDialog } from "../ui/ConfirmDialog.tsx";
import { DataTable } from "../ui/DataTable.tsx";
import { ErrorMessage } from "../ui/ErrorMessage.tsx";
import { problemOf } from "../ui/errors.ts";
import { useSiteTime, When } from "../ui/time.tsx";
import "./operations.css";

const STATE_LABELS: Record<TaskState, string> = {
  QUEUED: "Queued",
  RUNNING: "Running",
  RETRYING: "Retrying",
  FAILED: "Failed",
  STUCK: "Stuck",
};

/** Marks shown with the state's name, never instead of it. */
const STATE_MARKS: Record<TaskState, string> = { QUEUED: "•", RUNNING: "▶", RETRYING: "↻", FAILED: "✕", STUCK: "⚠" };

interface Filters {
  states: TaskState[];
  task: string;
}

/** Background tasks (LEAD and up): what is waiting, failing or stuck, and retry / reschedule / give up. */
export function OperationsScreen({ online }: ScreenProps) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const [filters, setFilters] = useState<Filters>({ states: ["FAILED", "STUCK", "RETRYING"], task: "" });
  const [pages, setPages] = useState<string[]>([]);
  const overview = useQuery(trpc.online.operations.overview.queryOptions());
  const cursor = pages.at(-1);
  const list = useQuery(
    trpc.online.operations.list.queryOptions({
      ...(filters.states.length > 0 ? { states: filters.states } : {}),
      ...(filters.task ? { task: filters.task } : {}),
      ...(cursor ? { cursor } : {}),
      limit: 50,
    }),
  );
  const [results, setResults] = useState<{ action: string; answer: TaskActionResult } | null>(null);
  const refresh = () => void queryClient.invalidateQueries(trpc.online.operations.pathFilter());
  const tasks = [...new Set((overview.data?.counts ?? []).map((c) => c.task))].sort();

  return (
    <section className="screen operations" aria-labelledby="operations-heading">
      <div className="screen-heading">
        <h1 id="operations-heading">Operations</h1>
        <Button onClick={refresh} busy={overview.isFetching || list.isFetching} busyLabel="Loading…">
          Refresh
        </Button>
      </div>
      {!online || problemOf(overview.error).offline ? (
        <p className="operations-offline" role="status">
          <span aria-hidden="true">⚡ </span>
          Offline: background tasks are read from and managed on the server, which cannot be reached right now.{overview.data ? " What you see is as last loaded; actions wait until the console is back online." : ""}
        </p>
      ) : (
        <ErrorMessage error={overview.error} what="The operations overview" />
      )}
      {overview.data && <Overview counts={overview.data.counts} workers={overview.data.workers} />}

      <section className="panel" aria-labelledby="operations-tasks-heading">
        <h2 id="operations-tasks-heading">Tasks</h2>
        <form className="operations-filters" onSubmit={(event) => event.preventDefault()} aria-label="Task filters">
          <fieldset>
            <legend>State</legend>
            {TASK_STATES.map((state) => (
              <label key={state} className="operations-checkbox">
                <input
                  type="checkbox"
                  checked={filters.states.includes(state)}
                  onChange={(event) => {
                    setPages([]);
                    setFilters((f) => ({ ...f, states: event.target.checked ? [...f.states, state] : f.states.filter((s) => s !== state) }));
                  }}
                />
                {STATE_LABELS[state]}
              </label>
            ))}
          </fieldset>
          <label className="operations-field">
            <span>Task</span>
            <select
              value={filters.task}
              onChange={(event) => {
                setPages([]);
                setFilters((f) => ({ ...f, task: event.target.value }));
              }}
            >
              <option value="">All tasks</option>
              {tasks.map((task) => (
                <option key={task} value={task}>
                  {task}
                </option>
              ))}
            </select>
          </label>
        </form>
        {!problemOf(list.error).offline && <ErrorMessage error={list.error} what="The task list" />}
        {/* Beside the list, not in it: a retried task leaves the filtered list once it refreshes, and its outcome must stay in view. */}
        {results && (
          <p role="status" className="operations-summary">
            {results.action}: {results.answer.succeeded} done{results.answer.failed > 0 ? `, ${results.answer.failed} not (see the Result column)` : ""}.
          </p>
        )}
        {list.data && (
          <TaskTable
            key={`${filters.states.join(",")}|${filters.task}|${pages.join(",")}`}
            tasks={list.data.tasks}
            onDone={(action, answer) => {
              setResults({ action, answer });
              refresh();
            }}
            results={results}
          />
        )}
        <div className="button-row">
          {pages.length > 0 && <Button onClick={() => setPages((p) => p.slice(0, -1))}>Newer tasks</Button>}
          {list.data?.nextCursor && <Button onClick={() => setPages((p) => [...p, list.data?.nextCursor ?? ""])}>Older tasks</Button>}
        </div>
      </section>
    </section>
  );
}

function Overview({ counts, workers }: { counts: Array<{ task: string; state: TaskState; count: number }>; workers: { alive: number; lastBeatAt: string | null } }) {
  const tasks = [...new Set(counts.map((c) => c.task))].sort();
  const countOf = (task: string, state: TaskState) => counts.find((c) => c.task === task && c.state === state)?.count ?? 0;
  return (
    <section className="panel" aria-labelledby="operations-overview-heading">
      <h2 id="operations-overview-heading">Overview</h2>
      <p className={workers.alive > 0 ? "operations-workers" : "operations-workers operations-workers--none"}>
        {workers.alive > 0 ? (
          <>
            <span aria-hidden="true">▶ </span>
            {workers.alive} {workers.alive === 1 ? "worker is" : "workers are"} running.
          </>
        ) : (
          <>
            <span aria-hidden="true">⚠ </span>No worker is running: tasks wait until one starts.
            {workers.lastBeatAt && (
              <>
                {" "}
                Last seen <When iso={workers.lastBeatAt} relative />.
              </>
            )}
          </>
        )}
      </p>
      <DataTable
        label="Tasks by state"
        rows={tasks}
        rowKey={(task) => task}
        empty="No background tasks for this site."
        columns={[{ header: "Task", rowHeader: true, cell: (task) => task }, ...TASK_STATES.map((state) => ({ header: STATE_LABELS[state], cell: (task: string) => countOf(task, state) }))]}
      />
    </section>
  );
}

function TaskTable({
  tasks,
  results,
  onDone,
}: {
  tasks: Array<Omit<TaskView, "payload">>;
  results: { action: string; answer: TaskActionResult } | null;
  onDone: (action: string, answer: TaskActionResult) => void;
}) {
  const operations = useTRPC().online.operations;
  const [selected, setSelected] = useState<string[]>([]);
  const [runAt, setRunAt] = useState("");
  const { timeZone } = useSiteTime();
  const [giveUpOpen, setGiveUpOpen] = useState(false);
  const [reason, setReason] = useState("");
  const retry = useAction(operations.retry.mutationOptions());
  const reschedule = useAction(operations.reschedule.mutationOptions());
  const giveUp = useAction(operations.giveUp.mutationOptions());
  const [runAtError, setRunAtError] = useState<string | null>(null);
  const busy = retry.isPending || reschedule.isPending || giveUp.isPending;
  const outcome = (id: string) => results?.answer.results.find((r) => r.id === id);

  if (tasks.length === 0) return <p className="muted">No tasks match these filters.</p>;
  const finish = (action: string, answer: TaskActionResult | undefined) => {
    if (!answer) return;
    setSelected([]);
    onDone(action, answer);
  };

  return (
    <>
      <div className="operations-actions" role="group" aria-label="Actions on the chosen tasks">
        <span>{selected.length === 0 ? "Choose tasks below to act on them." : `${selected.length} chosen.`}</span>
        <Button variant="primary" disabled={selected.length === 0} busy={retry.isPending} busyLabel="Retrying…" onClick={async () => finish("Retry", await retry.run({ ids: selected }))}>
          Retry now
        </Button>
        <label className="operations-field operations-field--inline">
          <span>Run at ({timeZone})</span>
          <input type="datetime-local" value={runAt} onChange={(event) => setRunAt(event.target.value)} aria-describedby={runAtError ? "operations-runat-error" : undefined} />
        </label>
        <Button
          disabled={selected.length === 0 || busy}
          busy={reschedule.isPending}
          busyLabel="Rescheduling…"
          onClick={async () => {
            // Typed on the site's clock, like every time the console shows.
            const when = runAt ? parseBoundary(runAt, timeZone) : null;
            if (!when) {
              setRunAtError("Choose the date and time to run them at.");
              return;
            }
            setRunAtError(null);
            finish("Reschedule", await reschedule.run({ ids: selected, runAt: when.toISOString() }));
          }}
        >
          Reschedule
        </Button>
        <Button variant="danger" disabled={selected.length === 0 || busy} onClick={() => setGiveUpOpen(true)}>
          Give up…
        </Button>
      </div>
      {runAtError && (
        <p id="operations-runat-error" className="operations-field-error" role="alert">
          {runAtError}
        </p>
      )}
      <ErrorMessage error={retry.error ?? reschedule.error ?? giveUp.error} what="The action" />
      <ActionTable
        label="Tasks"
        className="operations-table"
        rows={tasks}
        rowKey={(task) => task.id}
        empty="No tasks match these filters."
        choice={{
          chosen: selected,
          onChoose: (id, on) => setSelected((s) => (on ? [...s, id] : s.filter((x) => x !== id))),
          label: (task) => `Choose task ${task.id} (${task.task})`,
        }}
        columns={[
          {
            header: "Task",
            cell: (task) => (
              <>
                {task.task}
                <div className="muted">#{task.id}</div>
              </>
            ),
          },
          {
            header: "State",
            className: (task) => `task-state task-state--${task.state.toLowerCase()}`,
            cell: (task) => (
              <>
                <span aria-hidden="true">{STATE_MARKS[task.state]} </span>
                {STATE_LABELS[task.state]}
              </>
            ),
          },
          { header: "Attempts", cell: (task) => `${task.attempts} of ${task.maxAttempts}` },
          { header: "Runs at", cell: (task) => <When iso={task.runAt} /> },
          { header: "Last error", className: "operations-error", cell: (task) => task.lastError ?? <span className="muted">none</span> },
          {
            header: "Result",
            cell: (task) => {
              const result = outcome(task.id);
              return result ? result.ok ? <span>✓ Done</span> : <span>✕ {result.message ?? result.reason}</span> : null;
            },
          },
        ]}
      />
      <ConfirmDialog
        title="Give up these tasks?"
        open={giveUpOpen}
        onClose={() => setGiveUpOpen(false)}
        confirmLabel={`Give up ${selected.length} ${selected.length === 1 ? "task" : "tasks"}`}
        busy={giveUp.isPending}
        busyLabel="Giving up…"
        keepLabel="Keep them"
        onConfirm={async () => {
          const trimmed = reason.trim();
          const answer = await giveUp.run({ ids: selected, ...(trimmed ? { reason: trimmed } : {}) });
          setGiveUpOpen(false);
          setReason("");
          finish("Give up", answer);
        }}
      >
        <p>
          {selected.length} {selected.length === 1 ? "task stops" : "tasks stop"} for good. The mail or delivery they were for is marked given up and shows on the exceptions list. This cannot be undone.
        </p>
        <label className="operations-field">
          <span>Reason (optional, kept in the audit log)</span>
          <textarea value={reason} maxLength={500} rows={3} onChange={(event) => setReason(event.target.value)} />
        </label>
      </ConfirmDialog>
    </>
  );
}
