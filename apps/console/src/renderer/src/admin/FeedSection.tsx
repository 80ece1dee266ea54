import type { DeadLetterView, IntakeRunNowResult, IntakeRunView, IntakeSourceView } from "@orderdeck/contracts";
import { useState } from "react";
import type { ScreenProps } from "../navigation/screens.ts";
import { Button } from "../ui/Button.tsx";
import { Dialog } from "../ui/Dialog.tsx";
import { ErrorMessage } from "../ui/ErrorMessage.tsx";
import { useMutation, useQuery } from "../ui/query.ts";
import { When } from "../ui/time.tsx";

type Client = ScreenProps["client"];

/** The storefront feed: its sources, their recent runs, and the rows it could not take in. */
export function FeedSection({ client, online }: ScreenProps) {
  const sources = useQuery(() => client.online.admin.intake.sources.query(), [client, online]);
  const runs = useQuery(() => client.online.admin.intake.runs.query({ limit: 20 }), [client, online]);
  const letters = useQuery(() => client.online.admin.intake.deadLetters.query({ status: "OPEN", limit: 50 }), [client, online]);
  const refresh = () => {
    sources.refetch();
    runs.refetch();
    letters.refetch();
  };
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
                <SourceCard key={source.id} client={client} source={source} onChanged={refresh} />
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
                <DeadLetterCard key={letter.id} client={client} letter={letter} onChanged={refresh} />
              ))}
            </ul>
          ))}
      </section>
    </div>
  );
}

function SourceCard({ client, source, onChanged }: { client: Client; source: IntakeSourceView; onChanged: () => void }) {
  const toggle = useMutation(() => client.online.admin.intake.updateSource.mutate({ id: source.id, enabled: !source.enabled }));
  const run = useMutation(() => client.online.admin.intake.runNow.mutate({ sourceId: source.id }));
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
          busy={run.pending}
          busyLabel="Running…"
          disabled={!source.enabled}
          aria-label={`Run ${source.name} now`}
          onClick={async () => {
            const answer = await run.run(undefined);
            if (answer) {
              setLastRun(answer);
              onChanged();
            }
          }}
        >
          Run now
        </Button>
        <Button
          variant={source.enabled ? "danger" : "secondary"}
          busy={toggle.pending}
          busyLabel="Saving…"
          aria-label={`${source.enabled ? "Disable" : "Enable"} ${source.name}`}
          onClick={async () => {
            if (await toggle.run(undefined)) onChanged();
          }}
        >
          {source.enabled ? "Disable" : "Enable"}
        </Button>
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
  if (runs.length === 0) return <p className="muted">No runs yet.</p>;
  return (
    <table className="data-table" aria-label="Recent feed runs">
      <thead>
        <tr>
          <th scope="col">Started</th>
          <th scope="col">Source</th>
          <th scope="col">Mode</th>
          <th scope="col">Result</th>
          <th scope="col">Read</th>
          <th scope="col">New</th>
          <th scope="col">Updated</th>
          <th scope="col">Not taken in</th>
          <th scope="col">Error</th>
        </tr>
      </thead>
      <tbody>
        {runs.map((run) => (
          <tr key={run.id}>
            <td>
              <When iso={run.startedAt} />
            </td>
            <td>{sourceName(run.sourceId)}</td>
            <td>{run.mode === "FULL" ? "Full" : "Incremental"}</td>
            <td>{RUN_STATUS[run.status]}</td>
            <td>{run.rowsSeen}</td>
            <td>{run.rowsInserted}</td>
            <td>{run.rowsUpdated}</td>
            <td>{run.rowsRejected}</td>
            <td className="admin-wrap">{run.error ?? ""}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

function DeadLetterCard({ client, letter, onChanged }: { client: Client; letter: Omit<DeadLetterView, "payload">; onChanged: () => void }) {
  const retry = useMutation(() => client.online.admin.intake.retryDeadLetter.mutate({ id: letter.id }));
  const resolve = useMutation((note: string) => client.online.admin.intake.resolveDeadLetter.mutate({ id: letter.id, ...(note ? { note } : {}) }));
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
          busy={retry.pending}
          busyLabel="Retrying…"
          aria-label={`Retry ${label}`}
          onClick={async () => {
            const answer = await retry.run(undefined);
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
      <Dialog title={`Resolve ${label}?`} open={resolving} onClose={() => setResolving(false)}>
        <p>The row is closed without being taken in; the note says why.</p>
        <label className="admin-field">
          <span>Note (optional)</span>
          <textarea rows={3} maxLength={1000} value={note} onChange={(e) => setNote(e.target.value)} />
        </label>
        <div className="button-row">
          <Button
            variant="primary"
            busy={resolve.pending}
            busyLabel="Resolving…"
            onClick={async () => {
              if (await resolve.run(note.trim())) {
                setResolving(false);
                onChanged();
              }
            }}
          >
            Resolve
          </Button>
          <Button onClick={() => setResolving(false)}>Cancel</Button>
        </div>
        <ErrorMessage error={resolve.error} what="Resolving" />
      </Dialog>
    </li>
  );
}
