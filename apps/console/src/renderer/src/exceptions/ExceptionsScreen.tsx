import { ExceptionKind, type ExceptionEntry, type ExceptionList } from "@orderdeck/contracts";
import { useQuery } from "@tanstack/react-query";
import type { MouseEvent } from "react";
import { hasRole } from "../navigation/roles.ts";
import type { ScreenProps } from "../navigation/screens.ts";
import { Button } from "../ui/Button.tsx";
import { ErrorMessage } from "../ui/ErrorMessage.tsx";
import { problemOf } from "../ui/errors.ts";
import { useTRPC } from "../trpc.ts";
import { When } from "../ui/time.tsx";
import { ConsoleWaiting } from "./ConsoleWaiting.tsx";
import "./exceptions.css";

/** What each kind means to the person at the counter, in the order the list shows them. */
const KINDS: Record<ExceptionKind, { title: string; hint: string }> = {
  OVERDUE: { title: "Overdue", hint: "Past their due date and not finished." },
  SLA_BREACH: { title: "SLA breached", hint: "Open longer than the site's breach threshold." },
  READY_UNPAID: { title: "Ready but unpaid", hint: "Waiting on the shelf with money still due." },
  FAILED_PRINT: { title: "Failed prints", hint: "Marked failed; reprint or cancel them." },
  PICKUP_CONFLICT: { title: "Pickup conflicts", hint: "An offline handover the server could not accept." },
  MAIL_FAILED: { title: "Mail not sent", hint: "Customer mail given up after its retries." },
  WEBHOOK_FAILED: { title: "Webhook deliveries failed", hint: "Events another system did not receive." },
  WEBHOOK_DISABLED: { title: "Webhooks disabled", hint: "Endpoints switched off after repeated failures; an admin can enable them again." },
  INTAKE_DEAD_LETTER: { title: "Feed rows not taken in", hint: "Storefront orders the feed could not turn into jobs (Admin → Feed)." },
};

/**
 * The exceptions list (STAFF and up): everything that needs a person, grouped by kind. A lead also
 * sees the changes this console holds for people who are not signed in (they are not on the server).
 */
export function ExceptionsScreen({ online, setup }: ScreenProps) {
  const list = useQuery(useTRPC().online.exceptions.list.queryOptions({}));
  return (
    <section className="screen exceptions" aria-labelledby="exceptions-heading">
      <div className="screen-heading">
        <h1 id="exceptions-heading">Exceptions</h1>
        <Button onClick={() => void list.refetch()} busy={list.isFetching} busyLabel="Loading…">
          Refresh
        </Button>
      </div>
      {hasRole(setup.user?.role, "LEAD") && <ConsoleWaiting />}
      {!online || problemOf(list.error).offline ? (
        <p className="exceptions-offline" role="status">
          <span aria-hidden="true">⚡ </span>
          {list.data
            ? "Offline: this is the list as last loaded. It needs the server to refresh, and refreshes by itself when the console is back online."
            : "Offline: the exceptions list needs the server, which cannot be reached right now. It appears here as soon as the console is back online."}
        </p>
      ) : (
        <ErrorMessage error={list.error} what="The exceptions list" />
      )}
      {list.data && <Groups list={list.data} />}
    </section>
  );
}

function Groups({ list }: { list: ExceptionList }) {
  const kinds = ExceptionKind.options.filter((kind) => (list.counts[kind] ?? 0) > 0);
  if (kinds.length === 0) {
    return (
      <p className="exceptions-empty" role="status">
        <span aria-hidden="true">✓ </span>No exceptions: nothing needs attention right now.
      </p>
    );
  }
  const total = kinds.reduce((sum, kind) => sum + (list.counts[kind] ?? 0), 0);
  return (
    <>
      <p className="muted">
        {total} {total === 1 ? "exception" : "exceptions"} in {kinds.length} {kinds.length === 1 ? "group" : "groups"}.
      </p>
      <nav aria-label="Exception groups" className="exceptions-index">
        <ul>
          {kinds.map((kind) => (
            <li key={kind}>
              <a href={`#/exceptions`} onClick={(event) => jumpTo(event, kind)}>
                {KINDS[kind].title} ({list.counts[kind]})
              </a>
            </li>
          ))}
        </ul>
      </nav>
      {kinds.map((kind) => (
        <Group key={kind} kind={kind} count={list.counts[kind] ?? 0} truncated={list.truncated.includes(kind)} entries={list.items.filter((e) => e.kind === kind)} />
      ))}
    </>
  );
}

/** Moves to a group without changing the hash route (the hash is the screen). */
function jumpTo(event: MouseEvent, kind: ExceptionKind) {
  event.preventDefault();
  const target = document.getElementById(`exceptions-${kind}`);
  target?.scrollIntoView();
  target?.focus();
}

function Group({ kind, count, truncated, entries }: { kind: ExceptionKind; count: number; truncated: boolean; entries: ExceptionEntry[] }) {
  const headingId = `exceptions-${kind}`;
  return (
    <section className="panel exceptions-group" aria-labelledby={headingId}>
      <h2 id={headingId} tabIndex={-1}>
        {KINDS[kind].title} <span className="exceptions-count">({count})</span>
      </h2>
      <p className="muted">{KINDS[kind].hint}</p>
      <ul className="exceptions-entries">
        {entries.map((entry) => (
          <li key={`${entry.kind}:${entry.refId}`} className="exceptions-entry">
            {entry.job ? (
              <a href={`#/jobs/${entry.job.id}`} className="exceptions-job">
                {entry.job.displayNumber} · {entry.job.title}
              </a>
            ) : null}
            <span className="exceptions-message">{entry.message}</span>
            <span className="muted exceptions-since">
              since <When iso={entry.since} />
            </span>
          </li>
        ))}
      </ul>
      {truncated && (
        <p className="muted">
          Showing {entries.length} of {count}; deal with these first, the rest follow.
        </p>
      )}
    </section>
  );
}
