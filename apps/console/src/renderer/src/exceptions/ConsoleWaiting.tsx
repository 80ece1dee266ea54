import { useQuery, useQueryClient } from "@tanstack/react-query";
import type { WaitingChange, WaitingChanges } from "../../../shared/local-api.ts";
import { waitingForText } from "../status-bar/waiting-for.tsx";
import { useTRPC } from "../trpc.ts";
import { useAction } from "../ui/action.ts";
import { Button } from "../ui/Button.tsx";
import { ErrorMessage } from "../ui/ErrorMessage.tsx";
import { When } from "../ui/time.tsx";

interface Group {
  userId: string | null;
  name: string | null;
  changes: WaitingChange[];
}

function byAuthor(changes: readonly WaitingChange[]): Group[] {
  const groups = new Map<string | null, Group>();
  for (const change of changes) {
    const group = groups.get(change.authorId) ?? { userId: change.authorId, name: change.authorName, changes: [] };
    group.changes.push(change);
    groups.set(change.authorId, group);
  }
  return [...groups.values()];
}

/**
 * Changes made on this console by people who are not signed in now (LEAD and up). The server's list
 * cannot show them: until their author signs in here they exist on this console only.
 */
export function ConsoleWaiting() {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const waiting = useQuery(trpc.outbox.waiting.queryOptions());
  const adopt = useAction(trpc.outbox.adoptUnattributed.mutationOptions({ onSettled: () => queryClient.invalidateQueries(trpc.outbox.waiting.queryFilter()) }));
  if (waiting.error) return <ErrorMessage error={waiting.error} what="The changes waiting on this console" />;
  if (!waiting.data || waiting.data.changes.length === 0) return null;
  return <WaitingPanel waiting={waiting.data} onAdopt={() => void adopt.run()} adopting={adopt.isPending} adoptError={adopt.error} />;
}

function WaitingPanel({ waiting, onAdopt, adopting, adoptError }: { waiting: WaitingChanges; onAdopt: () => void; adopting: boolean; adoptError: unknown }) {
  const station = waiting.station?.name ?? "this console";
  return (
    <section className="panel exceptions-group exceptions-console-waiting" aria-labelledby="exceptions-console-waiting">
      <h2 id="exceptions-console-waiting" tabIndex={-1}>
        Waiting on this console ({station}) <span className="exceptions-count">({waiting.changes.length})</span>
      </h2>
      <p className="muted">
        Made here by people who are not signed in now. They are kept only on {station}, not on the server, and are sent under the
        name of whoever made them when that person signs in here: keep this console (and its data) until they have gone.
      </p>
      {byAuthor(waiting.changes).map((group) => (
        <div key={group.userId ?? "unrecorded"} className="exceptions-console-author">
          <h3>{waitingForText({ userId: group.userId, name: group.name, count: group.changes.length })}</h3>
          <ul className="exceptions-entries">
            {group.changes.map((change) => (
              <li key={change.mutationId} className="exceptions-entry">
                {change.jobId ? (
                  <a href={`#/jobs/${change.jobId}`} className="exceptions-job">
                    {change.description}
                  </a>
                ) : (
                  <span className="exceptions-job">{change.description}</span>
                )}
                <span className="muted exceptions-since">
                  made <When iso={change.madeAt} />
                </span>
              </li>
            ))}
          </ul>
          {group.userId === null && (
            <>
              <p className="muted">
                This console kept these from before it recorded who made each change. Sent under your name, the server records you as
                having made them.
              </p>
              <ErrorMessage error={adoptError} what="Taking them over" />
              <Button onClick={onAdopt} busy={adopting} busyLabel="Taking over…">
                Send them under my name
              </Button>
            </>
          )}
        </div>
      ))}
    </section>
  );
}
