import type { DeadLetterView, IntakeRunNowResult, IntakeRunView, IntakeSourceView } from "@orderdeck/contracts";
import { useQuery, useQueryClient } from "@tanstack/react-query";
import { useState } from "react";
import { Button } from "../ui/Button.tsx";
import { useTRPC } from "../trpc.ts";
import { useAction } from "../ui/action.ts";
import { ConfirmDialog } from "../ui/ConfirmDialog.tsx";
import { DataTable } from "../ui/DataTable.tsx";
import { ErrorMessage } from "../ui/ErrorMessage.tsx";
import { When } from "../ui/time.tsx";
import { EnableButton } from "./form.tsx";

/** The storefront feed: its sources, their recent runs, and the rows it could not take in. */
export function FeedSection() {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const intake = trpc.online.admin.intake;
  const sources = useQuery(intake.sources.queryOptions());
  const runs = useQuery(intake.runs.queryOptions({ limit: 20 }));
  const letters = useQuery(intake.deadLetters.queryOptions({ status: "OPEN", limit: 50 }));
  const refresh = () => void queryClient.invalidateQueries(intake.pathFilter());
  const sourceName = (id: string) => sources.data?.find((s) => s.id === id)?.name ?? "a removed source";
  return (
    <div className="admin-section">
      <section className="panel" aria-labelledby="admin-sources-heading">
        <h2 id="admin-sources-heading">Feed sources</h2>
        <ErrorMessage error={sources.error} what="The feed sources" />
        {sources.data &&
          (sources.data.length === 0 ? (
            <p className="muted">No storefront feed is set up for this site.</p>
          ) : (
            <ul className="admin-cards">
              {sources.data.map((source) => (
                <SourceCard key={source.id} source={source} onChanged={refresh} />
              ))}
            </ul>
          ))}
      </section>

      <section className="panel" aria-labelledby="admin-runs-heading">
        <h2 id="admin-runs-heading">Recent runs</h2>
        <ErrorMessage error={runs.error} what="The feed's runs" />
        {runs.data && <RunsTable runs={runs.data.items} sourceName={sourceName} />}
      </section>

      <section className="panel" aria-labelledby="admin-letters-heading">
        <h2 id="admin-letters-heading">Rows not taken in (dead letters)</h2>
        <ErrorMessage error={letters.error} what="The dead letters" />
        {letters.data &&
          (letters.data.items.length === 0 ? (
            <p className="muted">
              <span aria-hidden="true">✓ </span>None open: every row the feed read was taken in.
            </p>
          ) : (
            <ul className="admin-cards">
              {letters.data.items.map((letter) => (
                <DeadLetterCard key={letter.id} letter={letter} onChanged={refresh} />
              ))}
            </ul>
          ))}
      </section>
    </div>
  );
}

function SourceCard({ source, onChanged }: { source: IntakeSourceView; onChanged: () => void }) {
  const intake = useTRPC().online.admin.intake;
  const toggle = useAction(intake.updateSource.mutationOptions());
  const run = useAction(intake.runNow.mutationOptions());
  const [lastRun, setLastRun] = useState<IntakeRunNowResult | null>(null);
  return (
    <li className="admin-card">
      <h3>{source.name}</h3>
      <dl className="facts">
        <dt>Address</dt>
        <dd>{source.baseUrl}</dd>
        <dt>State</dt>
        <dd>{source.enabled ? "Enabled: synced every minute" : <strong>Disabled: not synced</strong>}</dd>
        <dt>Last success</dt>
        <dd>{source.lastSuccessAt ? <When iso={source.lastSuccessAt} relative /> : "never"}</dd>
        <dt>Behind by</dt>
        <dd>{source.lagSeconds === 0 ? "nothing (caught up)" : `${Math.round(source.lagSeconds / 60)} min`}</dd>
        {source.consecutiveFailures > 0 && (
          <>
            <dt>Failures in a row</dt>
            <dd>
              <strong>{source.consecutiveFailures}</strong>
            </dd>
          </>
        )}
      </dl>
      <div className="button-row">
        <Button
          variant="primary"
          busy={run.isPending}
          busyLabel="Running…"
          disabled={!source.enabled}
          aria-label={`Run ${source.name} now`}
          onClick={async () => {
            const answer = await run.run({ sourceId: source.id });
            if (answer) {
              setLastRun(answer);
              onChanged();
            }
          }}
        >
          Run now
        </Button>
        <EnableButton
          enabled={source.enabled}
          name={source.name}
          busy={toggle.isPending}
          onClick={async () => {
            if (await toggle.run({ id: source.id, enabled: !source.enabled })) onChanged();
          }}
        />
      </div>
      <ErrorMessage error={run.error} what="Running the feed" />
      <ErrorMessage error={toggle.error} what="Changing the source" />
      {lastRun && (
        <div role="status" className="admin-run-result">
          <p>
            <strong>{lastRun.status === "SUCCEEDED" ? "✓ " : "✕ "}</strong>
            {lastRun.message}
          </p>
          <RunCounts run={lastRun.run} />
        </div>
      )}
    </li>
  );
}

function RunCounts({ run }: { run: IntakeRunView }) {
  return (
    <p>
      Read {run.rowsSeen}: {run.rowsInserted} new, {run.rowsUpdated} updated, {run.rowsUnchanged} unchanged, {run.rowsRejected} not taken in, {run.rowsFlagged} flagged.
    </p>
  );
}

const RUN_STATUS: Record<IntakeRunView["status"], string> = {
  RUNNING: "▶ Running",
  SUCCEEDED: "✓ Succeeded",
  FAILED: "✕ Failed",
  SKIPPED_LOCKED: "• Skipped (another run was busy)",
};

function RunsTable({ runs, sourceName }: { runs: IntakeRunView[]; sourceName: (id: string) => string }) {
  return (
    <DataTable
      label="Recent feed runs"
      rows={runs}
      rowKey={(run) => run.id}
      empty="No runs yet."
      columns={[
        { header: "Started", cell: (run) => <When iso={run.startedAt} /> },
        { header: "Source", cell: (run) => sourceName(run.sourceId) },
        { header: "Mode", cell: (run) => (run.mode === "FULL" ? "Full" : "Incremental") },
        { header: "Result", cell: (run) => RUN_STATUS[run.status] },
        { header: "Read", cell: (run) => run.rowsSeen },
        { header: "New", cell: (run) => run.rowsInserted },
        { header: "Updated", cell: (run) => run.rowsUpdated },
        { header: "Not taken in", cell: (run) => run.rowsRejected },
        { header: "Error", className: "admin-wrap", cell: (run) => run.error ?? "" },
      ]}
    />
  );
}

function DeadLetterCard({ letter, onChanged }: { letter: Omit<DeadLetterView, "payload">; onChanged: () => void }) {
  const intake = useTRPC().online.admin.intake;
  const retry = useAction(intake.retryDeadLetter.mutationOptions());
  const resolve = useAction(intake.resolveDeadLetter.mutationOptions());
  const [outcome, setOutcome] = useState<string | null>(null);
  const [resolving, setResolving] = useState(false);
  const [note, setNote] = useState("");
  const label = letter.externalId ? `order ${letter.externalId}` : "a row without an order id";
  return (
    <li className="admin-card">
      <h3>
        {letter.sourceName}: {label}
      </h3>
      <p>
        <strong>{letter.kind === "CONFLICT" ? "Conflict with a job changed here" : "Invalid row"}:</strong> {letter.reason}
      </p>
      <p className="muted">
        Since <When iso={letter.createdAt} />, {letter.attempts} {letter.attempts === 1 ? "attempt" : "attempts"}
        {letter.job && (
          <>
            {" · "}
            <a href={`#/jobs/${letter.job.id}`}>{letter.job.displayNumber}</a>
          </>
        )}
      </p>
      <div className="button-row">
        <Button
          busy={retry.isPending}
          busyLabel="Retrying…"
          aria-label={`Retry ${label}`}
          onClick={async () => {
            const answer = await retry.run({ id: letter.id });
            if (answer) {
              setOutcome(answer.message);
              if (answer.outcome === "TAKEN") onChanged();
            }
          }}
        >
          Retry
        </Button>
        <Button aria-label={`Resolve ${label} without taking it in`} onClick={() => setResolving(true)}>
          Resolve…
        </Button>
      </div>
      {outcome && <p role="status">{outcome}</p>}
      <ErrorMessage error={retry.error} what="Retrying" />
      <ConfirmDialog
        title={`Resolve ${label}?`}
        open={resolving}
        onClose={() => setResolving(false)}
        variant="primary"
        confirmLabel="Resolve"
        busy={resolve.isPending}
        busyLabel="Resolving…"
        error={resolve.error}
        what="Resolving"
        onConfirm={async () => {
          const trimmed = note.trim();
          if (await resolve.run({ id: letter.id, ...(trimmed ? { note: trimmed } : {}) })) {
            setResolving(false);
            onChanged();
          }
        }}
      >
        <p>The row is closed without being taken in; the note says why.</p>
        <label className="admin-field">
          <span>Note (optional)</span>
          <textarea rows={3} maxLength={1000} value={note} onChange={(e) => setNote(e.target.value)} />
        </label>
      </ConfirmDialog>
    </li>
  );
}
